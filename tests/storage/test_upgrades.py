"""An upgrade from every earlier schema version keeps every record (F10 in docs/reliability.md).

For each version v before the latest, on SQLite and PostgreSQL: the real migrations build
the schema up to v, the store writes what exists at v (pools, identities with their logins,
signing keys, settings; from version 2 IAM roles, users and access keys), then the
database is opened as a node opens it (migrated to the latest version) and every record
reads back equal, and the store takes new writes. A database made by an actual earlier
release is tested end to end in tests/faults/test_upgrade_from_a_release.py.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from idpool.ids import new_access_key_id, new_unique_id
from idpool.model import AccessKey, Identity, IdentityPool, Login, Role, SigningKey, User
from idpool.storage.migrations import MIGRATIONS, migrate, schema_version
from idpool.storage.open import open_sql_store
from idpool.storage.sql import SqlStore

from .records import ACCOUNT, T0, new_identity, new_key, new_pool

pytestmark = [pytest.mark.sql, pytest.mark.catalogue("F10")]
IAM_SINCE = 2  # the first schema version with IAM tables
TRUST = ('{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Federated":"cognito-identity.amazonaws.com"},'
         '"Action":"sts:AssumeRoleWithWebIdentity","Condition":{"StringEquals":{"cognito-identity.amazonaws.com:aud":"x"}}}]}')


@dataclass
class Written:
    pool: IdentityPool
    identities: dict[str, Identity] = field(default_factory=dict)  # developer user id -> identity, as written
    key: SigningKey | None = None
    role: Role | None = None
    user: User | None = None
    access_key: AccessKey | None = None


def write_at(store: SqlStore, version: int) -> Written:
    """What a release at ``version`` stores, through the store's own methods."""
    written = Written(new_pool(name=f"v{version}", developer_provider_name="dev", tags={"made": f"v{version}"}))
    store.create_pool(written.pool)  # no per-account limit: its lock table comes with version 4
    for user in ("alice", "bob"):
        identity, _ = store.get_or_create_identity_for_login(written.pool.pool_id, Login("dev", user), new_identity(written.pool))
        written.identities[user] = identity
    store.add_first_signing_key(key := new_key(f"us-east-1{version}"))
    written.key = key
    store.put_setting_if_absent("made-at-version", str(version))
    if version >= IAM_SINCE:
        written.role = Role(account_id=ACCOUNT, name="Upgraded", role_id=new_unique_id("AROA"), path="/app/", trust_policy=TRUST,
                            created_at=T0, description="kept", tags={"t": "1"}, policies={"p": TRUST})
        store.create_role(written.role)
        written.user = User(account_id=ACCOUNT, name="backend", user_id=new_unique_id("AIDA"), path="/", created_at=T0,
                            policies={"p": TRUST})
        store.create_user(written.user)
        written.access_key = AccessKey(account_id=ACCOUNT, user_name="backend", access_key_id=new_access_key_id("AKIA"),
                                       sealed_secret=secrets.token_bytes(60), status="Active", created_at=T0)
        store.create_access_key(written.access_key, 2)
    return written


def assert_kept(store: SqlStore, written: Written) -> None:
    assert store.get_pool(written.pool.pool_id) == written.pool
    for user, identity in written.identities.items():
        found = store.identity_for_login(written.pool.pool_id, Login("dev", user))
        assert found is not None and found.identity_id == identity.identity_id, user
        assert store.get_identity(identity.identity_id) == identity
    assert store.list_signing_keys() == [written.key]
    assert store.get_setting("made-at-version") is not None
    if written.role is not None:
        assert store.get_role(ACCOUNT, "upgraded") == written.role
        assert store.get_user(ACCOUNT, "BACKEND") == written.user
        assert written.access_key is not None and store.get_access_key(written.access_key.access_key_id) == written.access_key


@pytest.mark.parametrize("version", range(1, len(MIGRATIONS)))
def test_a_database_at_every_earlier_version_upgrades_with_its_data(sql_database_url: str, tmp_path: Path, version: int) -> None:
    old = open_sql_store(sql_database_url, tmp_path, migrate=False)
    try:
        assert migrate(old.flavor, MIGRATIONS[:version]) == version
        written = write_at(old, version)
    finally:
        old.close()
    upgraded = open_sql_store(sql_database_url, tmp_path)  # as a node of this release opens it
    try:
        assert schema_version(upgraded.flavor) == len(MIGRATIONS)
        assert_kept(upgraded, written)
        upgraded.create_pool(later := new_pool(name="after"), max_per_account=1000)  # and it takes writes as usual
        identity, created = upgraded.get_or_create_identity_for_login(later.pool_id, Login("dev", "carol"), new_identity(later))
        assert created and upgraded.get_identity(identity.identity_id) == identity
    finally:
        upgraded.close()

