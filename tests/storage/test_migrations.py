"""Numbered migrations: applied once, each in its own transaction, newer schemas refused.

About the SQL schema itself, so on the SQL backends only (a memory store has no schema)."""

from __future__ import annotations

from pathlib import Path

import pytest

from idpool.model import Login
from idpool.storage import StorageError
from idpool.storage.migrations import MIGRATIONS, Migration, SchemaTooNew, migrate, schema_version
from idpool.storage.open import open_sql_store
from idpool.storage.sql import SqlStore

from .backends import SqlStoreFactory
from .records import T0, new_identity, new_pool

TABLES = [
    "account_locks", "iam_access_keys", "iam_policies", "iam_roles", "iam_users", "identities", "identity_pools", "logins",
    "rate_counters", "schema_migrations",
    "settings", "signing_keys",
]  # fmt: skip
LATEST = len(MIGRATIONS)

pytestmark = pytest.mark.sql

EXTRA = Migration(
    LATEST + 1,
    "an example next migration",
    {
        "sqlite": ("CREATE TABLE widgets (widget_id TEXT PRIMARY KEY, pool_id TEXT NOT NULL"
                   " REFERENCES identity_pools (pool_id) ON DELETE CASCADE) STRICT",),
        "postgres": ('CREATE TABLE widgets (widget_id TEXT COLLATE "C" PRIMARY KEY, pool_id TEXT COLLATE "C" NOT NULL'
                     " REFERENCES identity_pools (pool_id) ON DELETE CASCADE)",),
    },
)  # fmt: skip


def tables(store: SqlStore) -> list[str]:
    query = {
        "sqlite": "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name",
        "postgres": "SELECT table_name::text FROM information_schema.tables WHERE table_schema = current_schema() ORDER BY 1",
    }[store.flavor.name]
    return [str(r[0]) for r in store.flavor.run(lambda tx: tx.all(query))]


def ledger(store: SqlStore) -> list[tuple[int, str]]:
    rows = store.flavor.run(lambda tx: tx.all("SELECT version, description FROM schema_migrations ORDER BY version"))
    return [(int(v), str(d)) for v, d in rows]


def test_opening_creates_the_schema_and_records_it(sql_store: SqlStore) -> None:
    assert tables(sql_store) == TABLES
    assert ledger(sql_store) == [(m.version, m.description) for m in MIGRATIONS]
    assert schema_version(sql_store.flavor) == len(MIGRATIONS)


def test_reopening_applies_nothing_again(sql_store_factory: SqlStoreFactory) -> None:
    first = sql_store_factory()
    first.create_pool(pool := new_pool())
    applied_at = first.flavor.run(lambda tx: tx.all("SELECT applied_at FROM schema_migrations"))
    second = sql_store_factory()
    assert second.flavor.run(lambda tx: tx.all("SELECT applied_at FROM schema_migrations")) == applied_at
    assert second.get_pool(pool.pool_id) == pool


@pytest.mark.catalogue("F10")
def test_a_new_migration_is_one_entry_and_keeps_the_data(sql_store: SqlStore) -> None:
    sql_store.create_pool(pool := new_pool())
    assert migrate(sql_store.flavor, MIGRATIONS + (EXTRA,)) == LATEST + 1
    assert "widgets" in tables(sql_store) and ledger(sql_store)[-1] == (LATEST + 1, EXTRA.description)
    assert migrate(sql_store.flavor, MIGRATIONS + (EXTRA,)) == LATEST + 1  # applied once
    assert sql_store.get_pool(pool.pool_id) == pool
    sql_store.flavor.run(lambda tx: tx.run("INSERT INTO widgets VALUES (?, ?)", ("w1", pool.pool_id)), write=True)
    sql_store.delete_pool(pool.pool_id)
    assert sql_store.flavor.run(lambda tx: tx.all("SELECT * FROM widgets")) == []


def test_a_failing_migration_leaves_nothing_behind(sql_store: SqlStore) -> None:
    broken = Migration(LATEST + 1, "half good", {name: (*EXTRA.statements[name], "CREATE TABLE oops (") for name in EXTRA.statements})
    with pytest.raises(StorageError):
        migrate(sql_store.flavor, MIGRATIONS + (broken,))
    assert "widgets" not in tables(sql_store)  # the first statement was rolled back with the second
    assert schema_version(sql_store.flavor) == LATEST


