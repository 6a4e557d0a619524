"""Fixtures of this suite; their helpers are in backends.py."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from idpool.storage import Store
from idpool.storage.memory import MemoryDatabase, MemoryStore
from idpool.storage.sql import SqlStore

from .backends import (
    BACKENDS,
    SQL_BACKENDS,
    SqlStoreFactory,
    StoreFactory,
    _fresh_sql_url,
    _require_sql_marker,
    _sql_handles,
    with_query,
)


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
