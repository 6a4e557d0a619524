"""Conformance: managed policies, attachments, permissions boundaries and RoleLastUsed
(migration 5), on every backend.

Each method and its errors; policy names unique per account case-insensitively; versions kept
in order with the default's document; attachments and boundaries only through their methods;
a policy in use cannot be deleted, even when an attach races the delete (two handles, as two
idpool nodes); accounts kept apart; UTC timestamps.
"""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from idpool.ids import new_unique_id
from idpool.model import ManagedPolicy, PolicyVersion, Role, User
from idpool.storage import AlreadyExists, Conflict, LimitReached, NotFound, PolicyUse, Store

from .backends import StoreFactory
from .racing import errors, race
from .records import ACCOUNT, OTHER_ACCOUNT, T0

DOC_1 = '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}'
DOC_2 = '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]}'
TRUST = '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"111111111111"},"Action":"sts:AssumeRole"}]}'
LATER = T0 + dt.timedelta(hours=2)
AWS_MANAGED_ID = "ANPAAWSMANAGEDEXAMPLE"  # an id from the catalogue: no stored row


def new_policy(name: str = "Readers", account_id: str = ACCOUNT, *, path: str = "/", doc: str = DOC_1) -> ManagedPolicy:
    return ManagedPolicy(
        account_id=account_id, name=name, policy_id=new_unique_id("ANPA"), path=path, created_at=T0, updated_at=T0,
        versions=(PolicyVersion(1, doc, T0),), default_version=1, next_version=2, description="read", tags={"b": "2", "a": "1"},
    )  # fmt: skip


def with_role(store: Store, name: str = "Deploy", account_id: str = ACCOUNT) -> Role:
    role = Role(account_id=account_id, name=name, role_id=new_unique_id("AROA"), path="/", trust_policy=TRUST, created_at=T0)
    store.create_role(role)
    return role


def with_user(store: Store, name: str = "alice", account_id: str = ACCOUNT) -> User:
    user = User(account_id=account_id, name=name, user_id=new_unique_id("AIDA"), path="/", created_at=T0)
    store.create_user(user)
    return user


# --- policies ---------------------------------------------------------------------------------------
def test_create_get_and_names_unique_case_insensitively(store: Store) -> None:
    policy = new_policy("Readers")
    store.create_policy(policy)
    got = store.get_policy(ACCOUNT, "READERS")
    assert got.name == "Readers" and got.tags == {"a": "1", "b": "2"} and list(got.tags) == ["a", "b"]
    assert got.document == DOC_1 and got.versions == (PolicyVersion(1, DOC_1, T0),)
    assert got.created_at.tzinfo == dt.UTC and got == dataclasses.replace(policy, tags={"a": "1", "b": "2"})
    with pytest.raises(AlreadyExists):
        store.create_policy(new_policy("readers"))
    store.create_policy(new_policy("readers", OTHER_ACCOUNT))  # another account: no clash
    with pytest.raises(NotFound):
        store.get_policy(ACCOUNT, "Writers")


def test_versions_and_the_default_document(store: Store) -> None:
    store.create_policy(policy := new_policy())

    def add_and_default(p: ManagedPolicy) -> ManagedPolicy:
        return dataclasses.replace(p, versions=(*p.versions, PolicyVersion(2, DOC_2, LATER)), default_version=2,
                                   next_version=3, updated_at=LATER)

    updated = store.update_policy(ACCOUNT, "readers", add_and_default)
    assert updated.document == DOC_2 and updated.created_at == T0
    assert store.get_policy(ACCOUNT, "Readers") == updated
    assert store.policy_documents([policy.policy_id, "ANPAUNKNOWN"]) == {policy.policy_id: ("Readers", DOC_2)}
    assert [p.name for p in store.get_policies(["ANPAUNKNOWN", policy.policy_id])] == ["Readers"]
    with pytest.raises(ValueError):
        store.update_policy(ACCOUNT, "Readers", lambda p: dataclasses.replace(p, name="Other"))

    def refuse(p: ManagedPolicy) -> ManagedPolicy:
        raise RuntimeError("no")

    with pytest.raises(RuntimeError):
        store.update_policy(ACCOUNT, "Readers", refuse)
    assert store.get_policy(ACCOUNT, "Readers") == updated
    with pytest.raises(NotFound):
        store.update_policy(ACCOUNT, "nope", add_and_default)


