"""Several processes on one database: racing claims, first start, SQLite under load and SIGKILL.

The workers are separate interpreters (``store_worker.py``), like separate
``idpool serve`` processes; see that module for the protocol.
"""

from __future__ import annotations

import json
import os
import queue
import signal
import sqlite3
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import pytest

from idpool.model import Login
from idpool.storage.migrations import MIGRATIONS
from idpool.storage.open import open_sql_store
from idpool.storage.sql import SqlStore

from .records import ACCOUNT, OTHER_ACCOUNT, new_pool

WORKER = Path(__file__).with_name("store_worker.py")

pytestmark = pytest.mark.sql  # processes sharing one database: a memory store lives in one process


class Worker:
    def __init__(self, mode: str, log: Path, **args: Any) -> None:
        self.log = log
        self.proc = subprocess.Popen(
            [sys.executable, str(WORKER), mode, json.dumps(args)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=log.open("w"), text=True,
        )  # fmt: skip

    def ready(self) -> None:
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline()
        assert line.strip() == "ready", self.log.read_text()

    def go(self) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write("go\n")
        self.proc.stdin.flush()

    def result(self) -> Any:
        out, _ = self.proc.communicate(timeout=120)
        assert self.proc.returncode == 0, self.log.read_text()
        return json.loads(out.strip().splitlines()[-1])


def run_together(workers: list[Worker]) -> list[Any]:
    for worker in workers:
        worker.ready()
    for worker in workers:
        worker.go()
    return [worker.result() for worker in workers]


@pytest.mark.catalogue("F04")
def test_processes_claiming_one_new_login_get_one_identity(sql_store: SqlStore, sql_database_url: str, tmp_path: Path) -> None:
    pool = new_pool()
    sql_store.create_pool(pool)
    args = dict(url=sql_database_url, data_dir=str(tmp_path), pool_id=pool.pool_id, account_id=pool.account_id,
                provider="dev", subject="alice", threads=25)  # fmt: skip
    results = run_together([Worker("claim", tmp_path / f"w{i}.log", **args) for i in range(2)])
    claims = results[0] + results[1]
    assert all(isinstance(c, list) for c in claims), claims
    assert len({identity_id for identity_id, _ in claims}) == 1
    assert [created for _, created in claims].count(True) == 1
    [identity] = sql_store.list_identities(pool.pool_id, 100)
    assert identity.identity_id == claims[0][0] and identity.logins == (Login("dev", "alice"),)


def test_processes_creating_pools_at_once_never_pass_the_account_limit(
    sql_store: SqlStore, sql_database_url: str, tmp_path: Path
) -> None:
    limit = 5
    for _ in range(limit - 3):
        sql_store.create_pool(new_pool(), max_per_account=limit)
    sql_store.create_pool(new_pool(OTHER_ACCOUNT), max_per_account=limit)  # another account's pools do not count
    args = dict(url=sql_database_url, data_dir=str(tmp_path), account_id=ACCOUNT, limit=limit, threads=10)
    results = run_together([Worker("pools", tmp_path / f"w{i}.log", **args) for i in range(2)])
    outcomes = results[0] + results[1]
    assert sorted(outcomes) == ["created"] * 3 + ["limit"] * 17, outcomes
    assert sql_store.count_pools(ACCOUNT) == limit


@pytest.mark.catalogue("F08")
def test_processes_starting_together_migrate_once(sql_database_url: str, tmp_path: Path) -> None:
    args = dict(url=sql_database_url, data_dir=str(tmp_path))
    versions = run_together([Worker("migrate", tmp_path / f"w{i}.log", **args) for i in range(4)])
    latest = len(MIGRATIONS)
    assert versions == [latest] * 4
    store = open_sql_store(sql_database_url, tmp_path, migrate=False)
    try:
        rows = store.flavor.run(lambda tx: tx.all("SELECT version, COUNT(*) FROM schema_migrations GROUP BY version"))
        assert sorted(tuple(r) for r in rows) == [(m.version, 1) for m in MIGRATIONS]
    finally:
        store.close()


# --- SQLite only ------------------------------------------------------------------------
@pytest.fixture
def sqlite_store(tmp_path: Path) -> Any:
    store = open_sql_store(f"sqlite:///{tmp_path / 'shared.db'}", tmp_path)
    yield store
    store.close()


def test_sqlite_under_load_from_two_processes_never_reports_locked(sqlite_store: SqlStore, tmp_path: Path) -> None:
    pool = new_pool(tags={"n": "0"})
    sqlite_store.create_pool(pool)
    args = dict(url=f"sqlite:///{tmp_path / 'shared.db'}", data_dir=str(tmp_path), pool_id=pool.pool_id,
                account_id=pool.account_id, threads=8, seconds=2.0)  # fmt: skip
    results = run_together([Worker("hammer", tmp_path / f"w{i}.log", tag=f"p{i}", **args) for i in range(2)])
    threads = [t for r in results for t in r["threads"]]
    assert [e for t in threads for e in t["errors"]] == []
    increments = sum(t["increments"] for t in threads)
    assert increments > 0
    assert sqlite_store.get_pool(pool.pool_id).tags["n"] == str(increments)  # no lost update across processes
    for subject, identity_id in (c for t in threads for c in t["claims"]):
        found = sqlite_store.identity_for_login(pool.pool_id, Login("dev", subject))
        assert found is not None and found.identity_id == identity_id


def read_lines(proc: subprocess.Popen[str], into: queue.Queue[str | None]) -> None:
    assert proc.stdout is not None
    for line in proc.stdout:
        into.put(line.strip())
    into.put(None)


def kill_after_acks(worker: Worker, wanted: int) -> tuple[dict[str, str], int]:
    """SIGKILL the worker once it acknowledged ``wanted`` claims; return every ack it printed."""
    lines: queue.Queue[str | None] = queue.Queue()
    reader = threading.Thread(target=read_lines, args=(worker.proc, lines))
    reader.start()
    claimed: dict[str, str] = {}
    counted, killed = 0, False
    while (line := lines.get(timeout=60)) is not None:
        kind, *rest = line.split()
        if kind == "claimed":
            claimed[rest[0]] = rest[1]
        elif kind == "counted":
            counted = int(rest[0])
        if len(claimed) >= wanted and not killed:
            os.kill(worker.proc.pid, signal.SIGKILL)
            killed = True
    reader.join()
    worker.proc.wait(timeout=60)
    assert killed and worker.proc.returncode == -signal.SIGKILL, worker.log.read_text()
    return claimed, counted


@pytest.mark.catalogue("F01")
def test_sigkill_during_writes_loses_no_acknowledged_write(sqlite_store: SqlStore, tmp_path: Path) -> None:
    db = tmp_path / "shared.db"
    pool = new_pool(tags={"n": "0"})
    sqlite_store.create_pool(pool)
    acked: dict[str, str] = {}
    last_count = 0
    for round_ in range(3):
        worker = Worker("ack", tmp_path / f"ack{round_}.log", url=f"sqlite:///{db}", data_dir=str(tmp_path),
                        pool_id=pool.pool_id, account_id=pool.account_id, tag=f"r{round_}")  # fmt: skip
        claimed, counted = kill_after_acks(worker, wanted=15 + round_ * 10)
        acked |= claimed
        last_count = max(last_count, counted)
        survivor = open_sql_store(f"sqlite:///{db}", tmp_path)
        try:
            for subject, identity_id in acked.items():
                found = survivor.identity_for_login(pool.pool_id, Login("dev", subject))
                assert found is not None and found.identity_id == identity_id
            # The counter holds every acknowledged increment, and at most the one in flight.
            assert int(survivor.get_pool(pool.pool_id).tags["n"]) - last_count in (0, 1)
        finally:
            survivor.close()
        check_sqlite_file(db)


def check_sqlite_file(db: Path) -> None:
    conn = sqlite3.connect(db)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
        # No half-made identity: each was created together with its login.
        bare = "SELECT COUNT(*) FROM identities i WHERE NOT EXISTS (SELECT 1 FROM logins l WHERE l.identity_id = i.identity_id)"
        assert conn.execute(bare).fetchone() == (0,)
    finally:
        conn.close()
