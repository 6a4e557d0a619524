"""An upgrade from every earlier schema version keeps every record (F10 in docs/reliability.md).

For each version v before the latest, on SQLite and PostgreSQL, a database lives through the
releases up to v: the real migrations bring it to version 1, rows are written as a release
at version 1 wrote them, then version 2, and so on up to v. Then it is opened as a node of
this release opens it (migrated to the latest version) and every record reads back through
the store, which then takes new writes as usual.

The rows are written with the SQL of the version that wrote them, never through today's
store code (which knows only today's schema): like a migration, a writer below is never
edited once its version has shipped. A migration that changes what a release writes may add
a writer for its version. A database made by an actual earlier release is tested end to end
in tests/faults/test_upgrade_from_a_release.py.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from idpool.model import Login
from idpool.storage.flavors import Flavor, Tx
from idpool.storage.migrations import MIGRATIONS, migrate, schema_version
from idpool.storage.open import open_sql_store
from idpool.storage.sql import SqlStore

from .records import T0, new_identity, new_pool

pytestmark = [pytest.mark.sql, pytest.mark.catalogue("F10")]

ACCOUNT = "000000000000"
POOL = "us-east-1:30956632-8d7a-411d-83d5-b746ee4a2e0b"
ALICE, GUEST, MERGED = (f"us-east-1:{n}0000000-0000-4000-8000-000000000000" for n in "abc")
# A pool's document as the release at schema version 1 and 2 wrote it (tests/faults/releases).
POOL_DOC = json.dumps({
    "allow_classic_flow": True, "allow_unauthenticated": True, "cognito_identity_providers": [],
    "developer_provider_name": "login.release", "open_id_connect_provider_arns": [], "principal_tag_maps": {},
    "role_mappings": {}, "roles": {"authenticated": f"arn:aws:iam::{ACCOUNT}:role/ReleaseAuth"},
    "saml_provider_arns": [], "supported_login_providers": {}, "tags": {"team": "release"},
}, sort_keys=True, separators=(",", ":"))
JWK = {"kty": "RSA", "kid": "us-east-11", "n": "AQAB" * 4, "e": "AQAB", "alg": "RS512", "use": "sig"}
SEALED_KEY, SEALED_SECRET = bytes(range(48)), bytes(range(60))
TRUST = '{"Version": "2012-10-17", "Statement": []}'


def _written_at_1(tx: Tx, flavor: Flavor) -> None:
    t = flavor.time_in(T0)
    tx.run("INSERT INTO settings (key, value) VALUES (?, ?)", ("made-by", "v1"))
    tx.run("INSERT INTO identity_pools (pool_id, account_id, name, doc, created_at, version) VALUES (?, ?, ?, ?, ?, ?)",
           (POOL, ACCOUNT, "release_pool", POOL_DOC, t, 3))
    for identity_id, authenticated, disabled in ((ALICE, True, False), (GUEST, False, False), (MERGED, True, True)):
        tx.run("INSERT INTO identities (identity_id, pool_id, account_id, created_at, last_modified_at, authenticated,"
               " disabled) VALUES (?, ?, ?, ?, ?, ?, ?)", (identity_id, POOL, ACCOUNT, t, t, authenticated, disabled))
    for subject in ("alice", "alice@work"):
        tx.run("INSERT INTO logins (pool_id, provider, subject, identity_id, linked_at) VALUES (?, ?, ?, ?, ?)",
               (POOL, "login.release", subject, ALICE, t))
    tx.run("INSERT INTO signing_keys (kid, alg, public_jwk, sealed_private_key, created_at, active, retired_at, verify_until)"
           " VALUES (?, ?, ?, ?, ?, ?, ?, ?)", ("us-east-11", "RS512", json.dumps(JWK), SEALED_KEY, t, True, None, None))


def _written_at_2(tx: Tx, flavor: Flavor) -> None:
    t = flavor.time_in(T0)
    tx.run("INSERT INTO iam_roles (role_id, account_id, name_key, name, path, trust_policy, description,"
           " max_session_duration, tags, policies, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
           ("AROAT6VJXE4DIKNTMAGI5", ACCOUNT, "releaseauth", "ReleaseAuth", "/", TRUST, "from the release", 3600,
            '{"team":"release"}', json.dumps({"describe": TRUST}), t))
    tx.run("INSERT INTO iam_users (user_id, account_id, name_key, name, path, tags, policies, created_at)"
           " VALUES (?, ?, ?, ?, ?, ?, ?, ?)", ("AIDA6UX7VJCTDEBANI6SK", ACCOUNT, "backend", "backend", "/", "{}",
                                              json.dumps({"mint": TRUST}), t))
    tx.run("INSERT INTO iam_access_keys (access_key_id, user_id, sealed_secret, status, created_at) VALUES (?, ?, ?, ?, ?)",
           ("AKIAUBGNWO2TGQL3JUW5", "AIDA6UX7VJCTDEBANI6SK", SEALED_SECRET, "Active", t))


WRITERS: dict[int, Callable[[Tx, Flavor], None]] = {1: _written_at_1, 2: _written_at_2}


def live_through(store: SqlStore, version: int) -> None:
    """Migrate one version at a time up to ``version``, writing what each release wrote."""
    for step in range(1, version + 1):
        assert migrate(store.flavor, MIGRATIONS[:step]) == step
        writer = WRITERS.get(step)
        if writer is not None:
            store.flavor.run(lambda tx, w=writer: w(tx, store.flavor), write=True)


def assert_kept(store: SqlStore, version: int) -> None:
    pool = store.get_pool(POOL)
    assert (pool.name, pool.account_id, pool.allow_unauthenticated, pool.developer_provider_name) == (
        "release_pool", ACCOUNT, True, "login.release")
    assert pool.tags == {"team": "release"} and pool.roles == {"authenticated": f"arn:aws:iam::{ACCOUNT}:role/ReleaseAuth"}
    alice = store.identity_for_login(POOL, Login("login.release", "alice@work"))
    assert alice is not None and alice.identity_id == ALICE and alice.authenticated and not alice.disabled
    assert alice.logins == (Login("login.release", "alice"), Login("login.release", "alice@work"))
    guest, merged = store.get_identity(GUEST), store.get_identity(MERGED)
    assert not guest.authenticated and not guest.logins and merged.disabled and not merged.logins
    assert {i.identity_id for i in store.list_identities(POOL, 60)} == {ALICE, GUEST, MERGED}
    [key] = store.list_signing_keys()
    assert (key.kid, key.public_jwk, key.sealed_private_key, key.active) == ("us-east-11", JWK, SEALED_KEY, True)
    assert store.get_setting("made-by") == "v1"
    if version >= 2:
        role = store.get_role(ACCOUNT, "RELEASEAUTH")
        assert (role.name, role.description, role.tags, role.policies) == (
            "ReleaseAuth", "from the release", {"team": "release"}, {"describe": TRUST})
        assert store.get_user(ACCOUNT, "backend").policies == {"mint": TRUST}
        access_key = store.get_access_key("AKIAUBGNWO2TGQL3JUW5")
        assert (access_key.user_name, access_key.sealed_secret, access_key.status) == ("backend", SEALED_SECRET, "Active")


@pytest.mark.parametrize("version", range(1, len(MIGRATIONS)))
def test_a_database_at_every_earlier_version_upgrades_with_its_data(sql_database_url: str, tmp_path: Path, version: int) -> None:
    old = open_sql_store(sql_database_url, tmp_path, migrate=False)
    try:
        live_through(old, version)
    finally:
        old.close()
    upgraded = open_sql_store(sql_database_url, tmp_path)  # as a node of this release opens it
    try:
        assert schema_version(upgraded.flavor) == len(MIGRATIONS)
        assert_kept(upgraded, version)
        upgraded.create_pool(later := new_pool(account_id=ACCOUNT, name="after"), max_per_account=1000)
        identity, created = upgraded.get_or_create_identity_for_login(later.pool_id, Login("dev", "carol"), new_identity(later))
        assert created and upgraded.get_identity(identity.identity_id) == identity  # and it takes writes as usual
    finally:
        upgraded.close()
