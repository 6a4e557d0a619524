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

Helpers of this suite (a plain module: tests import from it; conftest.py holds only
the fixtures)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from idpool.storage import Store
from idpool.storage.open import open_sql_store
from idpool.storage.sql import SqlStore

StoreFactory = Callable[[], Store]


SqlStoreFactory = Callable[[], SqlStore]


BACKENDS = ["memory", "sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]


SQL_BACKENDS = BACKENDS[1:]


def with_query(url: str, **params: str) -> str:
    joined = "&".join(f"{k}={v}" for k, v in params.items())
    return f"{url}{'&' if '?' in url else '?'}{joined}"


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


# --- SQL only: tests about SQL itself, marked @pytest.mark.sql --------------------------------------
def _require_sql_marker(request: pytest.FixtureRequest) -> None:
    if request.node.get_closest_marker("sql") is None:
        pytest.fail("a test on the SQL backends only must say so with @pytest.mark.sql")
