"""The storage conformance suite's fixtures: every test runs on each backend.

``store_factory()`` opens another handle on the same empty database, so tests can
race two stores the way two idpool processes would. SQLite is a file in
``tmp_path``; PostgreSQL is a fresh schema per test in the database at
``IDPOOL_TEST_POSTGRES_URL``, dropped afterwards. Under ``CI=true`` an unreachable
PostgreSQL fails the run; elsewhere its tests skip and say why.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Callable, Iterator

import psycopg
import pytest

from idpool.storage.open import open_store
from idpool.storage.sql import SqlStore

DEFAULT_POSTGRES_URL = "postgresql://postgres@127.0.0.1:5432/test"

StoreFactory = Callable[[], SqlStore]


def postgres_base_url() -> str:
    return os.environ.get("IDPOOL_TEST_POSTGRES_URL", DEFAULT_POSTGRES_URL)


def with_query(url: str, **params: str) -> str:
    joined = "&".join(f"{k}={v}" for k, v in params.items())
    return f"{url}{'&' if '?' in url else '?'}{joined}"


@pytest.fixture(scope="session")
def postgres_admin_url() -> str:
    url = postgres_base_url()
    try:
        with psycopg.connect(url, connect_timeout=3) as conn:
            conn.execute("SELECT 1")
    except psycopg.Error as exc:
        reason = f"PostgreSQL at IDPOOL_TEST_POSTGRES_URL is unreachable ({type(exc).__name__})"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"{reason}; under CI=true the PostgreSQL backend must be tested")
        pytest.skip(reason)
    return url


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
