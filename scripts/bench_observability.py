"""What quotas and metrics cost per request: a small benchmark, not a test (figures depend on
the machine and its load; docs/DEPLOYMENT.md quotes a run).

For each counter backend (this process, SQLite, PostgreSQL, Redis) it times the quota check
of one unsigned call under the ``aws`` quota set (two counters: per account and per source),
and it times what the observer adds to every call (counters, histogram, no audit log). Run:

    PYTHONPATH=src python scripts/bench_observability.py [--calls 5000]
        [--postgres postgresql://postgres@127.0.0.1:5432/test] [--redis redis://127.0.0.1:6379/15]

Backends that cannot be reached are skipped with a line saying so.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import secrets
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from idpool.observe.metrics import Metrics
from idpool.observe.observer import Answered, Observer
from idpool.quotas.counters import Counters, LocalCounters, RedisCounters, StoreCounters
from idpool.quotas.rules import load_quotas
from idpool.quotas.throttle import Throttle
from idpool.storage.open import open_sql_store


def per_call_us(calls: int, run: Callable[[int], None]) -> tuple[float, float]:
    """Median and 99th percentile of one call, in microseconds."""
    times = []
    for i in range(calls):
        started = time.perf_counter()
        run(i)
        times.append((time.perf_counter() - started) * 1e6)
    times.sort()
    return statistics.median(times), times[int(len(times) * 0.99)]


def bench_counters(name: str, counters: Counters, calls: int) -> None:
    account = f"9{secrets.randbelow(10**11):011d}"  # fresh counters every run
    # GetId under the aws set (per account and per source), with limits no call reaches
    quotas = [dataclasses.replace(q, limit=10**9) for q in load_quotas("aws") if q.operation == "GetId"]
    throttle = Throttle(quotas, counters, account, clock=lambda: 1.0)
    median, p99 = per_call_us(calls, lambda i: throttle.check("cognito-identity", "GetId", account=None,
                                                               source_ip=f"198.51.100.{i % 200}"))
    print(f"quota check, {name:<22} median {median:8.1f} us   p99 {p99:8.1f} us")


def bench_observer(calls: int) -> None:
    observer = Observer(Metrics())
    now = dt.datetime.now(dt.UTC)
    call = Answered(request_id="r", service="cognito-identity", operation="GetId", status=200, error_code=None,
                    error_message=None, principal=None, source_ip="198.51.100.1", user_agent="bench",
                    region="us-east-1", seconds=0.001, time=now, start_ns=0)
    median, p99 = per_call_us(calls, lambda i: observer.answered(call))
    print(f"observer (metrics only)             median {median:8.1f} us   p99 {p99:8.1f} us")


def bench_postgres(url: str, calls: int) -> None:
    """In a schema of its own, dropped afterwards."""
    import psycopg

    schema = f"idpool_bench_{secrets.token_hex(4)}"
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA {schema}")
    try:
        joined = "&" if "?" in url else "?"
        store = open_sql_store(f"{url}{joined}options=-csearch_path%3D{schema}", Path(tempfile.gettempdir()))
        try:
            bench_counters("PostgreSQL store", StoreCounters(store), calls)
        finally:
            store.close()
    finally:
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute(f"DROP SCHEMA {schema} CASCADE")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--calls", type=int, default=5000)
    parser.add_argument("--postgres", default="postgresql://postgres@127.0.0.1:5432/test")
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/15")
    args = parser.parse_args()
    bench_observer(args.calls)
    bench_counters("in process", LocalCounters(), args.calls)
    with tempfile.TemporaryDirectory() as tmp:
        store = open_sql_store(f"sqlite:///{Path(tmp) / 'bench.db'}", Path(tmp))
        try:
            bench_counters("SQLite store", StoreCounters(store), min(args.calls, 2000))
        finally:
            store.close()
    try:
        bench_postgres(args.postgres, args.calls)
    except Exception as exc:
        print(f"PostgreSQL skipped: {type(exc).__name__}: {exc}")
    try:
        redis = RedisCounters(args.redis)
        redis.hit([("idpool:bench:ping", 10)], 0)
    except Exception as exc:
        print(f"Redis skipped: {type(exc).__name__}: {exc}")
    else:
        bench_counters("Redis", redis, args.calls)
        redis.close()


if __name__ == "__main__":
    main()