@pytest.mark.catalogue("F10")
def test_a_newer_schema_is_refused_with_a_clear_error(sql_store: SqlStore, sql_database_url: str, tmp_path: Path) -> None:
    migrate(sql_store.flavor, MIGRATIONS + (EXTRA,))
    with pytest.raises(SchemaTooNew, match=f"version {LATEST + 1}.*only up to version {LATEST}"):
        open_sql_store(sql_database_url, tmp_path)


def test_migrations_must_be_numbered_in_order(sql_store: SqlStore) -> None:
    with pytest.raises(ValueError):
        migrate(sql_store.flavor, (EXTRA,))


def test_migrate_false_leaves_an_empty_database_empty(sql_database_url: str, tmp_path: Path) -> None:
    store = open_sql_store(sql_database_url, tmp_path, migrate=False)
    try:
        assert tables(store) == []
    finally:
        store.close()


@pytest.mark.catalogue("F10")
def test_migration_3_enables_again_identities_left_disabled_with_logins(sql_database_url: str, tmp_path: Path) -> None:
    """The damage racing merges did before version 3: a login on a disabled identity. The rows
    are written with the SQL of schema version 2, as the idpool of that time wrote them."""
    store = open_sql_store(sql_database_url, tmp_path, migrate=False)
    try:
        migrate(store.flavor, MIGRATIONS[:2])
        store.create_pool(pool := new_pool(developer_provider_name="dev"))  # no limit: account_locks is not there yet
        stranded, merged_away, fine = (new_identity(pool) for _ in range(3))
        at = store.flavor.time_in(T0)
        for identity, subjects, disabled in ((stranded, ["a", "b"], True), (merged_away, [], True), (fine, ["c"], False)):
            row = (identity.identity_id, pool.pool_id, pool.account_id, at, at, bool(subjects), disabled)
            store.flavor.run(lambda tx: tx.run(V2_INSERT_IDENTITY, row), write=True)
            for subject in subjects:
                login = (pool.pool_id, "dev", subject, identity.identity_id, at)
                store.flavor.run(lambda tx: tx.run(V2_INSERT_LOGIN, login), write=True)
        assert migrate(store.flavor, MIGRATIONS[:3]) == 3
        states = {row[0]: (bool(row[1]), bool(row[2])) for row in store.flavor.run(
            lambda tx: tx.all("SELECT identity_id, disabled, authenticated FROM identities"))}
        assert states == {stranded.identity_id: (False, True),  # enabled again, with its logins
                          merged_away.identity_id: (True, False),  # no login: stays disabled
                          fine.identity_id: (False, True)}
        assert migrate(store.flavor) == LATEST
        after = {i.identity_id: i for i in store.list_identities(pool.pool_id, 10)}
        assert after[stranded.identity_id].logins == (Login("dev", "a"), Login("dev", "b"))
    finally:
        store.close()


def test_migration_6_keeps_roles_and_users_with_nothing_attached(sql_database_url: str, tmp_path: Path) -> None:
    """Roles and users written before managed policies existed read back unchanged, with no
    attachment, no boundary and no recorded use."""
    store = open_sql_store(sql_database_url, tmp_path, migrate=False)
    try:
        migrate(store.flavor, MIGRATIONS[:5])
        store.flavor.run(lambda tx: tx.run(
            "INSERT INTO iam_roles (name_key, role_id, account_id, name, path, trust_policy, description,"
            " max_session_duration, tags, policies, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            ("old", "AROAOLD", "111111111111", "Old", "/", "{}", None, 3600, '{"t":"v"}', "{}", store.flavor.time_in(T0))),
            write=True)
        assert migrate(store.flavor, MIGRATIONS[:6]) == 6
        role = store.get_role("111111111111", "old")
        assert (role.name, role.tags, role.attached_policies, role.permissions_boundary, role.last_used_at) == (
            "Old", {"t": "v"}, (), None, None)
    finally:
        store.close()


V2_INSERT_IDENTITY = (
    "INSERT INTO identities (identity_id, pool_id, account_id, created_at, last_modified_at, authenticated, disabled)"
    " VALUES (?, ?, ?, ?, ?, ?, ?)"
)
V2_INSERT_LOGIN = "INSERT INTO logins (pool_id, provider, subject, identity_id, linked_at) VALUES (?, ?, ?, ?, ?)"
