"""``open_store``: which database a URL names, and the SQLite file's permissions."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from idpool.storage.sqlite import SqliteFlavor
from idpool.storage.open import open_store

from .records import new_pool


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


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


@pytest.mark.parametrize("prefix", ["sqlite://", "sqlite:///"])
def test_a_sqlite_url_names_an_absolute_path(tmp_path: Path, prefix: str) -> None:
    target = tmp_path / "elsewhere.db"
    store = open_store(f"{prefix}{target}", tmp_path / "unused")
    try:
        assert isinstance(store.flavor, SqliteFlavor) and store.flavor.path == target
        assert mode(target) == 0o600 and not (tmp_path / "unused").exists()
    finally:
        store.close()


@pytest.mark.parametrize(
    "url", ["sqlite:///", "sqlite:///:memory:", "sqlite:////tmp/x.db?mode=ro", "mysql://db/x", "sqlite://relative.db"]
)
def test_other_urls_are_refused(tmp_path: Path, url: str) -> None:
    with pytest.raises(ValueError):
        open_store(url, tmp_path)
