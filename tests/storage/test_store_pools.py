"""Conformance: settings, identity pools, paging, accounts kept apart, timestamps."""

from __future__ import annotations

import dataclasses
import datetime as dt
import threading

import pytest

from idpool.model import CognitoProvider, IdentityPool, Login, MappingRule, PrincipalTagMap, RoleMapping
from idpool.storage import AlreadyExists, LimitReached, NotFound, Store

from .backends import StoreFactory
from .racing import errors, race
from .records import ACCOUNT, OTHER_ACCOUNT, T0, new_identity, new_pool


# --- settings ----------------------------------------------------------------------
def test_a_missing_setting_is_none(store: Store) -> None:
    assert store.get_setting("root-key") is None


def test_put_setting_if_absent_keeps_the_first_value(store: Store) -> None:
    assert store.put_setting_if_absent("root-key", "first") == "first"
    assert store.put_setting_if_absent("root-key", "second") == "first"
    assert store.get_setting("root-key") == "first"
    assert store.put_setting_if_absent("other", "x") == "x"


def test_put_setting_if_absent_race_has_one_winner(store_factory: StoreFactory) -> None:
    stores = [store_factory(), store_factory()]
    results = race(16, lambda i: stores[i % 2].put_setting_if_absent("root-key", f"value-{i}"))
    assert not errors(results)
    assert len(set(results)) == 1
    assert stores[0].get_setting("root-key") == stores[1].get_setting("root-key") == results[0]


# --- pools: create, get, errors --------------------------------------------------------
def full_pool() -> IdentityPool:
    return new_pool(
        name="everything",
        allow_classic_flow=True,
        supported_login_providers={"graph.facebook.com": "123", "accounts.google.com": "abc"},
        developer_provider_name="login.example",
        open_id_connect_provider_arns=("arn:aws:iam::111111111111:oidc-provider/op.example",),
        cognito_identity_providers=(CognitoProvider("cognito-idp.us-east-1.amazonaws.com/us-east-1_X", "cid", True),),
        saml_provider_arns=("arn:aws:iam::111111111111:saml-provider/idp",),
        tags={"team": "blue", "ünïcode": "✓"},
        roles={"authenticated": "arn:aws:iam::111111111111:role/a", "unauthenticated": "arn:aws:iam::111111111111:role/u"},
        role_mappings={
            "op.example": RoleMapping(
                "Rules", "Deny", (MappingRule("sub", "Equals", "x", "arn:aws:iam::111111111111:role/r"),)
            )
        },
        principal_tag_maps={"op.example": PrincipalTagMap(False, {"k": "sub"})},
    )


def test_a_pool_round_trips_with_every_field(store: Store) -> None:
    pool = full_pool()
    store.create_pool(pool)
    assert store.get_pool(pool.pool_id) == pool


def test_creating_a_taken_pool_id_is_already_exists_and_keeps_the_original(store: Store) -> None:
    pool = new_pool(name="original")
    store.create_pool(pool)
    with pytest.raises(AlreadyExists):
        store.create_pool(dataclasses.replace(pool, name="impostor", account_id=OTHER_ACCOUNT))
    assert store.get_pool(pool.pool_id) == pool


def test_get_missing_pool_is_not_found(store: Store) -> None:
    with pytest.raises(NotFound):
        store.get_pool("us-east-1:00000000-0000-0000-0000-000000000000")


# --- update_pool ---------------------------------------------------------------------------
def test_update_pool_stores_the_change_and_bumps_the_version(store: Store) -> None:
    pool = new_pool()
    store.create_pool(pool)
    updated = store.update_pool(pool.pool_id, lambda p: dataclasses.replace(p, name="renamed", tags={"a": "1"}))
    assert (updated.name, dict(updated.tags), updated.version) == ("renamed", {"a": "1"}, 1)
    assert store.get_pool(pool.pool_id) == updated
    again = store.update_pool(pool.pool_id, lambda p: dataclasses.replace(p, version=99, created_at=T0 + dt.timedelta(1)))
    assert (again.version, again.created_at) == (2, T0)  # the store owns both
    assert store.get_pool(pool.pool_id) == again


def test_an_updater_that_raises_changes_nothing(store: Store) -> None:
    pool = new_pool()
    store.create_pool(pool)

    def refuse(_: IdentityPool) -> IdentityPool:
        raise LookupError("no")

    with pytest.raises(LookupError):
        store.update_pool(pool.pool_id, refuse)
    assert store.get_pool(pool.pool_id) == pool


def test_an_updater_may_not_move_a_pool(store: Store) -> None:
    pool = new_pool()
    store.create_pool(pool)
    with pytest.raises(ValueError):
        store.update_pool(pool.pool_id, lambda p: dataclasses.replace(p, account_id=OTHER_ACCOUNT))
    assert store.get_pool(pool.pool_id) == pool


def test_update_missing_pool_is_not_found(store: Store) -> None:
    with pytest.raises(NotFound):
        store.update_pool("us-east-1:nope", lambda p: p)


def test_concurrent_updates_lose_nothing(store_factory: StoreFactory) -> None:
    stores = [store_factory(), store_factory()]
    pool = new_pool(tags={"n": "0"})
    stores[0].create_pool(pool)
    seen: list[int] = []
    lock = threading.Lock()

    def increment(p: IdentityPool) -> IdentityPool:
        with lock:
            seen.append(p.version)
        return dataclasses.replace(p, tags={"n": str(int(p.tags["n"]) + 1)})

    results = race(20, lambda i: stores[i % 2].update_pool(pool.pool_id, increment))
    assert not errors(results)
    final = stores[1].get_pool(pool.pool_id)
    assert (final.tags["n"], final.version) == ("20", 20)
    # each update saw the one before it: versions 0..19, each once (plus any re-runs)
    assert set(seen) == set(range(20))
    assert sorted(r.version for r in results if isinstance(r, IdentityPool)) == list(range(1, 21))


