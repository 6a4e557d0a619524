"""Conformance: two stores on one database (two idpool nodes) racing on identities."""

from __future__ import annotations

import datetime as dt

import pytest

from idpool.model import Identity, IdentityPool, Login
from idpool.storage import Conflict, Disabled, NotFound, Store

from .backends import StoreFactory
from .racing import errors, race
from .records import T0, new_identity, new_pool

DEV = "login.example"
LATER = T0 + dt.timedelta(minutes=1)


@pytest.fixture
def nodes(store_factory: StoreFactory) -> list[Store]:
    return [store_factory(), store_factory()]


@pytest.fixture
def pool(nodes: list[Store]) -> IdentityPool:
    pool = new_pool(developer_provider_name=DEV)
    nodes[0].create_pool(pool)
    return pool


def claimed(store: Store, pool: IdentityPool, subject: str) -> Identity:
    return store.get_or_create_identity_for_login(pool.pool_id, Login(DEV, subject), new_identity(pool))[0]


def all_logins(store: Store, pool: IdentityPool) -> list[tuple[str, Login]]:
    return sorted((i.identity_id, lg) for i in store.list_identities(pool.pool_id, 1000) for lg in i.logins)


@pytest.mark.catalogue("F04")
def test_fifty_callers_claiming_one_new_login_get_one_identity(nodes: list[Store], pool: IdentityPool) -> None:
    login = Login(DEV, "alice")
    candidates = [new_identity(pool) for _ in range(50)]
    results = race(50, lambda i: nodes[i % 2].get_or_create_identity_for_login(pool.pool_id, login, candidates[i]))
    assert not errors(results)
    ids = {identity.identity_id for identity, _ in results}  # type: ignore[misc]
    assert len(ids) == 1
    assert [created for _, created in results].count(True) == 1  # type: ignore[misc]
    stored = nodes[0].list_identities(pool.pool_id, 100)
    assert [i.identity_id for i in stored] == list(ids) and stored[0].logins == (login,)


def test_linking_one_login_to_two_identities_at_once_has_one_winner(nodes: list[Store], pool: IdentityPool) -> None:
    for round_ in range(5):
        rivals = [new_identity(pool), new_identity(pool)]
        for rival in rivals:
            nodes[0].create_identity(rival)
        login = Login(DEV, f"contested-{round_}")
        results = race(2, lambda i: nodes[i].link_logins(rivals[i].identity_id, [login], LATER))
        [winner] = [r for r in results if isinstance(r, Identity)]
        [loser] = errors(results)
        assert isinstance(loser, Conflict)
        assert (loser.login, loser.owner) == (login, winner.identity_id)
        lost = rivals[1 - results.index(winner)]
        assert nodes[1].get_identity(lost.identity_id) == lost  # untouched
        assert nodes[1].identity_for_login(pool.pool_id, login) == winner


def test_claims_and_links_of_one_login_racing_agree_on_one_owner(nodes: list[Store], pool: IdentityPool) -> None:
    guests = [new_identity(pool) for _ in range(6)]
    for guest in guests:
        nodes[0].create_identity(guest)
    login = Login(DEV, "bob")

    def call(i: int) -> str:
        if i < 6:
            return nodes[i % 2].link_logins(guests[i].identity_id, [login], LATER).identity_id
        return nodes[i % 2].get_or_create_identity_for_login(pool.pool_id, login, new_identity(pool))[0].identity_id

    results = race(16, call)
    owner = nodes[0].identity_for_login(pool.pool_id, login)
    assert owner is not None
    assert {r for r in results if isinstance(r, str)} == {owner.identity_id}
    assert all(isinstance(e, Conflict) and e.owner == owner.identity_id for e in errors(results))
    assert [lg for _, lg in all_logins(nodes[0], pool)] == [login]


def stranded(store: Store, pool: IdentityPool) -> list[tuple[str, Login]]:
    """Logins linked to a disabled identity: no merge may leave one (GetCredentialsForIdentity
    would refuse the identity the login's user gets)."""
    return [(i.identity_id, lg) for i in store.list_identities(pool.pool_id, 1000) if i.disabled for lg in i.logins]


