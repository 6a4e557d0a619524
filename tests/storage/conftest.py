"""The storage conformance suite's fixtures: every test runs on each backend.

``store_factory()`` opens another handle on the same empty database, so tests can
race two stores the way two idpool processes would. SQLite is a file in
``tmp_path``; PostgreSQL is a fresh schema per test in the database at
``IDPOOL_TEST_POSTGRES_URL``, dropped afterwards. Under ``CI=true`` an unreachable
PostgreSQL fails the run; elsewhere its tests skip and say why.
"""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import Callable, Iterator

import psycopg
import pytest

from idpool.storage.open import open_store
from idpool.storage.sql import SqlStore


StoreFactory = Callable[[], SqlStore]




def with_query(url: str, **params: str) -> str:
    joined = "&".join(f"{k}={v}" for k, v in params.items())
    return f"{url}{'&' if '?' in url else '?'}{joined}"


@pytest.fixture
def postgres_schema_url(postgres_admin_url: str) -> Iterator[str]:
    """A URL whose connections see only a fresh, empty schema."""
    schema = f"idpool_test_{secrets.token_hex(6)}"
    with psycopg.connect(postgres_admin_url, autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA {schema}")
    try:
        yield with_query(postgres_admin_url, options=f"-csearch_path%3D{schema}", application_name=schema)
    finally:
        with psycopg.connect(postgres_admin_url, autocommit=True) as conn:
            conn.execute(f"DROP SCHEMA {schema} CASCADE")


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A URL naming a fresh, empty database of each backend."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'store.db'}"
    return str(request.getfixturevalue("postgres_schema_url"))


@pytest.fixture
def store_factory(database_url: str, tmp_path: Path) -> Iterator[StoreFactory]:
    opened: list[SqlStore] = []

    def factory() -> SqlStore:
        store = open_store(database_url, tmp_path / "data")
        opened.append(store)
        return store

    yield factory
    for store in opened:
        store.close()


@pytest.fixture
def store(store_factory: StoreFactory) -> SqlStore:
    return store_factory()
