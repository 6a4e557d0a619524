"""What only the memory store has to say: its one lock is not re-entrant, so an updater or
a check that calls the store is refused at once (on SQL it would wait on its own
transaction's locks), and nothing changes; a named database can be let go."""

from __future__ import annotations

import dataclasses

import pytest

from idpool.model import IdentityPool
from idpool.storage.memory import MemoryStore, forget_named_database, named_database

from .records import new_identity, new_pool


def test_an_updater_or_check_calling_the_store_is_refused_and_changes_nothing() -> None:
    store = MemoryStore()
    store.create_pool(pool := new_pool())
    store.create_identity(identity := new_identity(pool))

    def reentrant(p: IdentityPool) -> IdentityPool:
        store.get_pool(p.pool_id)
        return dataclasses.replace(p, name="changed")

    with pytest.raises(RuntimeError, match="must not call the store"):
        store.update_pool(pool.pool_id, reentrant)
    with pytest.raises(RuntimeError, match="must not call the store"):
        store.link_logins(identity.identity_id, [], pool.created_at, lambda i: store.delete_identities([i.identity_id]))
    assert store.get_pool(pool.pool_id) == pool and store.get_identity(identity.identity_id) == identity


def test_a_forgotten_named_database_is_new_to_the_next_open_and_kept_by_open_handles() -> None:
    open_handle = MemoryStore(named_database("forget-me"))
    open_handle.create_pool(pool := new_pool())
    forget_named_database("forget-me")
    assert MemoryStore(named_database("forget-me")).get_setting("anything") is None
    assert MemoryStore(named_database("forget-me")).list_pools(pool.account_id, 10) == []
    assert open_handle.get_pool(pool.pool_id) == pool
    forget_named_database("forget-me")
    forget_named_database("never-named")  # nothing to let go: nothing happens