def test_chained_merges_racing_never_strand_a_login(nodes: list[Store], pool: IdentityPool) -> None:
    """a->b and b->c at once: in either order, a, b and c end on c's identity."""
    for round_ in range(20):
        a, b, c = (Login(DEV, f"{name}{round_}") for name in "abc")
        owners = [claimed(nodes[0], pool, login.subject) for login in (a, b, c)]
        chain = [(a, b), (b, c)]
        results = race(2, lambda i: nodes[i].merge_logins(pool.pool_id, *chain[i], LATER))
        assert not errors(results), results
        final = nodes[1].identity_for_login(pool.pool_id, a)
        assert final is not None and final.identity_id == owners[2].identity_id, f"round {round_}"
        assert final.logins == (a, b, c) and not final.disabled
        assert all(nodes[1].get_identity(o.identity_id).disabled for o in owners[:2])
    assert stranded(nodes[0], pool) == []


def test_merges_into_one_destination_keep_every_login(nodes: list[Store], pool: IdentityPool) -> None:
    sources = [claimed(nodes[0], pool, f"s{i}") for i in range(6)]
    destination = claimed(nodes[0], pool, "d")
    results = race(6, lambda i: nodes[i % 2].merge_logins(pool.pool_id, Login(DEV, f"s{i}"), Login(DEV, "d"), LATER))
    assert not errors(results)
    final = nodes[1].get_identity(destination.identity_id)
    assert final.logins == tuple(sorted([Login(DEV, "d")] + [Login(DEV, f"s{i}") for i in range(6)]))
    assert all(nodes[1].get_identity(s.identity_id).disabled for s in sources)


def test_opposite_merges_racing_leave_one_identity_with_all_logins(nodes: list[Store], pool: IdentityPool) -> None:
    for round_ in range(4):
        a, b = Login(DEV, f"a{round_}"), Login(DEV, f"b{round_}")
        owners = {claimed(nodes[0], pool, a.subject).identity_id, claimed(nodes[0], pool, b.subject).identity_id}
        pair = [(a, b), (b, a)]
        results = race(2, lambda i: nodes[i].merge_logins(pool.pool_id, *pair[i], LATER))
        assert not errors(results)  # the second finds both logins on one identity: nothing to do
        survivors = {r.identity_id for r in results if isinstance(r, Identity)}
        assert len(survivors) == 1 and survivors < owners
        [survivor] = survivors
        assert nodes[1].get_identity(survivor).logins == (a, b)
        assert nodes[1].get_identity((owners - survivors).pop()).disabled
    assert stranded(nodes[0], pool) == []


def test_a_merge_racing_a_link_or_an_unlink_strands_nothing(nodes: list[Store], pool: IdentityPool) -> None:
    for round_ in range(10):
        source = claimed(nodes[0], pool, f"src{round_}")
        claimed(nodes[0], pool, f"dst{round_}")
        extra = Login(DEV, f"extra{round_}")

        def merge_or_change(i: int) -> object:
            if i == 0:
                return nodes[0].merge_logins(pool.pool_id, Login(DEV, f"src{round_}"), Login(DEV, f"dst{round_}"), LATER)
            if round_ % 2:
                return nodes[1].link_logins(source.identity_id, [extra], LATER)
            return nodes[1].unlink_logins(source.identity_id, LATER, logins=[Login(DEV, f"src{round_}")])

        results = race(2, merge_or_change)
        # the link loses to a merge that disabled its identity; the merge loses to an unlink of its source
        assert all(isinstance(e, (Disabled, NotFound)) for e in errors(results)), results
        assert stranded(nodes[1], pool) == []


def test_a_merge_racing_a_delete_is_atomic(nodes: list[Store], pool: IdentityPool) -> None:
    for round_ in range(5):
        src, dst = claimed(nodes[0], pool, f"src{round_}"), claimed(nodes[0], pool, f"dst{round_}")

        def merge_or_delete(i: int) -> Identity | None:
            if i == 0:
                return nodes[0].merge_logins(pool.pool_id, Login(DEV, f"src{round_}"), Login(DEV, f"dst{round_}"), LATER)
            nodes[1].delete_identities([dst.identity_id])
            return None

        results = race(2, merge_or_delete)
        assert all(isinstance(e, NotFound) for e in errors(results))
        # Whichever went first, no login is left pointing at a deleted identity.
        for identity_id, login in all_logins(nodes[1], pool):
            assert nodes[1].identity_for_login(pool.pool_id, login).identity_id == identity_id  # type: ignore[union-attr]
        if isinstance(results[0], NotFound):
            assert nodes[1].get_identity(src.identity_id).logins == (Login(DEV, f"src{round_}"),)
        else:
            assert nodes[1].identity_for_login(pool.pool_id, Login(DEV, f"src{round_}")) is None
    assert stranded(nodes[0], pool) == []
