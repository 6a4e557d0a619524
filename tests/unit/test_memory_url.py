"""``--database-url memory://``: accepted by the settings for one process only, and kept
across ``idpool serve``'s start-up, which builds the services, closes them and builds
them again in the same process (the banner's root credentials must stay valid)."""

from __future__ import annotations

import secrets
from pathlib import Path

import pytest

from idpool.app import build_services
from idpool.settings import Settings, SettingsError, from_env
from idpool.storage.memory import MemoryStore

MASTER_KEY = "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY="


@pytest.mark.parametrize("url", ["memory://", "memory://kit-1", "memory://A.b_c-9"])
def test_memory_urls_are_accepted(url: str) -> None:
    assert Settings(database_url=url).validate().database_url == url
    assert from_env({"IDPOOL_DATABASE_URL": url}).database_url == url


@pytest.mark.parametrize("url", ["memory:///x", "memory://a/b", "memory://x?shared=1", "memory://u:pw@x", "memory:"])
def test_malformed_memory_urls_are_refused(url: str) -> None:
    with pytest.raises(SettingsError, match="database-url"):
        Settings(database_url=url).validate()


def test_memory_needs_a_single_worker() -> None:
    with pytest.raises(SettingsError, match="--workers must be 1"):
        Settings(database_url="memory://", workers=2).validate()


def test_the_memory_store_outlives_the_services_that_created_it(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, master_key=MASTER_KEY,
                        database_url=f"memory://serve-{secrets.token_hex(6)}").validate()  # fmt: skip
    first = build_services(settings)
    assert isinstance(first.store, MemoryStore) and first.root_created
    kid = first.store.list_signing_keys()[0].kid
    first.close()
    second = build_services(settings)
    try:
        assert not second.root_created
        assert (second.root.access_key_id, second.root.secret_access_key) == (
            first.root.access_key_id, first.root.secret_access_key)
        assert [k.kid for k in second.store.list_signing_keys()] == [kid]
    finally:
        second.close()
    assert list(tmp_path.iterdir()) == []  # no database file (the master key came from the settings)
