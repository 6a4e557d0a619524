"""Conformance: request-rate counters, the guest cap of a pool, used guests and the cleanup of
unused ones (migration 5), on every backend and across handles (as across nodes)."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from idpool.model import Identity, IdentityPool, Login
from idpool.storage import LimitReached, NotFound, Store

from .backends import StoreFactory
from .racing import errors, race
from .records import T0, new_identity, new_pool

LATER = T0 + dt.timedelta(days=100)


@pytest.fixture
def pool(store: Store) -> IdentityPool:
    pool = new_pool(developer_provider_name="dev")
    store.create_pool(pool)
    return pool


def guest(store: Store, pool: IdentityPool, *, at: dt.datetime = T0, cap: int | None = None) -> Identity:
    identity = new_identity(pool, at=at)
    store.create_identity(identity, cap)
    return identity


# --- rate counters ----------------------------------------------------------------------------------
def test_a_counter_counts_each_hit_and_buckets_are_apart(store: Store) -> None:
    assert store.hit_rate_counters([("a", 2000), ("b", 2000)]) == [1, 1]
    assert store.hit_rate_counters([("a", 2000)]) == [2]
    assert store.hit_rate_counters([("b", 2000), ("a", 2000), ("c", 3000)]) == [2, 3, 1]
    assert store.hit_rate_counters([]) == []
    assert store.hit_rate_counters([("d", 2000), ("d", 2000), ("a", 2000)]) == [1, 1, 4]  # named twice: once


def test_every_handle_counts_in_the_same_place(store_factory: StoreFactory) -> None:
    first, second = store_factory(), store_factory()
    assert first.hit_rate_counters([("shared", 2000)]) == [1]
    assert second.hit_rate_counters([("shared", 2000)]) == [2]
    assert first.hit_rate_counters([("shared", 2000)]) == [3]


def test_concurrent_hits_are_each_counted_once(store_factory: StoreFactory) -> None:
    stores = [store_factory() for _ in range(4)]
    results = race(40, lambda i: stores[i % 4].hit_rate_counters([("busy", 2000)])[0])
    assert not errors(results)
    assert sorted(results) == list(range(1, 41))  # type: ignore[type-var]


def test_pruning_forgets_ended_windows_only(store: Store) -> None:
    store.hit_rate_counters([("old", 1000), ("ending", 2000), ("live", 3000)])
    assert store.prune_rate_counters(2000) == 2
    assert store.hit_rate_counters([("old", 1000), ("live", 3000)]) == [1, 2]  # old starts again
    assert store.prune_rate_counters(2000) == 1


# --- the guest cap ----------------------------------------------------------------------------------
def test_a_pool_takes_guests_up_to_its_cap_only(store: Store, pool: IdentityPool) -> None:
    for _ in range(3):
        guest(store, pool, cap=3)
    with pytest.raises(LimitReached):
        guest(store, pool, cap=3)
    assert len(store.list_identities(pool.pool_id, 10)) == 3  # nothing written by the refusal
    guest(store, pool)  # no cap given: no limit
    guest(store, pool, cap=5)


def test_guests_that_log_in_or_go_make_room(store: Store, pool: IdentityPool) -> None:
    first, second = guest(store, pool, cap=2), guest(store, pool, cap=2)
    with pytest.raises(LimitReached):
        guest(store, pool, cap=2)
    store.link_logins(first.identity_id, [Login("dev", "alice")], T0)  # authenticated: no longer a guest
    third = guest(store, pool, cap=2)
    with pytest.raises(LimitReached):
        guest(store, pool, cap=2)
    store.delete_identities([second.identity_id, third.identity_id, first.identity_id])
    guest(store, pool, cap=2)
    guest(store, pool, cap=2)
    with pytest.raises(LimitReached):
        guest(store, pool, cap=2)


def test_authenticated_identities_do_not_count_against_the_cap(store: Store, pool: IdentityPool) -> None:
    store.get_or_create_identity_for_login(pool.pool_id, Login("dev", "bob"), new_identity(pool))
    guest(store, pool, cap=1)


def test_the_cap_of_an_unknown_pool_is_not_found(store: Store) -> None:
    with pytest.raises(NotFound):
        guest(store, new_pool(), cap=1)


@pytest.mark.catalogue("R01")
def test_concurrent_guests_near_the_cap_fill_it_exactly(store_factory: StoreFactory) -> None:
    stores = [store_factory() for _ in range(4)]
    stores[0].create_pool(pool := new_pool())
    guest(stores[0], pool)
    results = race(24, lambda i: guest(stores[i % 4], pool, cap=10))
    refused = errors(results)
    assert len(refused) == 24 - 9 and all(isinstance(exc, LimitReached) for exc in refused)
    assert len(stores[0].list_identities(pool.pool_id, 60)) == 10


# --- used guests and the cleanup of unused ones ---------------------------------------------------
def test_marking_used_is_recorded_once_and_read_back(store: Store, pool: IdentityPool) -> None:
    identity = guest(store, pool)
    assert not store.get_identity(identity.identity_id).used
    store.mark_identity_used(identity.identity_id)
    store.mark_identity_used(identity.identity_id)  # a second time changes nothing
    assert store.get_identity(identity.identity_id) == dataclasses.replace(identity, used=True)
    store.mark_identity_used("us-east-1:00000000-0000-0000-0000-000000000000")  # unknown: nothing happens


def test_cleanup_deletes_old_unused_guests_only(store: Store, pool: IdentityPool) -> None:
    old_unused = [guest(store, pool) for _ in range(3)]
    old_used = guest(store, pool)
    store.mark_identity_used(old_used.identity_id)
    old_member, _ = store.get_or_create_identity_for_login(pool.pool_id, Login("dev", "carol"), new_identity(pool))
    logged_in = guest(store, pool)
    store.link_logins(logged_in.identity_id, [Login("dev", "dave")], T0)
    recent = guest(store, pool, at=LATER)
    assert store.delete_unused_guests(LATER, 2) == 2  # a bounded batch, oldest first
    assert store.delete_unused_guests(LATER, 10) == 1
    assert store.delete_unused_guests(LATER, 10) == 0  # idempotent
    left = {i.identity_id for i in store.list_identities(pool.pool_id, 60)}
    assert left == {old_used.identity_id, old_member.identity_id, logged_in.identity_id, recent.identity_id}
    assert not left & {i.identity_id for i in old_unused}


def test_cleanup_makes_room_under_the_cap(store: Store, pool: IdentityPool) -> None:
    guest(store, pool, cap=1)
    with pytest.raises(LimitReached):
        guest(store, pool, cap=1)
    assert store.delete_unused_guests(LATER, 10) == 1
    guest(store, pool, cap=1)


def test_two_nodes_cleaning_at_once_delete_each_guest_once(store_factory: StoreFactory) -> None:
    stores = [store_factory() for _ in range(4)]
    stores[0].create_pool(pool := new_pool())
    for _ in range(30):
        guest(stores[0], pool)
    results = race(4, lambda i: stores[i].delete_unused_guests(LATER, 1000))
    assert not errors(results)
    assert sum(results) == 30  # type: ignore[arg-type]
    guest(stores[0], pool, cap=1)  # the guest count went down by exactly 30
