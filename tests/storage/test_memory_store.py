"""What only the memory store has to say: its one lock is not re-entrant, so an updater or
a check that calls the store is refused at once (on SQL it would wait on its own
transaction's locks), and nothing changes."""

from __future__ import annotations

import dataclasses

import pytest

from idpool.model import IdentityPool
from idpool.storage.memory import MemoryStore

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
