"""The backups docs/DEPLOYMENT.md recommends restore into a working idpool.

PostgreSQL: ``pg_dump -Fc`` of a live database, ``pg_restore`` into an empty one.
SQLite: ``sqlite3 <db> ".backup <copy>"`` while idpool serves (the WAL's committed
pages included). Either way the copy is only usable with the same master key.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from .cluster import Cluster, fresh_database, new_pool

pytestmark = pytest.mark.slow


def tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        pytest.skip(f"{name} is not installed")
    return path


def restored(tmp_path: Path, original: Cluster, database_url: str) -> Cluster:
    """A cluster on the restored copy, with the original's master key and root keys."""
    copy = Cluster(tmp_path / "restored", database_url)
    copy.workdir.mkdir()
    copy.env["IDPOOL_MASTER_KEY"] = original.env["IDPOOL_MASTER_KEY"]
    copy.root = original.root
    return copy


def seed(cluster: Cluster) -> tuple[str, str]:
    (node,) = cluster.start(1)
    cognito = cluster.client(node)
    pool_id = new_pool(cognito, "backup")
    issued = cognito.get_open_id_token_for_developer_identity(IdentityPoolId=pool_id,
                                                              Logins={"login.multinode": "kept"})
    return pool_id, str(issued["IdentityId"])


def assert_restored(copy: Cluster, pool_id: str, identity_id: str) -> None:
    try:
        (node,) = copy.start(1)
        assert "AWS_SECRET_ACCESS_KEY" not in node.exports()  # the root keys came back with the data
        found = copy.client(node).lookup_developer_identity(IdentityPoolId=pool_id, DeveloperUserIdentifier="kept")
        assert found["IdentityId"] == identity_id
    finally:
        copy.close()


@pytest.mark.postgres
def test_pg_dump_of_a_live_database_restores(tmp_path: Path, postgres_admin_url: str, pg_url: str) -> None:
    pg_dump, pg_restore = tool("pg_dump"), tool("pg_restore")
    original = Cluster(tmp_path, pg_url)
    try:
        pool_id, identity_id = seed(original)
        subprocess.run([pg_dump, "-Fc", "-f", str(tmp_path / "idpool.dump"), pg_url], check=True, timeout=60)
    finally:
        original.close()
    with fresh_database(postgres_admin_url) as target:
        subprocess.run([pg_restore, "--no-owner", "-d", target, str(tmp_path / "idpool.dump")], check=True, timeout=60)
        assert_restored(restored(tmp_path, original, target), pool_id, identity_id)


def test_sqlite_backup_taken_while_serving_restores(tmp_path: Path) -> None:
    sqlite3 = tool("sqlite3")
    original = Cluster(tmp_path, None)
    copy_path = tmp_path / "copy.db"
    try:
        pool_id, identity_id = seed(original)
        db = original.nodes[0].data_dir / "idpool.db"
        subprocess.run([sqlite3, str(db), f".backup '{copy_path}'"], check=True, timeout=60)
    finally:
        original.close()
    check = subprocess.run([sqlite3, str(copy_path), "PRAGMA integrity_check;"], capture_output=True, text=True,
                           timeout=60)
    assert check.stdout.strip() == "ok", check.stdout
    assert_restored(restored(tmp_path, original, f"sqlite:///{copy_path}"), pool_id, identity_id)