# --- delete_pool ---------------------------------------------------------------------------
def test_delete_pool_removes_its_identities_and_logins_only(store: Store) -> None:
    doomed, kept = new_pool(), new_pool()
    store.create_pool(doomed)
    store.create_pool(kept)
    login = Login("login.example", "alice")
    gone, _ = store.get_or_create_identity_for_login(doomed.pool_id, login, new_identity(doomed))
    stays, _ = store.get_or_create_identity_for_login(kept.pool_id, login, new_identity(kept))
    store.delete_pool(doomed.pool_id)
    with pytest.raises(NotFound):
        store.get_pool(doomed.pool_id)
    with pytest.raises(NotFound):
        store.get_identity(gone.identity_id)
    assert store.identity_for_login(doomed.pool_id, login) is None
    assert store.list_identities(doomed.pool_id, 10) == []
    assert store.get_identity(stays.identity_id) == stays
    assert store.identity_for_login(kept.pool_id, login) == stays


def test_create_pool_keeps_the_per_account_limit(store: Store) -> None:
    for _ in range(3):
        store.create_pool(new_pool(), max_per_account=3)
    with pytest.raises(LimitReached):
        store.create_pool(refused := new_pool(), max_per_account=3)
    with pytest.raises(NotFound):
        store.get_pool(refused.pool_id)
    store.create_pool(new_pool(OTHER_ACCOUNT), max_per_account=3)  # each account has its own count
    store.create_pool(new_pool())  # no limit given: none applies
    assert (store.count_pools(ACCOUNT), store.count_pools(OTHER_ACCOUNT)) == (4, 1)
    store.delete_pool(store.list_pools(ACCOUNT, 1)[0].pool_id)
    with pytest.raises(LimitReached):
        store.create_pool(new_pool(), max_per_account=3)
    store.delete_pool(store.list_pools(ACCOUNT, 1)[0].pool_id)
    store.create_pool(new_pool(), max_per_account=3)
    assert store.count_pools(ACCOUNT) == 3


def test_pools_created_at_once_never_pass_the_account_limit(store_factory: StoreFactory) -> None:
    nodes = [store_factory(), store_factory()]
    for _ in range(4):
        nodes[0].create_pool(new_pool(), max_per_account=7)
    results = race(16, lambda i: nodes[i % 2].create_pool(new_pool(), max_per_account=7))
    assert [r for r in results if r is None] == [None] * 3
    assert all(isinstance(e, LimitReached) for e in errors(results)) and len(errors(results)) == 13
    assert nodes[1].count_pools(ACCOUNT) == 7


def test_delete_missing_pool_is_not_found(store: Store) -> None:
    with pytest.raises(NotFound):
        store.delete_pool("us-east-1:nope")


# --- listing, paging, accounts ---------------------------------------------------------------
def test_list_pools_is_per_account_ordered_and_paged(store: Store) -> None:
    mine = [new_pool(ACCOUNT) for _ in range(7)]
    theirs = [new_pool(OTHER_ACCOUNT) for _ in range(3)]
    for pool in mine + theirs:
        store.create_pool(pool)
    expected = sorted(mine, key=lambda p: p.pool_id)
    assert store.list_pools(ACCOUNT, 100) == expected
    first = store.list_pools(ACCOUNT, 3)
    second = store.list_pools(ACCOUNT, 3, after=first[-1].pool_id)
    third = store.list_pools(ACCOUNT, 3, after=second[-1].pool_id)
    assert first + second + third == expected
    assert store.list_pools(ACCOUNT, 3, after=expected[-1].pool_id) == []
    assert store.list_pools(OTHER_ACCOUNT, 100) == sorted(theirs, key=lambda p: p.pool_id)
    assert store.list_pools("333333333333", 100) == []
    assert (store.count_pools(ACCOUNT), store.count_pools(OTHER_ACCOUNT), store.count_pools("333333333333")) == (7, 3, 0)


def test_paging_sees_every_existing_pool_once_while_pools_are_added(store_factory: StoreFactory) -> None:
    reader, writer = store_factory(), store_factory()
    existing = [new_pool() for _ in range(40)]
    for pool in existing:
        reader.create_pool(pool)
    stop = threading.Event()

    def insert_more() -> None:
        while not stop.is_set():
            writer.create_pool(new_pool())

    thread = threading.Thread(target=insert_more)
    thread.start()
    try:
        seen: list[str] = []
        after = None
        while page := reader.list_pools(ACCOUNT, 6, after):
            seen += [p.pool_id for p in page]
            after = page[-1].pool_id
    finally:
        stop.set()
        thread.join()
    assert seen == sorted(seen) and len(seen) == len(set(seen))
    assert {p.pool_id for p in existing} <= set(seen)


# --- time ----------------------------------------------------------------------------------------
def test_timestamps_come_back_utc_aware_and_equal(store: Store) -> None:
    india = dt.timezone(dt.timedelta(hours=5, minutes=30))
    at = dt.datetime(2031, 12, 31, 23, 59, 58, 999999, tzinfo=india)
    pool = new_pool(at=at)
    store.create_pool(pool)
    got = store.get_pool(pool.pool_id).created_at
    assert got == at and got.utcoffset() == dt.timedelta(0)
    assert (got.hour, got.minute, got.microsecond) == (18, 29, 999999)


def test_naive_timestamps_are_refused(store: Store) -> None:
    with pytest.raises(ValueError):
        store.create_pool(new_pool(at=dt.datetime(2026, 1, 1)))
