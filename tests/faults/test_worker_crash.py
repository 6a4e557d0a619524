"""``idpool serve --workers 2`` loses a worker to ``kill -9`` under write load (F11 in
docs/reliability.md; SQLite, the default storage).

Writers call GetOpenIdTokenForDeveloperIdentity for users of their own through boto3 with
its standard retries, as applications do. A request the dead worker was answering fails
on its connection and botocore sends it again (the call is idempotent per user); the other
worker answers meanwhile, and uvicorn's supervisor starts a new worker in the dead one's
place. Every write is acknowledged in the end, each acknowledged identity is stored once,
and the database passes SQLite's integrity check.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from tests.multinode.cluster import Cluster, all_identities, new_pool, worker_pids

pytestmark = [pytest.mark.slow, pytest.mark.catalogue("F11", "F01")]

WRITERS = 6
USERS_PER_WRITER = 30
KILL_AFTER_ACKS = 40  # of WRITERS * USERS_PER_WRITER: the kill lands mid-load
REPLACED_WITHIN = 60.0  # seconds: a generous bound on the supervisor's restart; reported, not timed


class Load:
    def __init__(self, client: Any, pool_id: str) -> None:
        self.client, self.pool_id = client, pool_id
        self.acked: dict[str, str] = {}
        self.retried = 0
        self.errors: list[BaseException] = []
        self.lock = threading.Lock()
        self.enough = threading.Event()

    def writer(self, w: int) -> None:
        try:
            for n in range(USERS_PER_WRITER):
                user = f"w{w}-u{n}"
                out = self.client.get_open_id_token_for_developer_identity(IdentityPoolId=self.pool_id,
                                                                           Logins={"login.multinode": user})
                with self.lock:
                    self.acked[user] = out["IdentityId"]
                    self.retried += out["ResponseMetadata"]["RetryAttempts"]
                    if len(self.acked) >= KILL_AFTER_ACKS:
                        self.enough.set()
        except Exception as exc:  # reported by the test
            with self.lock:
                self.errors.append(exc)


def test_a_worker_killed_under_load_loses_nothing_and_is_replaced(tmp_path: Path) -> None:
    cluster = Cluster(tmp_path, None)
    try:
        (node,) = cluster.start(1, "--workers", "2")
        before = worker_pids(node)
        assert len(before) == 2, before
        retrying = {"retries": {"mode": "standard", "total_max_attempts": 5}, "connect_timeout": 5, "read_timeout": 30}
        client = cluster.client(node, **retrying)
        pool_id = new_pool(client, "worker-crash")
        load = Load(client, pool_id)
        threads = [threading.Thread(target=load.writer, args=(w,)) for w in range(WRITERS)]
        for thread in threads:
            thread.start()
        assert load.enough.wait(timeout=60), load.errors
        victim = min(before)
        os.kill(victim, signal.SIGKILL)
        for thread in threads:
            thread.join(timeout=180)
        assert not any(t.is_alive() for t in threads)
        assert not load.errors, load.errors[:3]
        assert len(load.acked) == WRITERS * USERS_PER_WRITER

        started = time.monotonic()
        while len(after := worker_pids(node)) != 2 or victim in after:
            assert time.monotonic() - started < REPLACED_WITHIN, f"no worker replaced {victim}: {node.log()[-2000:]}"
            time.sleep(0.2)
        print(f"worker {victim} replaced by {after - before} after {time.monotonic() - started:.1f} s; "
              f"{load.retried} calls retried by botocore")
        assert node.proc.poll() is None and node.health() == 200

        for user, identity_id in load.acked.items():
            found = client.lookup_developer_identity(IdentityPoolId=pool_id, DeveloperUserIdentifier=user)
            assert found["IdentityId"] == identity_id, user
        assert {i["IdentityId"] for i in all_identities(client, pool_id)} == set(load.acked.values())  # no duplicate
    finally:
        cluster.close()
    database = sqlite3.connect(node.data_dir / "idpool.db")
    try:
        assert database.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
    finally:
        database.close()
