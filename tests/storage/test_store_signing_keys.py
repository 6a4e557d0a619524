"""Conformance: OpenID token signing keys (first key, rotation CAS, pruning)."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from idpool.model import SigningKey
from idpool.storage import AlreadyExists, Store

from .backends import StoreFactory
from .racing import errors, race
from .records import T0, new_key

HOUR = dt.timedelta(hours=1)


def active(keys: list[SigningKey]) -> list[str]:
    return [k.kid for k in keys if k.active]


def test_no_keys_at_first(store: Store) -> None:
    assert store.list_signing_keys() == []


def test_the_first_key_round_trips_and_a_second_first_key_is_refused(store: Store) -> None:
    key = new_key("k1")
    assert store.add_first_signing_key(key)
    assert store.list_signing_keys() == [key]
    assert not store.add_first_signing_key(new_key("k2", at=T0 + HOUR))
    assert store.list_signing_keys() == [key]


def test_rotation_retires_the_active_key_and_activates_the_new_one(store: Store) -> None:
    old, new = new_key("old"), new_key("new", at=T0 + HOUR)
    store.add_first_signing_key(old)
    assert store.rotate_signing_key("old", new, T0 + 3 * HOUR, T0 + HOUR)
    retired = dataclasses.replace(old, active=False, retired_at=T0 + HOUR, verify_until=T0 + 3 * HOUR)
    assert store.list_signing_keys() == [new, retired]  # newest first
    assert not store.add_first_signing_key(new_key("late"))


def test_a_stale_rotation_changes_nothing(store: Store) -> None:
    store.add_first_signing_key(new_key("k1"))
    store.rotate_signing_key("k1", new_key("k2", at=T0 + HOUR), T0 + 2 * HOUR, T0 + HOUR)
    before = store.list_signing_keys()
    assert not store.rotate_signing_key("k1", new_key("k3", at=T0 + 2 * HOUR), T0 + 4 * HOUR, T0 + 2 * HOUR)
    assert not store.rotate_signing_key("nope", new_key("k4"), T0, T0)
    assert store.list_signing_keys() == before


def test_a_taken_kid_is_already_exists_and_the_active_key_stays(store: Store) -> None:
    store.add_first_signing_key(new_key("k1"))
    store.rotate_signing_key("k1", new_key("k2", at=T0 + HOUR), T0 + 2 * HOUR, T0 + HOUR)
    before = store.list_signing_keys()
    with pytest.raises(AlreadyExists):
        store.rotate_signing_key("k2", new_key("k1", at=T0 + 2 * HOUR), T0 + 3 * HOUR, T0 + 2 * HOUR)
    assert store.list_signing_keys() == before and active(before) == ["k2"]


def test_prune_deletes_only_retired_keys_past_verify_until(store: Store) -> None:
    store.add_first_signing_key(new_key("k1"))
    store.rotate_signing_key("k1", new_key("k2", at=T0 + HOUR), T0 + 2 * HOUR, T0 + HOUR)
    store.rotate_signing_key("k2", new_key("k3", at=T0 + 2 * HOUR), T0 + 5 * HOUR, T0 + 2 * HOUR)
    assert store.prune_signing_keys(T0 + 2 * HOUR) == 0  # verify_until is not yet past
    assert store.prune_signing_keys(T0 + 3 * HOUR) == 1
    assert [k.kid for k in store.list_signing_keys()] == ["k3", "k2"]
    assert store.prune_signing_keys(T0 + 100 * HOUR) == 1
    assert [k.kid for k in store.list_signing_keys()] == ["k3"]  # the active key is never pruned


@pytest.mark.catalogue("KR03")
def test_first_key_race_has_exactly_one_active_key(store_factory: StoreFactory) -> None:
    stores = [store_factory(), store_factory()]
    results = race(16, lambda i: stores[i % 2].add_first_signing_key(new_key(f"k{i}")))
    assert not errors(results)
    assert results.count(True) == 1
    keys = stores[0].list_signing_keys()
    assert len(keys) == 1 and active(keys) == [f"k{results.index(True)}"]


@pytest.mark.catalogue("KR03")
def test_rotation_race_has_one_winner(store_factory: StoreFactory) -> None:
    stores = [store_factory(), store_factory()]
    stores[0].add_first_signing_key(new_key("k0"))
    results = race(12, lambda i: stores[i % 2].rotate_signing_key("k0", new_key(f"n{i}", at=T0 + HOUR), T0 + 2 * HOUR, T0 + HOUR))
    assert not errors(results)
    assert results.count(True) == 1
    keys = stores[1].list_signing_keys()
    assert active(keys) == [f"n{results.index(True)}"]
    assert sorted(k.kid for k in keys) == sorted(["k0", f"n{results.index(True)}"])
