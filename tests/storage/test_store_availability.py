"""Unavailability is an error the caller can act on, and the store recovers by itself.

PostgreSQL outages are played through a TCP proxy and by terminating the store's
server connections, so the shared test server itself is never restarted. Those tests
are about a database server, so they are marked ``sql``; a closed handle is
unavailable on every backend.
"""

from __future__ import annotations

import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg
import pytest

from idpool.storage import StorageError, Store, Unavailable
from idpool.storage.open import open_store

from .backends import StoreFactory
from .records import new_pool
from .tcp_proxy import TcpProxy


def test_a_closed_store_is_unavailable(store: Store) -> None:
    store.create_pool(pool := new_pool())
    store.close()
    with pytest.raises(Unavailable):
        store.get_pool(pool.pool_id)
    with pytest.raises(Unavailable):
        store.create_pool(new_pool())
    with pytest.raises(Unavailable):
        store.ping()


def test_closing_one_handle_keeps_the_database_for_the_others(store_factory: StoreFactory) -> None:
    closed, other = store_factory(), store_factory()
    closed.create_pool(pool := new_pool())
    closed.close()
    other.ping()
    assert other.get_pool(pool.pool_id) == pool
    other.create_pool(second := new_pool())
    assert [p.pool_id for p in other.list_pools(pool.account_id, 10)] == sorted([pool.pool_id, second.pool_id])


@pytest.mark.sql
def test_an_unreachable_postgres_is_unavailable_at_open(tmp_path: Path) -> None:
    with pytest.raises(Unavailable, match=r"cannot connect to PostgreSQL.*refused") as caught:
        open_store("postgresql://postgres:pw-S3cret@127.0.0.1:1/test", tmp_path, pool_timeout=1.0)
    assert "pw-S3cret" not in str(caught.value)


@pytest.mark.sql
def test_a_malformed_postgres_url_is_refused_without_echoing_it(tmp_path: Path) -> None:
    with pytest.raises(StorageError) as caught:
        open_store("postgresql://someone:pw%zzS3cret@127.0.0.1:1/test", tmp_path, pool_timeout=1.0)
    assert "S3cret" not in str(caught.value) and caught.value.__cause__ is None


@pytest.mark.sql
@pytest.mark.postgres
def test_a_wrong_role_is_named_in_the_error_and_the_password_is_not(postgres_admin_url: str, tmp_path: Path) -> None:
    parts = urlsplit(postgres_admin_url)
    url = urlunsplit(parts._replace(netloc=f"no_such_role_x:pw-S3cret@{parts.hostname}:{parts.port or 5432}"))
    with pytest.raises(Unavailable, match="no_such_role_x") as caught:
        open_store(url, tmp_path, pool_timeout=1.0)
    assert "pw-S3cret" not in str(caught.value)


# --- PostgreSQL -------------------------------------------------------------------------------
def via_proxy(url: str, port: int) -> str:
    parts = urlsplit(url)
    netloc = parts.netloc.rsplit("@", 1)
    host = f"127.0.0.1:{port}"
    return urlunsplit(parts._replace(netloc=f"{netloc[0]}@{host}" if len(netloc) == 2 else host))


@pytest.mark.catalogue("F03")
@pytest.mark.sql
@pytest.mark.postgres
def test_connections_killed_by_the_server_are_replaced_transparently(postgres_schema_url: str, tmp_path: Path) -> None:
    store = open_store(postgres_schema_url, tmp_path, pool_min_size=2)
    try:
        store.create_pool(pool := new_pool())
        application_name = postgres_schema_url.rsplit("application_name=", 1)[1]
        with psycopg.connect(postgres_schema_url, autocommit=True) as admin:
            killed = admin.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                " WHERE application_name = %s AND pid <> pg_backend_pid()", (application_name,)
            ).fetchall()  # fmt: skip
        assert killed and all(ok for (ok,) in killed)
        assert store.get_pool(pool.pool_id) == pool  # a read on a dead connection is run again
        store.create_pool(second := new_pool())  # so is a write that had not reached COMMIT
        assert store.get_pool(second.pool_id) == second
    finally:
        store.close()


@pytest.mark.catalogue("F03")
@pytest.mark.sql
@pytest.mark.postgres
def test_ping_is_unavailable_while_postgres_is_down_and_recovers_after(postgres_schema_url: str, tmp_path: Path) -> None:
    target = urlsplit(postgres_schema_url)
    proxy = TcpProxy((target.hostname or "127.0.0.1", target.port or 5432))
    proxy.up()
    store = open_store(via_proxy(postgres_schema_url, proxy.port), tmp_path, pool_timeout=1.0)
    try:
        store.create_pool(pool := new_pool())
        proxy.down()
        with pytest.raises(Unavailable):
            store.ping()
        with pytest.raises(Unavailable):
            store.get_pool(pool.pool_id)
        proxy.up()
        assert wait_for_ping(store, attempts=100)
        assert store.get_pool(pool.pool_id) == pool
    finally:
        store.close()
        proxy.down()


def wait_for_ping(store: Store, attempts: int) -> bool:
    """The pool reconnects in the background with back-off; give it a bounded while."""
    for _ in range(attempts):
        try:
            store.ping()
            return True
        except Unavailable:
            time.sleep(0.2)
    return False
