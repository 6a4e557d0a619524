"""Disk full under SQLite (F05 in docs/reliability.md): a real ``idpool serve`` whose files
cannot grow, then can again.

The fault is made with the file-size limit (RLIMIT_FSIZE), lowered on the running server
with prlimit(2): a file may not grow past it, exactly as a write meets a full disk (SQLite
sees EFBIG where it would see ENOSPC; both are write errors). That needs no privilege
beyond owning the process, unlike a small tmpfs or loop device, which need a mount. CPython
ignores SIGXFSZ, so the write fails instead of the process dying.

While the files cannot grow, writes answer the service's 503 in its own shape and nothing
internal; what was acknowledged stays readable, and /health answers 200 (it only reads).
Once the limit is lifted, writes succeed again without a restart, every acknowledged write
is there, and the database file passes SQLite's integrity check.
"""

from __future__ import annotations

import resource
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.multinode.cluster import NO_RETRIES, Cluster, new_pool

pytestmark = [pytest.mark.slow, pytest.mark.catalogue("F05")]

ROOM = 96 * 1024  # how much the largest file may still grow once the limit is set
ATTEMPTS = 3000  # a bound on the writes it takes to fill that room


def write(cognito: Any, pool_id: str, user: str) -> str | ClientError:
    try:
        return str(cognito.get_open_id_token_for_developer_identity(IdentityPoolId=pool_id, Logins={"login.multinode": user})["IdentityId"])
    except ClientError as exc:
        return exc


def test_a_full_disk_fails_writes_cleanly_and_they_resume_once_there_is_room(tmp_path: Path) -> None:
    cluster = Cluster(tmp_path, None)  # SQLite in the node's data dir, as by default
    try:
        (node,) = cluster.start(1)
        cognito = cluster.client(node, **NO_RETRIES)
        pool_id = new_pool(cognito, "full")
        acked = {f"before-{i}": write(cognito, pool_id, f"before-{i}") for i in range(20)}
        files = [p for p in node.data_dir.iterdir() if p.name.startswith("idpool.db")]
        limit = max(p.stat().st_size for p in files) + ROOM
        resource.prlimit(node.pid, resource.RLIMIT_FSIZE, (limit, resource.RLIM_INFINITY))

        refused: ClientError | None = None
        for i in range(ATTEMPTS):
            result = write(cognito, pool_id, f"during-{i}")
            if isinstance(result, ClientError):
                refused = result
                break
            acked[f"during-{i}"] = result
        assert refused is not None, f"{ATTEMPTS} writes fit in {ROOM} bytes: the limit did not bite"
        response = refused.response
        assert response["Error"]["Code"] == "ServiceUnavailableException", response
        assert response["ResponseMetadata"]["HTTPStatusCode"] == 503
        assert "Traceback" not in str(response) and "sqlite" not in str(response).lower()
        assert all(isinstance(v, str) for v in acked.values())
        assert node.proc.poll() is None and node.health() == 200  # the server stays up; /health only reads
        found = cognito.lookup_developer_identity(IdentityPoolId=pool_id, DeveloperUserIdentifier="before-0")
        assert found["IdentityId"] == acked["before-0"]  # reads still answer

        resource.prlimit(node.pid, resource.RLIMIT_FSIZE, (resource.RLIM_INFINITY, resource.RLIM_INFINITY))
        after = [write(cognito, pool_id, f"after-{i}") for i in range(20)]
        assert all(isinstance(a, str) for a in after), after  # writes resume, no restart
        for user, identity_id in acked.items():
            found = cognito.lookup_developer_identity(IdentityPoolId=pool_id, DeveloperUserIdentifier=user)
            assert found["IdentityId"] == identity_id, user
    finally:
        cluster.close()
    database = sqlite3.connect(node.data_dir / "idpool.db")
    try:
        assert database.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        count = database.execute("SELECT COUNT(*) FROM logins WHERE pool_id = ?", (pool_id,)).fetchone()[0]
        assert count == len(acked) + 20
    finally:
        database.close()
