"""How long the console's identities page takes with many identities in one pool.

    python bench/console_identities.py [--identities 1000000] [--rounds 30]

Builds a SQLite installation in a temporary directory: one pool, N identities with one
developer login each (inserted in bulk with sqlite3, as a long-lived pool would have them),
then serves it with `idpool`'s own ASGI app on a loopback port, signs in to the console as
root and times three pages of the identities browser: the first, one in the middle and the
last (reached through a NextToken, as the "Next page" link does). Prints a Markdown table
of p50 and p95 in milliseconds. A measurement, not a test: nothing here asserts a time.
"""

from __future__ import annotations

import argparse
import re
import socket
import sqlite3
import statistics
import tempfile
import threading
import time
import uuid
from pathlib import Path

import httpx
import uvicorn

from idpool.app import build_services
from idpool.identity_pools import paging
from idpool.identity_pools.pools import PoolConfig
from idpool.settings import Settings
from idpool.web.edge import uvicorn_config
from idpool.web.server import create_app

KEY, SECRET = "AKIABENCHCONSOLE0001", "bench-console-secret-0123456789abcdefgh"
ACCOUNT = "123456789012"


def settings(data_dir: Path, port: int) -> Settings:
    return Settings(data_dir=data_dir, port=port, account_id=ACCOUNT, root_access_key_id=KEY,
                    root_secret_access_key=SECRET, log_level="warning",
                    master_key="MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=").validate()


def populate(data_dir: Path, count: int) -> tuple[str, list[str]]:
    """A pool with ``count`` identities; returns its id and the sorted identity ids."""
    services = build_services(settings(data_dir, 0))
    pool = services.pools.create(ACCOUNT, PoolConfig(name="Bench", allow_unauthenticated=False,
                                                     developer_provider_name="login.bench"))
    services.close()
    ids = sorted(f"us-east-1:{uuid.UUID(int=n * 7919 + 1, version=4)}" for n in range(count))
    now = int(time.time())
    with sqlite3.connect(data_dir / "idpool.db") as db:
        db.executemany("INSERT INTO identities VALUES (?, ?, ?, ?, ?, 1, 0)",
                       ((i, pool.pool_id, ACCOUNT, now, now) for i in ids))
        db.executemany("INSERT INTO logins VALUES (?, 'login.bench', ?, ?, ?)",
                       ((pool.pool_id, f"user-{n}", i, now) for n, i in enumerate(ids)))
    return pool.pool_id, ids


def serve(data_dir: Path) -> tuple[uvicorn.Server, str]:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn_config(create_app(build_services(settings(data_dir, port))), header_timeout=10,
                                           drain_seconds=5, lifespan="off", log_level="warning"))
    threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True).start()
    while not server.started:
        time.sleep(0.01)
    return server, f"http://127.0.0.1:{port}"


def signed_in(url: str) -> httpx.Client:
    browser = httpx.Client(base_url=url, timeout=60)
    form = browser.get("/console").text
    token = re.search(r'name="csrf" value="([^"]+)"', form)
    assert token is not None
    answer = browser.post("/console/sign-in", data={"csrf": token.group(1), "access_key_id": KEY,
                                                    "secret_access_key": SECRET, "next": "/console/pools"})
    assert answer.status_code == 303, answer.text
    return browser


def timed(browser: httpx.Client, path: str, rounds: int) -> tuple[float, float]:
    browser.get(path)  # warm-up: templates compiled, the pages of the index read once
    samples = []
    for _ in range(rounds):
        started = time.perf_counter()
        page = browser.get(path)
        samples.append((time.perf_counter() - started) * 1000)
        assert page.status_code == 200 and page.text.count("<td><a href=") >= 1, page.status_code
    samples.sort()
    return statistics.median(samples), samples[int(len(samples) * 0.95) - 1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--identities", type=int, default=1_000_000)
    parser.add_argument("--rounds", type=int, default=30)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        data_dir = Path(tmp)
        started = time.perf_counter()
        pool_id, ids = populate(data_dir, args.identities)
        print(f"populated {args.identities:,} identities in {time.perf_counter() - started:.1f} s")
        server, url = serve(data_dir)
        try:
            browser = signed_in(url)
            base = f"/console/pools/{pool_id}/identities"
            pages = {"first page": base,
                     "a page in the middle": f"{base}?next={paging.encode('identity', ids[len(ids) // 2])}",
                     "the last page": f"{base}?next={paging.encode('identity', ids[-30])}"}
            print(f"\n| identities browser, {args.identities:,} identities | p50 ms | p95 ms |\n|---|---|---|")
            for name, path in pages.items():
                p50, p95 = timed(browser, path, args.rounds)
                print(f"| {name} | {p50:.1f} | {p95:.1f} |")
        finally:
            server.should_exit = True


if __name__ == "__main__":
    main()