def test_list_policies_pages_by_name_under_a_path(store: Store) -> None:
    for name, path in (("b", "/team/"), ("A", "/team/"), ("c", "/"), ("d", "/team/x/")):
        store.create_policy(new_policy(name, path=path))
    store.create_policy(new_policy("e", OTHER_ACCOUNT))
    assert [p.name for p in store.list_policies(ACCOUNT, 10)] == ["A", "b", "c", "d"]
    assert [p.name for p in store.list_policies(ACCOUNT, 2, "a", "/team/")] == ["b", "d"]
    assert store.list_policies(ACCOUNT, 0) == []


# --- attachments and boundaries -----------------------------------------------------------------------
def test_attach_detach_and_who_uses_a_policy(store: Store) -> None:
    store.create_policy(policy := new_policy())
    role, user = with_role(store), with_user(store)
    store.attach_policy(ACCOUNT, "role", "DEPLOY", policy.policy_id, customer=True)
    store.attach_policy(ACCOUNT, "role", "Deploy", policy.policy_id, customer=True)  # again: a no-op
    store.attach_policy(ACCOUNT, "role", "Deploy", AWS_MANAGED_ID, customer=False)
    store.attach_policy(ACCOUNT, "user", "alice", policy.policy_id, customer=True)
    assert store.get_role(ACCOUNT, "Deploy").attached_policies == tuple(sorted((policy.policy_id, AWS_MANAGED_ID)))
    assert store.get_user(ACCOUNT, "alice").attached_policies == (policy.policy_id,)
    assert store.policy_uses(ACCOUNT, policy.policy_id) == [
        PolicyUse("role", "Deploy", role.role_id, "/", "attached"), PolicyUse("user", "alice", user.user_id, "/", "attached")]
    assert store.policy_uses(OTHER_ACCOUNT, policy.policy_id) == []
    store.detach_policy(ACCOUNT, "role", "Deploy", policy.policy_id)
    assert store.get_role(ACCOUNT, "Deploy").attached_policies == (AWS_MANAGED_ID,)
    with pytest.raises(NotFound):
        store.detach_policy(ACCOUNT, "role", "Deploy", policy.policy_id)  # not attached
    with pytest.raises(NotFound):
        store.attach_policy(ACCOUNT, "role", "Nobody", policy.policy_id, customer=True)
    with pytest.raises(NotFound):
        store.attach_policy(ACCOUNT, "user", "alice", "ANPAGONE", customer=True)  # no such customer policy


def test_attachments_per_entity_are_limited(store_factory: StoreFactory) -> None:
    setup = store_factory()
    with_role(setup)
    ids = [new_policy(f"p{i}") for i in range(4)]
    for policy in ids:
        setup.create_policy(policy)
    setup.attach_policy(ACCOUNT, "role", "Deploy", ids[0].policy_id, customer=True, limit=2)
    handles = [store_factory() for _ in range(3)]
    results = race(3, lambda i: handles[i].attach_policy(ACCOUNT, "role", "Deploy", ids[i + 1].policy_id,
                                                         customer=True, limit=2))
    assert len(errors(results)) == 2 and all(isinstance(e, LimitReached) for e in errors(results))
    assert len(setup.get_role(ACCOUNT, "Deploy").attached_policies) == 2
    setup.attach_policy(ACCOUNT, "role", "Deploy", ids[0].policy_id, customer=True, limit=2)  # attached: no-op


def test_updaters_cannot_change_attachments_or_boundaries(store: Store) -> None:
    store.create_policy(policy := new_policy())
    with_role(store)
    store.attach_policy(ACCOUNT, "role", "Deploy", policy.policy_id, customer=True)
    store.update_role(ACCOUNT, "Deploy", lambda r: dataclasses.replace(
        r, attached_policies=(), permissions_boundary="ANPAX", description="changed"))
    role = store.get_role(ACCOUNT, "Deploy")
    assert (role.description, role.attached_policies, role.permissions_boundary) == ("changed", (policy.policy_id,), None)


