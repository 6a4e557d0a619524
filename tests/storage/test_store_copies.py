"""Conformance: records are values. Nothing a caller does to a record it passed in, got
back, or was handed by an updater changes what the store holds.

Records are frozen, but their mappings (tags, policies, a key's JWK) are plain dicts: a
store that kept or handed out the caller's own dicts would let them be changed behind
its back, outside any transaction.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

import pytest

from idpool.ids import new_unique_id
from idpool.model import Role, User
from idpool.storage import Store

from .records import ACCOUNT, T0, new_key, new_pool

TRUST = '{"Version":"2012-10-17","Statement":[]}'


def role(name: str = "Admin") -> Role:
    return Role(account_id=ACCOUNT, name=name, role_id=new_unique_id("AROA"), path="/", trust_policy=TRUST,
                created_at=T0, tags={"team": "blue"}, policies={"p": "{}"})  # fmt: skip


def user(name: str = "alice") -> User:
    return User(account_id=ACCOUNT, name=name, user_id=new_unique_id("AIDA"), path="/", created_at=T0,
                tags={"team": "blue"}, policies={"p": "{}"})  # fmt: skip


def scribble(mapping: Any) -> None:
    """What a careless caller might do to a record's mapping."""
    mapping["intruder"] = "x"
    mapping.pop("team", None)


def test_a_pool_passed_in_or_returned_cannot_be_changed_from_outside(store: Store) -> None:
    pool = new_pool(tags={"team": "blue"}, roles={"authenticated": "arn:aws:iam::111111111111:role/a"})
    original = dataclasses.replace(pool, tags=dict(pool.tags), roles=dict(pool.roles))
    store.create_pool(pool)
    scribble(pool.tags)
    scribble(pool.roles)
    got = store.get_pool(pool.pool_id)
    assert got == original
    scribble(got.tags)
    scribble(store.list_pools(ACCOUNT, 10)[0].tags)
    updated = store.update_pool(pool.pool_id, lambda p: dataclasses.replace(p, name="renamed"))
    scribble(updated.tags)
    assert store.get_pool(pool.pool_id) == dataclasses.replace(original, name="renamed", version=1)


def test_an_updater_that_scribbles_on_its_record_and_raises_changes_nothing(store: Store) -> None:
    pool = new_pool(tags={"team": "blue"})
    store.create_pool(pool)
    store.create_role(admin := role())
    store.create_user(alice := user())

    def scribble_then_refuse(record: Any) -> Any:
        scribble(record.tags)
        raise LookupError("no")

    updates: list[Callable[[], object]] = [
        lambda: store.update_pool(pool.pool_id, scribble_then_refuse),
        lambda: store.update_role(ACCOUNT, "Admin", scribble_then_refuse),
        lambda: store.update_user(ACCOUNT, "alice", scribble_then_refuse),
    ]
    for update in updates:
        with pytest.raises(LookupError):
            update()
    assert store.get_pool(pool.pool_id) == pool
    assert (store.get_role(ACCOUNT, "Admin"), store.get_user(ACCOUNT, "alice")) == (admin, alice)


def test_a_check_that_scribbles_on_its_record_changes_nothing(store: Store) -> None:
    store.create_role(admin := role())
    store.create_user(alice := user())

    def scribble_then_refuse(record: Role | User) -> None:
        scribble(record.tags)
        raise PermissionError("no")

    with pytest.raises(PermissionError):
        store.delete_role(ACCOUNT, "Admin", scribble_then_refuse)
    with pytest.raises(PermissionError):
        store.delete_user(ACCOUNT, "alice", scribble_then_refuse)
    assert (store.get_role(ACCOUNT, "Admin"), store.get_user(ACCOUNT, "alice")) == (admin, alice)


def test_iam_records_passed_in_or_returned_cannot_be_changed_from_outside(store: Store) -> None:
    admin, alice = role(), user()
    originals = [dataclasses.replace(r, tags=dict(r.tags), policies=dict(r.policies)) for r in (admin, alice)]
    store.create_role(admin)
    store.create_user(alice)
    for record in (admin, alice, store.get_role(ACCOUNT, "Admin"), store.get_user(ACCOUNT, "alice"),
                   store.list_roles(ACCOUNT, 10)[0], store.list_users(ACCOUNT, 10)[0]):  # fmt: skip
        scribble(record.tags)
        scribble(record.policies)
    updated = store.update_role(ACCOUNT, "Admin", lambda r: dataclasses.replace(r, description="d"))
    scribble(updated.tags)
    assert store.get_role(ACCOUNT, "Admin") == dataclasses.replace(originals[0], description="d")
    assert store.get_user(ACCOUNT, "alice") == originals[1]


def test_a_signing_key_passed_in_or_returned_cannot_be_changed_from_outside(store: Store) -> None:
    key = new_key("k1")
    original = dataclasses.replace(key, public_jwk=dict(key.public_jwk))
    store.add_first_signing_key(key)
    scribble(key.public_jwk)
    scribble(store.list_signing_keys()[0].public_jwk)
    assert store.list_signing_keys() == [original]
