"""The database schema, as a numbered list of migrations, and the code that applies them.

Each migration is applied exactly once, in its own transaction, and recorded in
``schema_migrations``. Processes starting together take a lock first (PostgreSQL:
``pg_advisory_xact_lock``; SQLite: ``BEGIN IMMEDIATE``, the database's one write
lock) and re-read what is applied under it, so only one of them applies each step.
A database whose schema is newer than this code
is refused: old code must not write into a shape it does not know.

Adding a migration is one entry at the end of ``MIGRATIONS``: the next version
number, a description and the statements for each flavor. Never edit an entry
that has shipped.

Integrity lives in the schema: one identity per (pool, provider, subject) is the
``logins`` primary key, at most one active signing key is a partial unique index,
and identities and logins go with their pool through ``ON DELETE CASCADE``; IAM
names are unique per account case-insensitively through a lower-cased ``name_key``.
Timestamps are integer microseconds since the epoch (UTC) on SQLite and
``timestamptz`` on PostgreSQL; key columns use the "C" collation on PostgreSQL so
that ordering and paging by id agree with code point order on both engines.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from idpool.storage import StorageError
from idpool.storage.flavors import Flavor, Tx


@dataclass(frozen=True)
class Migration:
    version: int
    description: str
    statements: Mapping[str, Sequence[str]]  # flavor name -> DDL, one statement each


class SchemaTooNew(StorageError):
    """The database was migrated by a newer idpool than this one."""


_SQLITE_V1 = (
    "CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL) STRICT",
    """CREATE TABLE identity_pools (
        pool_id TEXT PRIMARY KEY,
        account_id TEXT NOT NULL,
        name TEXT NOT NULL,
        doc TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        version INTEGER NOT NULL
    ) STRICT""",
    "CREATE INDEX identity_pools_by_account ON identity_pools (account_id, pool_id)",
    """CREATE TABLE identities (
        identity_id TEXT PRIMARY KEY,
        pool_id TEXT NOT NULL REFERENCES identity_pools (pool_id) ON DELETE CASCADE,
        account_id TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        last_modified_at INTEGER NOT NULL,
        authenticated INTEGER NOT NULL CHECK (authenticated IN (0, 1)),
        disabled INTEGER NOT NULL CHECK (disabled IN (0, 1))
    ) STRICT""",
    "CREATE INDEX identities_by_pool ON identities (pool_id, identity_id)",
    """CREATE TABLE logins (
        pool_id TEXT NOT NULL,
        provider TEXT NOT NULL,
        subject TEXT NOT NULL,
        identity_id TEXT NOT NULL REFERENCES identities (identity_id) ON DELETE CASCADE,
        linked_at INTEGER NOT NULL,
        PRIMARY KEY (pool_id, provider, subject)
    ) STRICT""",
    "CREATE INDEX logins_by_identity ON logins (identity_id)",
    """CREATE TABLE signing_keys (
        kid TEXT PRIMARY KEY,
        alg TEXT NOT NULL,
        public_jwk TEXT NOT NULL,
        sealed_private_key BLOB NOT NULL,
        created_at INTEGER NOT NULL,
        active INTEGER NOT NULL CHECK (active IN (0, 1)),
        retired_at INTEGER,
        verify_until INTEGER
    ) STRICT""",
    "CREATE UNIQUE INDEX signing_keys_one_active ON signing_keys (active) WHERE active",
)

_POSTGRES_V1 = (
    'CREATE TABLE settings (key TEXT COLLATE "C" PRIMARY KEY, value TEXT NOT NULL)',
    """CREATE TABLE identity_pools (
        pool_id TEXT COLLATE "C" PRIMARY KEY,
        account_id TEXT COLLATE "C" NOT NULL,
        name TEXT NOT NULL,
        doc TEXT NOT NULL,
        created_at TIMESTAMPTZ NOT NULL,
        version BIGINT NOT NULL
    )""",
    "CREATE INDEX identity_pools_by_account ON identity_pools (account_id, pool_id)",
    """CREATE TABLE identities (
        identity_id TEXT COLLATE "C" PRIMARY KEY,
        pool_id TEXT COLLATE "C" NOT NULL REFERENCES identity_pools (pool_id) ON DELETE CASCADE,
        account_id TEXT COLLATE "C" NOT NULL,
        created_at TIMESTAMPTZ NOT NULL,
        last_modified_at TIMESTAMPTZ NOT NULL,
        authenticated BOOLEAN NOT NULL,
        disabled BOOLEAN NOT NULL
    )""",
    "CREATE INDEX identities_by_pool ON identities (pool_id, identity_id)",
    """CREATE TABLE logins (
        pool_id TEXT COLLATE "C" NOT NULL,
        provider TEXT COLLATE "C" NOT NULL,
        subject TEXT COLLATE "C" NOT NULL,
        identity_id TEXT COLLATE "C" NOT NULL REFERENCES identities (identity_id) ON DELETE CASCADE,
        linked_at TIMESTAMPTZ NOT NULL,
        PRIMARY KEY (pool_id, provider, subject)
    )""",
    "CREATE INDEX logins_by_identity ON logins (identity_id)",
    """CREATE TABLE signing_keys (
        kid TEXT COLLATE "C" PRIMARY KEY,
        alg TEXT NOT NULL,
        public_jwk TEXT NOT NULL,
        sealed_private_key BYTEA NOT NULL,
        created_at TIMESTAMPTZ NOT NULL,
        active BOOLEAN NOT NULL,
        retired_at TIMESTAMPTZ,
        verify_until TIMESTAMPTZ
    )""",
    "CREATE UNIQUE INDEX signing_keys_one_active ON signing_keys (active) WHERE active",
)

# IAM names are unique per account case-insensitively (IAM User Guide, "IAM identifiers"):
# ``name_key`` is the name lower-cased by the store, and UNIQUE (account_id, name_key)
# enforces the rule and serves lookups and listings in name order. Tags and inline
# policies are JSON text in the role or user row. Access keys belong to a user row and
# go with it (ON DELETE CASCADE); the count per user is checked under that row's lock.
_SQLITE_V2 = (
    """CREATE TABLE iam_roles (
        role_id TEXT PRIMARY KEY,
        account_id TEXT NOT NULL,
        name_key TEXT NOT NULL,
        name TEXT NOT NULL,
        path TEXT NOT NULL,
        trust_policy TEXT NOT NULL,
        description TEXT,
        max_session_duration INTEGER NOT NULL,
        tags TEXT NOT NULL,
        policies TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        UNIQUE (account_id, name_key)
    ) STRICT""",
    """CREATE TABLE iam_users (
        user_id TEXT PRIMARY KEY,
        account_id TEXT NOT NULL,
        name_key TEXT NOT NULL,
        name TEXT NOT NULL,
        path TEXT NOT NULL,
        tags TEXT NOT NULL,
        policies TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        UNIQUE (account_id, name_key)
    ) STRICT""",
    """CREATE TABLE iam_access_keys (
        access_key_id TEXT PRIMARY KEY,
        user_id TEXT NOT NULL REFERENCES iam_users (user_id) ON DELETE CASCADE,
        sealed_secret BLOB NOT NULL,
        status TEXT NOT NULL CHECK (status IN ('Active', 'Inactive')),
        created_at INTEGER NOT NULL
    ) STRICT""",
    "CREATE INDEX iam_access_keys_by_user ON iam_access_keys (user_id, created_at)",
)

_POSTGRES_V2 = (
    """CREATE TABLE iam_roles (
        role_id TEXT COLLATE "C" PRIMARY KEY,
        account_id TEXT COLLATE "C" NOT NULL,
        name_key TEXT COLLATE "C" NOT NULL,
        name TEXT NOT NULL,
        path TEXT COLLATE "C" NOT NULL,
        trust_policy TEXT NOT NULL,
        description TEXT,
        max_session_duration INTEGER NOT NULL,
        tags TEXT NOT NULL,
        policies TEXT NOT NULL,
        created_at TIMESTAMPTZ NOT NULL,
        UNIQUE (account_id, name_key)
    )""",
    """CREATE TABLE iam_users (
        user_id TEXT COLLATE "C" PRIMARY KEY,
        account_id TEXT COLLATE "C" NOT NULL,
        name_key TEXT COLLATE "C" NOT NULL,
        name TEXT NOT NULL,
        path TEXT COLLATE "C" NOT NULL,
        tags TEXT NOT NULL,
        policies TEXT NOT NULL,
        created_at TIMESTAMPTZ NOT NULL,
        UNIQUE (account_id, name_key)
    )""",
    """CREATE TABLE iam_access_keys (
        access_key_id TEXT COLLATE "C" PRIMARY KEY,
        user_id TEXT COLLATE "C" NOT NULL REFERENCES iam_users (user_id) ON DELETE CASCADE,
        sealed_secret BYTEA NOT NULL,
        status TEXT NOT NULL CHECK (status IN ('Active', 'Inactive')),
        created_at TIMESTAMPTZ NOT NULL
    )""",
    "CREATE INDEX iam_access_keys_by_user ON iam_access_keys (user_id, created_at)",
)

# Migration 3 repairs what racing MergeDeveloperIdentities calls left before the store
# found both logins' owners inside the merge's transaction: with a->b and b->c at once,
# the a->b merge could move a's logins onto b's identity after b->c had disabled it. The
# login then led to a disabled identity: GetOpenIdTokenForDeveloperIdentity kept returning
# it, and GetCredentialsForIdentity refused it.
#
# Where each such login belongs cannot be known: no record was kept of which identity a
# disabled one was merged into, and guessing (say, by equal timestamps) could hand a user
# another user's identity. Unlinking the login would make its user new again, losing the
# identity id the application has been given for it since. So the identity is enabled
# again: every login that leads to it keeps working, with the id GetOpenIdTokenForDeveloper-
# Identity has been returning for it, and it is authenticated (it has logins). An identity
# with no login stays disabled: that is what a completed merge leaves. The store applies the
# same repair to one identity on read (``SqlStore.get_or_create_identity_for_login``), for a
# login stranded by an older idpool still running against the database during an upgrade.
_REPAIR_STRANDED_LOGINS = (
    "UPDATE identities SET disabled = FALSE, authenticated = TRUE"
    " WHERE disabled AND identity_id IN (SELECT identity_id FROM logins)",
)

# Migration 4: a row per account that writes checking a per-account quota lock first
# (CreateIdentityPool's 1,000 pools), so that the count and the insert cannot interleave
# with another node's. SQLite's BEGIN IMMEDIATE serializes writers anyway; the table is
# there so one query serves both engines.
_SQLITE_V4 = ("CREATE TABLE account_locks (account_id TEXT PRIMARY KEY) STRICT",)
_POSTGRES_V4 = ('CREATE TABLE account_locks (account_id TEXT COLLATE "C" PRIMARY KEY)',)

# Migration 5: quotas and guest upkeep (docs/BEHAVIOUR.md, "Quotas, guests and abuse").
# - ``rate_counters``: one row per (quota key, fixed window), so every worker and node
#   counts in one place (``Store.hit_rate_counters``). Counts need no durability: on
#   PostgreSQL the table is UNLOGGED (no WAL; emptied after a crash, which only forgives
#   the windows in progress). ``expires_at`` is epoch seconds; old windows are pruned.
# - ``identities.used``: a guest becomes "used" the first time it obtains a token or
#   credentials (one write per guest, ever); unused guests may be deleted after
#   IDPOOL_UNUSED_GUEST_DAYS. Identities that exist before this migration count as used,
#   so an upgrade never makes existing data eligible for deletion.
# - ``identity_pools.guests``: the pool's unauthenticated identities, kept by every write
#   that creates, authenticates or deletes one, so the per-pool cap is one conditional
#   UPDATE instead of a count. It starts from the count of the guests already there.
_COUNT_GUESTS = (
    "UPDATE identity_pools SET guests = (SELECT COUNT(*) FROM identities i"
    " WHERE i.pool_id = identity_pools.pool_id AND NOT i.authenticated)"
)
_UNUSED_GUESTS_INDEX = (
    "CREATE INDEX identities_unused_guests ON identities (created_at) WHERE NOT authenticated AND NOT used"
)
_SQLITE_V5 = (
    """CREATE TABLE rate_counters (
        bucket TEXT PRIMARY KEY, hits INTEGER NOT NULL, expires_at INTEGER NOT NULL
    ) STRICT""",
    "CREATE INDEX rate_counters_by_expiry ON rate_counters (expires_at)",
    "ALTER TABLE identities ADD COLUMN used INTEGER NOT NULL DEFAULT 1 CHECK (used IN (0, 1))",
    "ALTER TABLE identity_pools ADD COLUMN guests INTEGER NOT NULL DEFAULT 0",
    _COUNT_GUESTS,
    _UNUSED_GUESTS_INDEX,
)
_POSTGRES_V5 = (
    """CREATE UNLOGGED TABLE rate_counters (
        bucket TEXT COLLATE "C" PRIMARY KEY, hits BIGINT NOT NULL, expires_at BIGINT NOT NULL
    )""",
    "CREATE INDEX rate_counters_by_expiry ON rate_counters (expires_at)",
    "ALTER TABLE identities ADD COLUMN used BOOLEAN NOT NULL DEFAULT TRUE",
    "ALTER TABLE identity_pools ADD COLUMN guests BIGINT NOT NULL DEFAULT 0",
    _COUNT_GUESTS,
    _UNUSED_GUESTS_INDEX,
)

# Migration 6: managed policies (IAM User Guide, "Managed policies and inline policies").
# A policy row holds its versions (at most five, IAM quota) as JSON, and the default version's
# text in ``document``, so evaluation reads one column. Which policies a role or user has
# attached (policy ids, a sorted JSON list) and its permissions boundary (a policy id) live in
# its row, read with it on every request it authorizes; a policy's users are found by scanning
# the account's rows, which only the rare ListEntitiesForPolicy, ListPolicies and DeletePolicy
# do. Attach, boundary and delete take the policy row's lock first, so a policy cannot be
# deleted while an attachment to it commits. RoleLastUsed is kept on the role row.
_POLICY_COLUMNS = {
    "sqlite": ("INTEGER", " STRICT"),
    "postgres": ("TIMESTAMPTZ", ""),
}


def _v6(flavor: str) -> tuple[str, ...]:
    time, strict = _POLICY_COLUMNS[flavor]
    key = 'TEXT COLLATE "C"' if flavor == "postgres" else "TEXT"
    return (
        f"""CREATE TABLE iam_policies (
        policy_id {key} PRIMARY KEY,
        account_id {key} NOT NULL,
        name_key {key} NOT NULL,
        name TEXT NOT NULL,
        path {key} NOT NULL,
        description TEXT,
        versions TEXT NOT NULL,
        default_version INTEGER NOT NULL,
        next_version INTEGER NOT NULL,
        document TEXT NOT NULL,
        tags TEXT NOT NULL,
        created_at {time} NOT NULL,
        updated_at {time} NOT NULL,
        UNIQUE (account_id, name_key)
    ){strict}""",
        "ALTER TABLE iam_roles ADD COLUMN attached TEXT NOT NULL DEFAULT '[]'",
        "ALTER TABLE iam_roles ADD COLUMN boundary TEXT",
        f"ALTER TABLE iam_roles ADD COLUMN last_used_at {time}",
        "ALTER TABLE iam_roles ADD COLUMN last_used_region TEXT",
        "ALTER TABLE iam_users ADD COLUMN attached TEXT NOT NULL DEFAULT '[]'",
        "ALTER TABLE iam_users ADD COLUMN boundary TEXT",
    )


MIGRATIONS: tuple[Migration, ...] = (
    Migration(1, "identity pools, identities, logins, signing keys, settings",
              {"sqlite": _SQLITE_V1, "postgres": _POSTGRES_V1}),
    Migration(2, "IAM roles, users, access keys", {"sqlite": _SQLITE_V2, "postgres": _POSTGRES_V2}),
    Migration(3, "enable again disabled identities that racing merges left with logins",
              {"sqlite": _REPAIR_STRANDED_LOGINS, "postgres": _REPAIR_STRANDED_LOGINS}),
    Migration(4, "a lock row per account for per-account quotas", {"sqlite": _SQLITE_V4, "postgres": _POSTGRES_V4}),
    Migration(5, "request-rate counters, used guests, guest count per pool",
              {"sqlite": _SQLITE_V5, "postgres": _POSTGRES_V5}),
    Migration(6, "IAM managed policies, attachments, permissions boundaries, RoleLastUsed",
              {"sqlite": _v6("sqlite"), "postgres": _v6("postgres")}),
)

_LEDGER = {
    "sqlite": """CREATE TABLE IF NOT EXISTS schema_migrations (
        version INTEGER PRIMARY KEY, description TEXT NOT NULL, applied_at INTEGER NOT NULL
    ) STRICT""",
    "postgres": """CREATE TABLE IF NOT EXISTS schema_migrations (
        version INTEGER PRIMARY KEY, description TEXT NOT NULL, applied_at TIMESTAMPTZ NOT NULL
    )""",
}


def migrate(flavor: Flavor, migrations: Sequence[Migration] = MIGRATIONS) -> int:
    """Bring the schema up to the last of ``migrations``; return the schema version.

    Raises ``SchemaTooNew`` if the database is ahead of the code.
    """
    _check_numbering(migrations)
    applied = flavor.run(lambda tx: _ledger(tx, flavor), write=True, migration_lock=True)
    _refuse_newer(applied, migrations)
    for migration in migrations:
        if migration.version not in applied:
            flavor.run(functools.partial(_apply, flavor=flavor, migration=migration), write=True, migration_lock=True)
    return max((m.version for m in migrations), default=0)


def schema_version(flavor: Flavor) -> int:
    """The highest applied migration (0 for an empty database)."""
    return max(flavor.run(lambda tx: _ledger(tx, flavor), write=True, migration_lock=True), default=0)


def _ledger(tx: Tx, flavor: Flavor) -> set[int]:
    tx.run(_LEDGER[flavor.name])
    return {int(row[0]) for row in tx.all("SELECT version FROM schema_migrations")}


def _apply(tx: Tx, flavor: Flavor, migration: Migration) -> None:
    # Re-read under the lock: another process may have applied it since we looked.
    if tx.one("SELECT 1 FROM schema_migrations WHERE version = ?", (migration.version,)):
        return
    for statement in migration.statements[flavor.name]:
        tx.run(statement)
    tx.run(
        "INSERT INTO schema_migrations (version, description, applied_at) VALUES (?, ?, ?)",
        (migration.version, migration.description, flavor.time_in(dt.datetime.now(dt.UTC))),
    )


def _refuse_newer(applied: set[int], migrations: Sequence[Migration]) -> None:
    known = max((m.version for m in migrations), default=0)
    newest = max(applied, default=0)
    if newest > known:
        raise SchemaTooNew(
            f"the database schema is at version {newest}, but this idpool knows only up to "
            f"version {known}; run a newer idpool against this database"
        )


def _check_numbering(migrations: Sequence[Migration]) -> None:
    versions = [m.version for m in migrations]
    if versions != list(range(1, len(versions) + 1)):
        raise ValueError(f"migrations must be numbered 1, 2, 3, ... in order; got {versions}")
