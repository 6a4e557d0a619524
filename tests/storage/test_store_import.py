"""Conformance: ``import_identity`` writes an identity exactly as given (``idpool import``)."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from idpool.model import Identity, IdentityPool, Login
from idpool.storage import AlreadyExists, Conflict, NotFound, Store

from .records import T0, new_identity, new_pool

DEV = "login.example"
LATER = T0 + dt.timedelta(days=3, seconds=7)


@pytest.fixture
def pool(store: Store) -> IdentityPool:
    pool = new_pool(developer_provider_name=DEV)
    store.create_pool(pool)
    return pool


def exported(pool: IdentityPool, *subjects: str, **flags: bool) -> Identity:
    return dataclasses.replace(
        new_identity(pool), last_modified_at=LATER, authenticated=bool(subjects) or flags.get("authenticated", False),
        disabled=flags.get("disabled", False), logins=tuple(sorted(Login(DEV, s) for s in subjects)),
    )  # fmt: skip


def test_an_imported_identity_reads_back_exactly(store: Store, pool: IdentityPool) -> None:
    identity = exported(pool, "bob", "alice")
    store.import_identity(identity)
    assert store.get_identity(identity.identity_id) == identity
    assert store.identity_for_login(pool.pool_id, Login(DEV, "alice")) == identity
    assert store.list_identities(pool.pool_id, 10) == [identity]


def test_flags_and_timestamps_are_kept(store: Store, pool: IdentityPool) -> None:
    merged_away = exported(pool, disabled=True, authenticated=True)
    unlinked = exported(pool, authenticated=True)
    guest = dataclasses.replace(new_identity(pool), last_modified_at=LATER)
    for identity in (merged_away, unlinked, guest):
        store.import_identity(identity)
        assert store.get_identity(identity.identity_id) == identity
    assert store.list_identities(pool.pool_id, 10, hide_disabled=True) == sorted(
        [unlinked, guest], key=lambda i: i.identity_id)


def test_imported_logins_behave_like_linked_ones(store: Store, pool: IdentityPool) -> None:
    identity = exported(pool, "alice")
    store.import_identity(identity)
    found, created = store.get_or_create_identity_for_login(pool.pool_id, Login(DEV, "alice"), new_identity(pool))
    assert (found.identity_id, created) == (identity.identity_id, False)
    other = exported(pool, "bob")
    store.import_identity(other)
    with pytest.raises(Conflict):
        store.link_logins(other.identity_id, [Login(DEV, "alice")], LATER)
    merged = store.merge_logins(pool.pool_id, Login(DEV, "bob"), Login(DEV, "alice"), LATER)
    assert merged.identity_id == identity.identity_id
    assert merged.logins == (Login(DEV, "alice"), Login(DEV, "bob"))
    assert store.get_identity(other.identity_id).disabled


def test_a_taken_id_a_missing_pool_or_a_taken_login_writes_nothing(store: Store, pool: IdentityPool) -> None:
    first = exported(pool, "alice")
    store.import_identity(first)
    with pytest.raises(AlreadyExists):
        store.import_identity(dataclasses.replace(exported(pool, "carol"), identity_id=first.identity_id))
    assert store.identity_for_login(pool.pool_id, Login(DEV, "carol")) is None

    with pytest.raises(NotFound):
        store.import_identity(dataclasses.replace(exported(pool, "dave"), pool_id="us-east-1:no-such-pool"))

    thief = exported(pool, "erin", "alice")
    with pytest.raises(Conflict) as raised:
        store.import_identity(thief)
    assert (raised.value.login, raised.value.owner) == (Login(DEV, "alice"), first.identity_id)
    with pytest.raises(NotFound):
        store.get_identity(thief.identity_id)
    assert store.identity_for_login(pool.pool_id, Login(DEV, "erin")) is None
    assert store.list_identities(pool.pool_id, 10) == [first]


def test_the_same_login_in_another_pool_is_free(store: Store, pool: IdentityPool) -> None:
    other = new_pool(developer_provider_name=DEV)
    store.create_pool(other)
    store.import_identity(exported(pool, "alice"))
    theirs = exported(other, "alice")
    store.import_identity(theirs)
    assert store.identity_for_login(other.pool_id, Login(DEV, "alice")) == theirs


def test_a_disabled_identity_with_logins_is_refused(store: Store, pool: IdentityPool) -> None:
    bad = exported(pool, "alice", disabled=True)
    with pytest.raises(ValueError, match="disabled"):
        store.import_identity(bad)
    with pytest.raises(NotFound):
        store.get_identity(bad.identity_id)
