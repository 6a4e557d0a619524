"""Conformance: a store holds a bounded number of connections, however many threads
come and go, and gives every descriptor back when it is closed.

A server's thread pool retires idle worker threads and starts new ones under the next
burst (anyio's idle out after 10 s). Each of these tests plays that out at once with
many short-lived threads calling the store, and counts this process's open file
descriptors (``/proc/self/fd``): a deterministic count, not a timing.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest

from idpool.model import Login
from idpool.storage.open import open_sql_store
from idpool.storage.sql import SqlStore

from .records import new_identity, new_pool

MAX_CONNECTIONS = 4
FDS_PER_CONNECTION = 3  # SQLite: the database file, its -wal and its -shm; PostgreSQL: one socket
THREADS_PER_BURST = 12
BURSTS = 12


def open_fds() -> int:
    return len(os.listdir("/proc/self/fd"))


def burst(store: SqlStore, pool_id: str, tag: str) -> None:
    """``THREADS_PER_BURST`` new threads that read and write at once, then end."""
    barrier = threading.Barrier(THREADS_PER_BURST)
    failures: list[BaseException] = []
    pool = store.get_pool(pool_id)

    def work(i: int) -> None:
        barrier.wait(timeout=30)
        try:
            store.get_pool(pool_id)
            store.get_or_create_identity_for_login(pool_id, Login("dev", f"{tag}-{i}"), new_identity(pool))
            store.identity_for_login(pool_id, Login("dev", f"{tag}-{i}"))
        except BaseException as exc:  # reported below, so a failing call fails the test
            failures.append(exc)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(THREADS_PER_BURST)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not failures, failures


@pytest.mark.sql  # connections: what a memory store does not have
def test_threads_that_come_and_go_leave_no_connection_behind(sql_database_url: str, tmp_path: Path) -> None:
    store = open_sql_store(sql_database_url, tmp_path / "data", pool_max_size=MAX_CONNECTIONS)
    try:
        store.create_pool(pool := new_pool())
        burst(store, pool.pool_id, "warm")  # the store may open up to its bound here
        before = open_fds()
        for n in range(BURSTS):  # each burst's threads are new: the old ones have ended
            burst(store, pool.pool_id, f"b{n}")
        grown = open_fds() - before
        assert grown <= MAX_CONNECTIONS * FDS_PER_CONNECTION, (
            f"{grown} descriptors more after {BURSTS * THREADS_PER_BURST} short-lived threads"
        )
        assert len(store.list_identities(pool.pool_id, 1000)) == (BURSTS + 1) * THREADS_PER_BURST
    finally:
        store.close()


@pytest.mark.sql
def test_closing_a_store_closes_every_connection_it_opened(sql_database_url: str, tmp_path: Path) -> None:
    open_sql_store(sql_database_url, tmp_path / "data").close()  # the schema exists; what remains is the store's own
    before = open_fds()
    store = open_sql_store(sql_database_url, tmp_path / "data", migrate=False, pool_max_size=MAX_CONNECTIONS)
    store.create_pool(pool := new_pool())
    burst(store, pool.pool_id, "c")
    assert open_fds() > before
    store.close()
    assert open_fds() == before
