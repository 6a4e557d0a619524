"""``open_store``: which database a URL names, the SQLite file's permissions, and
``memory://`` databases shared within one process."""

from __future__ import annotations

import secrets
import stat
from pathlib import Path

import pytest

from idpool.storage import Unavailable
from idpool.storage.memory import MemoryStore
from idpool.storage.open import open_store
from idpool.storage.sql import SqlStore
from idpool.storage.sqlite import SqliteFlavor

from .records import new_pool


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.mark.catalogue("K05")
@pytest.mark.sql
def test_no_url_means_a_private_sqlite_file_in_the_data_dir(tmp_path: Path) -> None:
    data_dir = tmp_path / "a" / "data"
    store = open_store(None, data_dir)
    try:
        store.create_pool(pool := new_pool())
        assert mode(data_dir) == 0o700
        assert mode(data_dir / "idpool.db") == 0o600
        assert mode(data_dir / "idpool.db-wal") == 0o600  # SQLite copies the database file's mode
    finally:
        store.close()
    again = open_store(None, data_dir)
    try:
        assert again.get_pool(pool.pool_id) == pool  # state survives a restart
    finally:
        again.close()


@pytest.mark.catalogue("K05")
@pytest.mark.sql
@pytest.mark.parametrize("prefix", ["sqlite://", "sqlite:///"])
def test_a_sqlite_url_names_an_absolute_path(tmp_path: Path, prefix: str) -> None:
    target = tmp_path / "elsewhere.db"
    store = open_store(f"{prefix}{target}", tmp_path / "unused")
    try:
        assert isinstance(store, SqlStore) and isinstance(store.flavor, SqliteFlavor)
        assert store.flavor.path == target
        assert mode(target) == 0o600 and not (tmp_path / "unused").exists()
    finally:
        store.close()


@pytest.mark.parametrize(
    "url",
    [
        "sqlite:///", "sqlite:///:memory:", "sqlite:////tmp/x.db?mode=ro", "mysql://db/x", "sqlite://relative.db",
        "memory:///x", "memory://a/b", "memory://x?shared=1", "memory://user:pw@x", "memory://" + "n" * 65, "memory:",
    ],
)  # fmt: skip
def test_other_urls_are_refused(tmp_path: Path, url: str) -> None:
    with pytest.raises(ValueError):
        open_store(url, tmp_path)


# --- memory:// ---------------------------------------------------------------------------------
def test_a_memory_url_names_a_database_shared_by_every_open_in_the_process(tmp_path: Path) -> None:
    url = f"memory://test-{secrets.token_hex(6)}"
    first = open_store(url, tmp_path / "unused")
    assert isinstance(first, MemoryStore)
    first.create_pool(pool := new_pool())
    first.close()  # as `idpool serve` closes the store it initialized with, then opens it again
    with pytest.raises(Unavailable):
        first.get_pool(pool.pool_id)
    again = open_store(url, tmp_path / "unused")
    assert again.get_pool(pool.pool_id) == pool
    assert not (tmp_path / "unused").exists()  # nothing on disk


def test_memory_databases_of_other_names_are_apart(tmp_path: Path) -> None:
    mine = open_store(f"memory://mine-{secrets.token_hex(6)}", tmp_path)
    theirs = open_store(f"memory://theirs-{secrets.token_hex(6)}", tmp_path)
    mine.create_pool(pool := new_pool())
    assert theirs.list_pools(pool.account_id, 10) == [] and mine.list_pools(pool.account_id, 10) == [pool]