def test_boundaries_are_set_and_removed(store: Store) -> None:
    store.create_policy(policy := new_policy())
    user = with_user(store)
    store.set_permissions_boundary(ACCOUNT, "user", "ALICE", policy.policy_id, customer=True)
    assert store.get_user(ACCOUNT, "alice").permissions_boundary == policy.policy_id
    assert store.policy_uses(ACCOUNT, policy.policy_id) == [PolicyUse("user", "alice", user.user_id, "/", "boundary")]
    store.set_permissions_boundary(ACCOUNT, "user", "alice", None)
    assert store.get_user(ACCOUNT, "alice").permissions_boundary is None
    with pytest.raises(NotFound):
        store.set_permissions_boundary(ACCOUNT, "role", "Nobody", AWS_MANAGED_ID)


def test_a_policy_in_use_cannot_be_deleted(store: Store) -> None:
    store.create_policy(policy := new_policy())
    with_role(store)
    store.set_permissions_boundary(ACCOUNT, "role", "Deploy", policy.policy_id, customer=True)
    with pytest.raises(Conflict):
        store.delete_policy(ACCOUNT, "Readers")
    store.set_permissions_boundary(ACCOUNT, "role", "Deploy", None)
    seen: list[ManagedPolicy] = []

    def refuse(p: ManagedPolicy) -> None:
        seen.append(p)
        raise RuntimeError("versions left")

    with pytest.raises(RuntimeError):
        store.delete_policy(ACCOUNT, "readers", refuse)
    assert seen[0].policy_id == policy.policy_id and store.get_policy(ACCOUNT, "Readers")
    store.delete_policy(ACCOUNT, "readers")
    with pytest.raises(NotFound):
        store.get_policy(ACCOUNT, "Readers")
    with pytest.raises(NotFound):
        store.delete_policy(ACCOUNT, "Readers")


def test_attach_racing_delete_never_leaves_a_dangling_attachment(store_factory: StoreFactory) -> None:
    setup = store_factory()
    for round_ in range(4):
        setup.create_policy(policy := new_policy(f"p{round_}"))
        with_role(setup, f"r{round_}")
        handles = [store_factory(), store_factory()]

        def act(i: int, name: str = f"p{round_}", role: str = f"r{round_}", pid: str = policy.policy_id) -> None:
            if i == 0:
                handles[0].delete_policy(ACCOUNT, name)
            else:
                handles[1].attach_policy(ACCOUNT, "role", role, pid, customer=True)

        results = race(2, act)
        attached = setup.get_role(ACCOUNT, f"r{round_}").attached_policies
        deleted = not setup.get_policies([policy.policy_id])
        assert len(errors(results)) == 1  # exactly one of the two lost
        assert deleted != bool(attached)  # either deleted and never attached, or attached and kept


# --- RoleLastUsed ---------------------------------------------------------------------------------------
def test_role_use_is_recorded_at_most_once_per_window(store: Store) -> None:
    role = with_role(store)
    store.record_role_use(role.role_id, T0, "eu-west-1", T0 - dt.timedelta(hours=1))
    first = store.get_role(ACCOUNT, "Deploy")
    assert (first.last_used_at, first.last_used_region) == (T0, "eu-west-1")
    store.record_role_use(role.role_id, T0 + dt.timedelta(minutes=5), "us-east-1", T0 - dt.timedelta(hours=1))
    assert store.get_role(ACCOUNT, "Deploy").last_used_at == T0  # used within the window: unchanged
    store.record_role_use(role.role_id, LATER, "us-east-1", LATER - dt.timedelta(hours=1))
    assert (store.get_role(ACCOUNT, "Deploy").last_used_at, store.get_role(ACCOUNT, "Deploy").last_used_region) == (
        LATER, "us-east-1")
    store.record_role_use("AROAGONE", LATER, "us-east-1", LATER)  # a deleted role: ignored
