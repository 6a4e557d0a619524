"""Conformance: identities and their logins (each method's contract and errors)."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from idpool.model import Identity, IdentityPool, Login
from idpool.storage import AlreadyExists, Conflict, Disabled, NotFound, Store
from idpool.storage.sql import SqlStore

from .records import T0, new_identity, new_pool

DEV = "login.example"
LATER = T0 + dt.timedelta(minutes=5)


@pytest.fixture
def pool(store: Store) -> IdentityPool:
    pool = new_pool(developer_provider_name=DEV)
    store.create_pool(pool)
    return pool


def linked(store: Store, pool: IdentityPool, *subjects: str) -> Identity:
    identity = new_identity(pool)
    store.create_identity(identity)
    return store.link_logins(identity.identity_id, [Login(DEV, s) for s in subjects], T0)


# --- create / get ---------------------------------------------------------------------
def test_a_guest_identity_round_trips(store: Store, pool: IdentityPool) -> None:
    identity = new_identity(pool)
    store.create_identity(identity)
    assert store.get_identity(identity.identity_id) == identity


def test_create_identity_errors(store: Store, pool: IdentityPool) -> None:
    identity = new_identity(pool)
    store.create_identity(identity)
    with pytest.raises(AlreadyExists):
        store.create_identity(dataclasses.replace(identity, disabled=True))
    assert store.get_identity(identity.identity_id) == identity
    orphan = dataclasses.replace(new_identity(pool), pool_id="us-east-1:no-such-pool")
    with pytest.raises(NotFound):
        store.create_identity(orphan)
    with pytest.raises(NotFound):
        store.get_identity(orphan.identity_id)


def test_get_missing_identity_is_not_found(store: Store) -> None:
    with pytest.raises(NotFound):
        store.get_identity("us-east-1:missing")


# --- get_or_create_identity_for_login ------------------------------------------------
def test_get_or_create_creates_once_then_finds(store: Store, pool: IdentityPool) -> None:
    login = Login(DEV, "alice")
    candidate = new_identity(pool)
    created, was_created = store.get_or_create_identity_for_login(pool.pool_id, login, candidate)
    assert was_created
    assert created == dataclasses.replace(candidate, authenticated=True, logins=(login,))
    assert store.get_identity(candidate.identity_id) == created
    again, was_created = store.get_or_create_identity_for_login(pool.pool_id, login, new_identity(pool))
    assert (again, was_created) == (created, False)
    assert len(store.list_identities(pool.pool_id, 10)) == 1


@pytest.mark.catalogue("D03")
def test_logins_are_scoped_to_their_pool(store: Store, pool: IdentityPool) -> None:
    other = new_pool()
    store.create_pool(other)
    login = Login(DEV, "alice")
    mine, _ = store.get_or_create_identity_for_login(pool.pool_id, login, new_identity(pool))
    theirs, created = store.get_or_create_identity_for_login(other.pool_id, login, new_identity(other))
    assert created and theirs.identity_id != mine.identity_id
    assert store.identity_for_login(pool.pool_id, login) == mine
    assert store.identity_for_login(other.pool_id, login) == theirs


def test_get_or_create_in_a_missing_pool_is_not_found_and_creates_nothing(store: Store, pool: IdentityPool) -> None:
    ghost = new_pool()
    candidate = new_identity(ghost)
    with pytest.raises(NotFound):
        store.get_or_create_identity_for_login(ghost.pool_id, Login(DEV, "alice"), candidate)
    with pytest.raises(NotFound):
        store.get_identity(candidate.identity_id)


@pytest.mark.catalogue("D03")
def test_get_or_create_refuses_a_candidate_from_another_pool(store: Store, pool: IdentityPool) -> None:
    with pytest.raises(ValueError):
        store.get_or_create_identity_for_login(pool.pool_id, Login(DEV, "a"), new_identity(new_pool()))


def test_identity_for_login_returns_the_identity_with_sorted_logins(store: Store, pool: IdentityPool) -> None:
    assert store.identity_for_login(pool.pool_id, Login(DEV, "zed")) is None
    identity = linked(store, pool, "zed", "amy", "mo")
    assert identity.logins == (Login(DEV, "amy"), Login(DEV, "mo"), Login(DEV, "zed"))
    assert store.identity_for_login(pool.pool_id, Login(DEV, "mo")) == identity
    assert store.identity_for_login(pool.pool_id, Login("other.example", "mo")) is None


# --- link_logins -----------------------------------------------------------------------------
def test_link_logins_links_marks_authenticated_and_bumps_last_modified(store: Store, pool: IdentityPool) -> None:
    guest = new_identity(pool)
    store.create_identity(guest)
    seen: list[Identity] = []
    result = store.link_logins(guest.identity_id, [Login(DEV, "b"), Login("graph.facebook.com", "1")], LATER, seen.append)
    assert seen == [guest]
    assert result.authenticated and result.last_modified_at == LATER
    assert result.logins == (Login("graph.facebook.com", "1"), Login(DEV, "b"))  # sorted
    assert store.get_identity(guest.identity_id) == result
    # linking a login it already has changes nothing but the time
    again = store.link_logins(guest.identity_id, [Login(DEV, "b")], LATER + dt.timedelta(1))
    assert again.logins == result.logins and store.get_identity(guest.identity_id) == again


@pytest.mark.catalogue("D02")
def test_link_of_a_login_owned_elsewhere_is_conflict_and_changes_nothing(store: Store, pool: IdentityPool) -> None:
    owner = linked(store, pool, "taken")
    guest = new_identity(pool)
    store.create_identity(guest)
    with pytest.raises(Conflict) as caught:
        store.link_logins(guest.identity_id, [Login(DEV, "free"), Login(DEV, "taken")], LATER)
    assert caught.value.login == Login(DEV, "taken") and caught.value.owner == owner.identity_id
    assert store.get_identity(guest.identity_id) == guest  # "free" was not linked either
    assert store.identity_for_login(pool.pool_id, Login(DEV, "free")) is None
    assert store.get_identity(owner.identity_id) == owner


def test_a_check_that_raises_abandons_the_link(store: Store, pool: IdentityPool) -> None:
    guest = new_identity(pool)
    store.create_identity(guest)

    def refuse(identity: Identity) -> None:
        raise PermissionError(identity.identity_id)

    with pytest.raises(PermissionError):
        store.link_logins(guest.identity_id, [Login(DEV, "a")], LATER, refuse)
    assert store.get_identity(guest.identity_id) == guest


def test_link_to_a_missing_identity_is_not_found(store: Store, pool: IdentityPool) -> None:
    with pytest.raises(NotFound):
        store.link_logins("us-east-1:missing", [Login(DEV, "a")], LATER)
    assert store.identity_for_login(pool.pool_id, Login(DEV, "a")) is None


# --- unlink_logins -------------------------------------------------------------------------------
def test_unlink_by_login_and_by_provider(store: Store, pool: IdentityPool) -> None:
    identity = linked(store, pool, "a", "b")
    identity = store.link_logins(identity.identity_id, [Login("graph.facebook.com", "1"), Login("x.example", "9")], T0)
    other = linked(store, pool, "c")
    result, removed = store.unlink_logins(
        identity.identity_id, LATER, logins=[Login(DEV, "a"), Login(DEV, "c")], providers=["graph.facebook.com"]
    )
    assert removed == 2  # "c" belongs to another identity and is left alone
    assert result.logins == (Login(DEV, "b"), Login("x.example", "9"))
    assert result.last_modified_at == LATER and result.authenticated
    assert store.get_identity(identity.identity_id) == result
    assert store.get_identity(other.identity_id) == other
    assert store.identity_for_login(pool.pool_id, Login(DEV, "a")) is None


def test_unlink_of_nothing_changes_nothing(store: Store, pool: IdentityPool) -> None:
    identity = linked(store, pool, "a")
    assert store.unlink_logins(identity.identity_id, LATER, logins=[Login(DEV, "zz")]) == (identity, 0)
    assert store.get_identity(identity.identity_id) == identity
    with pytest.raises(NotFound):
        store.unlink_logins("us-east-1:missing", LATER, providers=[DEV])


def test_an_unlinked_login_can_be_claimed_again(store: Store, pool: IdentityPool) -> None:
    first = linked(store, pool, "a")
    store.unlink_logins(first.identity_id, LATER, providers=[DEV])
    second, created = store.get_or_create_identity_for_login(pool.pool_id, Login(DEV, "a"), new_identity(pool))
    assert created and second.identity_id != first.identity_id


# --- merge_logins -------------------------------------------------------------------------------------
def test_merge_moves_logins_and_disables_the_source(store: Store, pool: IdentityPool) -> None:
    source, destination = linked(store, pool, "s1", "s2"), linked(store, pool, "d1")
    seen: list[tuple[Identity, Identity]] = []
    merged = store.merge_logins(pool.pool_id, Login(DEV, "s2"), Login(DEV, "d1"), LATER, lambda s, d: seen.append((s, d)))
    assert seen == [(source, destination)]
    assert merged.identity_id == destination.identity_id and merged.last_modified_at == LATER
    assert merged.logins == (Login(DEV, "d1"), Login(DEV, "s1"), Login(DEV, "s2"))
    assert store.get_identity(destination.identity_id) == merged
    gone = store.get_identity(source.identity_id)
    assert gone.disabled and gone.logins == () and gone.last_modified_at == LATER
    assert store.identity_for_login(pool.pool_id, Login(DEV, "s1")) == merged


def test_merging_two_logins_of_one_identity_changes_nothing(store: Store, pool: IdentityPool) -> None:
    identity = linked(store, pool, "a", "b")

    def refuse(s: Identity, d: Identity) -> None:
        raise PermissionError("a merge of an identity into itself runs no check")

    assert store.merge_logins(pool.pool_id, Login(DEV, "a"), Login(DEV, "b"), LATER, refuse) == identity
    assert store.get_identity(identity.identity_id) == identity


@pytest.mark.catalogue("D03", "D04")
def test_merge_errors_change_nothing(store: Store, pool: IdentityPool) -> None:
    source, destination = linked(store, pool, "s"), linked(store, pool, "d")

    def refuse(s: Identity, d: Identity) -> None:
        raise PermissionError("no")

    with pytest.raises(PermissionError):
        store.merge_logins(pool.pool_id, Login(DEV, "s"), Login(DEV, "d"), LATER, refuse)
    for missing, other in ((Login(DEV, "nobody"), Login(DEV, "d")), (Login(DEV, "s"), Login(DEV, "nobody"))):
        with pytest.raises(NotFound) as caught:
            store.merge_logins(pool.pool_id, missing, other, LATER)
        assert caught.value.login == Login(DEV, "nobody")
    elsewhere = new_pool()
    store.create_pool(elsewhere)
    stranger, _ = store.get_or_create_identity_for_login(elsewhere.pool_id, Login(DEV, "x"), new_identity(elsewhere))
    with pytest.raises(NotFound):  # logins are found in the pool named, never in another
        store.merge_logins(pool.pool_id, Login(DEV, "x"), Login(DEV, "d"), LATER)
    assert [store.get_identity(i.identity_id) for i in (source, destination, stranger)] == [source, destination, stranger]


@pytest.fixture
def sql_pool(sql_store: SqlStore) -> IdentityPool:
    pool = new_pool(developer_provider_name=DEV)
    sql_store.create_pool(pool)
    return pool


def strand(store: SqlStore, identity: Identity) -> Identity:
    """Disable ``identity`` and leave its logins on it: what an older idpool's racing merges
    left in a database (a memory store never met an older idpool: SQL only)."""
    store.flavor.run(lambda tx: tx.run("UPDATE identities SET disabled = TRUE WHERE identity_id = ?",
                                       (identity.identity_id,)), write=True)  # fmt: skip
    return store.get_identity(identity.identity_id)


@pytest.mark.sql
def test_no_login_moves_to_or_from_a_disabled_identity(sql_store: SqlStore, sql_pool: IdentityPool) -> None:
    store, pool = sql_store, sql_pool
    dead, alive = strand(store, linked(store, pool, "dead")), linked(store, pool, "alive")
    for source, destination in (("dead", "alive"), ("alive", "dead")):
        with pytest.raises(Disabled):
            store.merge_logins(pool.pool_id, Login(DEV, source), Login(DEV, destination), LATER)
    with pytest.raises(Disabled):
        store.link_logins(dead.identity_id, [Login(DEV, "new")], LATER)
    assert [store.get_identity(i.identity_id) for i in (dead, alive)] == [dead, alive]
    assert store.identity_for_login(pool.pool_id, Login(DEV, "new")) is None


@pytest.mark.sql
def test_a_login_stranded_on_a_disabled_identity_is_given_back_to_it(sql_store: SqlStore, sql_pool: IdentityPool) -> None:
    store, pool = sql_store, sql_pool
    stranded = strand(store, linked(store, pool, "a"))
    found, created = store.get_or_create_identity_for_login(pool.pool_id, Login(DEV, "a"), new_identity(pool))
    assert not created and found == dataclasses.replace(stranded, disabled=False)
    assert store.get_identity(stranded.identity_id) == found
    merged_away = linked(store, pool, "b")
    store.merge_logins(pool.pool_id, Login(DEV, "b"), Login(DEV, "a"), LATER)
    assert store.get_identity(merged_away.identity_id).disabled  # a disabled identity with no login stays so


# --- list_identities ------------------------------------------------------------------------------------
def test_list_identities_pages_in_id_order_with_logins(store: Store, pool: IdentityPool) -> None:
    made = [linked(store, pool, f"u{i}a", f"u{i}b") for i in range(5)]
    guests = [new_identity(pool) for _ in range(2)]
    for guest in guests:
        store.create_identity(guest)
    other = new_pool()
    store.create_pool(other)
    store.create_identity(new_identity(other))
    expected = sorted(made + guests, key=lambda i: i.identity_id)
    assert store.list_identities(pool.pool_id, 100) == expected
    first = store.list_identities(pool.pool_id, 4)
    rest = store.list_identities(pool.pool_id, 4, after=first[-1].identity_id)
    assert (len(first), first + rest) == (4, expected)  # a page limit counts identities, not logins
    assert store.list_identities(pool.pool_id, 0) == []


def test_list_identities_can_hide_disabled_ones(store: Store, pool: IdentityPool) -> None:
    linked(store, pool, "s")
    destination = linked(store, pool, "d")
    store.merge_logins(pool.pool_id, Login(DEV, "s"), Login(DEV, "d"), LATER)
    assert [i.identity_id for i in store.list_identities(pool.pool_id, 10, hide_disabled=True)] == [destination.identity_id]
    assert len(store.list_identities(pool.pool_id, 10)) == 2


# --- delete_identities -----------------------------------------------------------------------------------
def test_delete_identities_removes_them_and_their_logins_and_ignores_unknown_ids(store: Store, pool: IdentityPool) -> None:
    doomed, kept = linked(store, pool, "a"), linked(store, pool, "b")
    store.delete_identities([doomed.identity_id, "us-east-1:unknown", doomed.identity_id])
    with pytest.raises(NotFound):
        store.get_identity(doomed.identity_id)
    assert store.identity_for_login(pool.pool_id, Login(DEV, "a")) is None
    assert store.list_identities(pool.pool_id, 10) == [kept]
    store.delete_identities([])
    store.delete_identities(["us-east-1:unknown"])
    assert store.list_identities(pool.pool_id, 10) == [kept]
