"""The storage conformance suite's fixtures: every test of the ``Store`` contract runs on
each backend (memory, SQLite, PostgreSQL).

``store_factory()`` opens another handle on the same empty database, so tests can race
two stores the way two idpool processes would (for the memory backend: two
``MemoryStore`` handles on one ``MemoryDatabase``, like two nodes' connections). SQLite
is a file in ``tmp_path``; PostgreSQL is a fresh schema per test in the database at
``IDPOOL_TEST_POSTGRES_URL``, dropped afterwards. Under ``CI=true`` an unreachable
PostgreSQL fails the run; elsewhere its tests skip and say why.

Tests that are about SQL itself (migrations, processes sharing a database, a database
server's availability) use the ``sql_*`` fixtures and carry ``@pytest.mark.sql``; the
fixtures refuse a test that does not, so the SQL-only tests stay few and visible.
"""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import Callable, Iterator

import psycopg
import pytest

from idpool.storage import Store
from idpool.storage.memory import MemoryDatabase, MemoryStore
from idpool.storage.open import open_sql_store
from idpool.storage.sql import SqlStore

StoreFactory = Callable[[], Store]
SqlStoreFactory = Callable[[], SqlStore]

BACKENDS = ["memory", "sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
SQL_BACKENDS = BACKENDS[1:]


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


def _fresh_sql_url(request: pytest.FixtureRequest, backend: str, tmp_path: Path) -> str:
    if backend == "sqlite":
        return f"sqlite:///{tmp_path / 'store.db'}"
    return str(request.getfixturevalue("postgres_schema_url"))


def _sql_handles(url: str, tmp_path: Path) -> Iterator[SqlStoreFactory]:
    opened: list[SqlStore] = []

    def factory() -> SqlStore:
        store = open_sql_store(url, tmp_path / "data")
        opened.append(store)
        return store

    yield factory
    for store in opened:
        store.close()


# --- every backend: the Store contract -------------------------------------------------------
@pytest.fixture(params=BACKENDS)
def store_factory(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[StoreFactory]:
    if request.param == "memory":
        database = MemoryDatabase()
        yield lambda: MemoryStore(database)
        return
    yield from _sql_handles(_fresh_sql_url(request, request.param, tmp_path), tmp_path)


@pytest.fixture
def store(store_factory: StoreFactory) -> Store:
    return store_factory()


# --- SQL only: tests about SQL itself, marked @pytest.mark.sql --------------------------------------
def _require_sql_marker(request: pytest.FixtureRequest) -> None:
    if request.node.get_closest_marker("sql") is None:
        pytest.fail("a test on the SQL backends only must say so with @pytest.mark.sql")


@pytest.fixture(params=SQL_BACKENDS)
def sql_database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A URL naming a fresh, empty SQL database of each SQL backend."""
    _require_sql_marker(request)
    return _fresh_sql_url(request, request.param, tmp_path)


@pytest.fixture
def sql_store_factory(sql_database_url: str, tmp_path: Path) -> Iterator[SqlStoreFactory]:
    yield from _sql_handles(sql_database_url, tmp_path)


@pytest.fixture
def sql_store(sql_store_factory: SqlStoreFactory) -> SqlStore:
    return sql_store_factory()
