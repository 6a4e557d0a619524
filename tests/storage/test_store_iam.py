"""Conformance: IAM roles, users and access keys (migration 2), on every backend.

Each method and its errors; names unique per account case-insensitively and kept as
given; updaters that raise; two handles racing (two idpool nodes); accounts kept apart;
paging while rows are added; UTC timestamps. SQL only (marked ``sql``): a version-1
database migrated to 2, and the schema's cascade from a user row to its keys.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import secrets
import threading
from pathlib import Path

import pytest

from idpool.ids import new_access_key_id, new_unique_id
from idpool.model import AccessKey, Login, Role, User
from idpool.storage import AlreadyExists, Conflict, NotFound, Store
from idpool.storage.migrations import MIGRATIONS, migrate, schema_version
from idpool.storage.open import open_sql_store
from idpool.storage.sql import SqlStore

from .backends import StoreFactory
from .racing import errors, race
from .records import ACCOUNT, OTHER_ACCOUNT, T0, new_identity, new_key, new_pool

TRUST = '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Federated":"cognito-identity.amazonaws.com"},"Action":"sts:AssumeRoleWithWebIdentity"}]}'
POLICY = '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}'
LATER = T0 + dt.timedelta(minutes=5)


def new_role(name: str = "Admin", account_id: str = ACCOUNT, *, path: str = "/", at: dt.datetime = T0, **extra: object) -> Role:
    return Role(
        account_id=account_id, name=name, role_id=new_unique_id("AROA"), path=path, trust_policy=TRUST,
        created_at=at, **extra,  # type: ignore[arg-type]
    )  # fmt: skip


def new_user(name: str = "alice", account_id: str = ACCOUNT, *, path: str = "/", at: dt.datetime = T0, **extra: object) -> User:
    return User(account_id=account_id, name=name, user_id=new_unique_id("AIDA"), path=path, created_at=at, **extra)  # type: ignore[arg-type]


def new_access_key(user: User, *, at: dt.datetime = T0, user_name: str | None = None) -> AccessKey:
    return AccessKey(
        account_id=user.account_id, user_name=user_name or user.name, access_key_id=new_access_key_id("AKIA"),
        sealed_secret=secrets.token_bytes(60), status="Active", created_at=at,
    )  # fmt: skip


@pytest.fixture
def alice(store: Store) -> User:
    user = new_user("Alice")
    store.create_user(user)
    return user


# --- roles: create, get, case-insensitive names -------------------------------------------------
def test_a_role_round_trips_with_every_field(store: Store) -> None:
    role = new_role(
        "Deploy.Bot@ci", path="/ci/", description="déploiement ✓", max_session_duration=43200,
        tags={"team": "blue", "ünïcode": "✓"}, policies={"read": POLICY, "Also": POLICY.replace("Get", "List")},
    )  # fmt: skip
    store.create_role(role)
    assert store.get_role(ACCOUNT, "Deploy.Bot@ci") == role
    assert store.get_role(ACCOUNT, "Deploy.Bot@ci").arn_in("aws") == "arn:aws:iam::111111111111:role/ci/Deploy.Bot@ci"


@pytest.mark.catalogue("I03")
def test_a_role_name_is_found_in_any_case_and_keeps_its_spelling(store: Store) -> None:
    store.create_role(role := new_role("MyRole"))
    for spelling in ("MyRole", "myrole", "MYROLE", "mYrOLE"):
        assert store.get_role(ACCOUNT, spelling) == role
    assert store.list_roles(ACCOUNT, 10)[0].name == "MyRole"


@pytest.mark.catalogue("I03")
def test_role_names_are_unique_per_account_in_any_case(store: Store) -> None:
    store.create_role(admin := new_role("Admin"))
    for taken in ("Admin", "admin", "ADMIN"):
        with pytest.raises(AlreadyExists):
            store.create_role(new_role(taken))
    store.create_role(theirs := new_role("admin", OTHER_ACCOUNT))
    assert store.get_role(ACCOUNT, "admin") == admin
    assert store.get_role(OTHER_ACCOUNT, "ADMIN") == theirs
    assert [r.name for r in store.list_roles(ACCOUNT, 10)] == ["Admin"]


def test_a_taken_role_id_is_already_exists(store: Store) -> None:
    store.create_role(role := new_role("one"))
    with pytest.raises(AlreadyExists):
        store.create_role(dataclasses.replace(role, name="two"))
    with pytest.raises(NotFound):
        store.get_role(ACCOUNT, "two")


def test_a_missing_role_is_not_found_and_accounts_are_apart(store: Store) -> None:
    store.create_role(new_role("Admin"))
    with pytest.raises(NotFound):
        store.get_role(ACCOUNT, "nobody")
    with pytest.raises(NotFound):
        store.get_role(OTHER_ACCOUNT, "Admin")


# --- roles: update, delete -----------------------------------------------------------------------
def test_update_role_stores_the_change_and_keeps_what_the_store_owns(store: Store) -> None:
    store.create_role(role := new_role("Admin", tags={"b": "2"}))

    def change(r: Role) -> Role:
        return dataclasses.replace(
            r, description="now described", max_session_duration=7200, trust_policy=TRUST.replace("Allow", "Deny"),
            tags={"z": "26", **r.tags, "a": "1"}, policies={"p2": POLICY, "p1": POLICY}, created_at=LATER,
        )  # fmt: skip

    updated = store.update_role(ACCOUNT, "ADMIN", change)
    assert (updated.description, updated.max_session_duration, updated.created_at) == ("now described", 7200, T0)
    assert list(updated.tags.items()) == [("a", "1"), ("b", "2"), ("z", "26")]  # sorted, as stored
    assert list(updated.policies) == ["p1", "p2"]
    got = store.get_role(ACCOUNT, "admin")
    assert got == updated and list(got.tags) == list(updated.tags) and list(got.policies) == list(updated.policies)
    assert got.role_id == role.role_id and got.name == "Admin"


def test_a_role_updater_that_raises_changes_nothing(store: Store) -> None:
    store.create_role(role := new_role(policies={"p": POLICY}))

    def refuse(r: Role) -> Role:
        raise LookupError("no")

    with pytest.raises(LookupError):
        store.update_role(ACCOUNT, role.name, refuse)
    assert store.get_role(ACCOUNT, role.name) == role


@pytest.mark.parametrize("field,value", [("name", "Renamed"), ("name", "ADMIN"), ("account_id", OTHER_ACCOUNT), ("role_id", "AROAOTHER")])
def test_a_role_updater_may_not_move_or_rename_it(store: Store, field: str, value: str) -> None:
    store.create_role(role := new_role("Admin"))
    with pytest.raises(ValueError):
        store.update_role(ACCOUNT, "Admin", lambda r: dataclasses.replace(r, **{field: value}))  # type: ignore[arg-type]
    assert store.get_role(ACCOUNT, "Admin") == role


def test_update_or_delete_a_missing_role_is_not_found(store: Store) -> None:
    store.create_role(new_role("Admin", OTHER_ACCOUNT))
    with pytest.raises(NotFound):
        store.update_role(ACCOUNT, "Admin", lambda r: r)
    with pytest.raises(NotFound):
        store.delete_role(ACCOUNT, "Admin")


def test_delete_role_runs_the_check_on_the_current_role(store: Store) -> None:
    store.create_role(new_role("Admin"))
    store.update_role(ACCOUNT, "Admin", lambda r: dataclasses.replace(r, policies={"p": POLICY}))
    seen: list[Role] = []

    def refuse_with_policies(role: Role) -> None:
        seen.append(role)
        if role.policies:
            raise PermissionError("policies remain")

    with pytest.raises(PermissionError):
        store.delete_role(ACCOUNT, "admin", refuse_with_policies)
    assert seen[-1] == store.get_role(ACCOUNT, "Admin")  # the check saw the stored policies; nothing went
    store.update_role(ACCOUNT, "Admin", lambda r: dataclasses.replace(r, policies={}))
    store.delete_role(ACCOUNT, "ADMIN", refuse_with_policies)
    with pytest.raises(NotFound):
        store.get_role(ACCOUNT, "Admin")
    store.create_role(again := new_role("admin"))  # the name is free again
    assert store.get_role(ACCOUNT, "Admin") == again


# --- listing roles --------------------------------------------------------------------------------
def test_list_roles_orders_by_lower_cased_name_and_pages(store: Store) -> None:
    names = ["beta", "Alpha", "gamma", "Delta", "epsilon", "ALPHA2", "zeta", "Eta"]
    for name in names:
        store.create_role(new_role(name))
    store.create_role(new_role("aaa-theirs", OTHER_ACCOUNT))
    expected = sorted(names, key=str.lower)
    assert [r.name for r in store.list_roles(ACCOUNT, 100)] == expected
    pages, after = [], None
    while page := store.list_roles(ACCOUNT, 3, after):
        pages.append([r.name for r in page])
        after = page[-1].name.lower()
    assert pages == [expected[0:3], expected[3:6], expected[6:8]]
    assert [r.name for r in store.list_roles(OTHER_ACCOUNT, 100)] == ["aaa-theirs"]
    assert store.list_roles("333333333333", 100) == [] and store.list_roles(ACCOUNT, 0) == []


@pytest.mark.catalogue("I01")
def test_list_roles_filters_by_exact_path_prefix(store: Store) -> None:
    paths = {"root": "/", "eng": "/eng/", "eng-ci": "/eng/ci/", "Eng-upper": "/Eng/", "pct": "/a%b/", "under": "/a_b/", "x": "/axb/"}
    for name, path in paths.items():
        store.create_role(new_role(name, path=path))

    def under(prefix: str) -> list[str]:
        return [r.name for r in store.list_roles(ACCOUNT, 100, path_prefix=prefix)]

    assert under("/") == sorted(paths, key=str.lower)
    assert under("/eng/") == ["eng", "eng-ci"]  # case-sensitive: not /Eng/
    assert under("/eng/ci/") == ["eng-ci"]
    assert under("/a%") == ["pct"] and under("/a_") == ["under"]  # no wildcards
    assert under("/nothing/") == []
    assert [r.name for r in store.list_roles(ACCOUNT, 1, after="eng", path_prefix="/eng/")] == ["eng-ci"]


# --- users ----------------------------------------------------------------------------------------------
def test_a_user_round_trips_and_is_found_in_any_case(store: Store) -> None:
    user = new_user("Bob.Builder", path="/staff/", tags={"k": "v"}, policies={"p": POLICY})
    store.create_user(user)
    assert store.get_user(ACCOUNT, "bob.builder") == user == store.get_user(ACCOUNT, "BOB.BUILDER")
    assert store.get_user(ACCOUNT, "Bob.Builder").arn_in("aws") == "arn:aws:iam::111111111111:user/staff/Bob.Builder"


def test_user_errors(store: Store, alice: User) -> None:
    with pytest.raises(AlreadyExists):
        store.create_user(new_user("ALICE"))
    with pytest.raises(AlreadyExists):
        store.create_user(dataclasses.replace(alice, name="other"))  # taken user id
    for call in (
        lambda: store.get_user(ACCOUNT, "nobody"),
        lambda: store.get_user(OTHER_ACCOUNT, "alice"),
        lambda: store.update_user(ACCOUNT, "nobody", lambda u: u),
        lambda: store.delete_user(OTHER_ACCOUNT, "alice"),
    ):
        with pytest.raises(NotFound):
            call()
    store.create_user(theirs := new_user("alice", OTHER_ACCOUNT))
    assert (store.get_user(ACCOUNT, "alice"), store.get_user(OTHER_ACCOUNT, "Alice")) == (alice, theirs)


def test_update_user_and_an_updater_that_raises(store: Store, alice: User) -> None:
    updated = store.update_user(ACCOUNT, "alice", lambda u: dataclasses.replace(u, path="/moved/", policies={"b": "{}", "a": "{}"}))
    assert (updated.path, list(updated.policies), updated.created_at) == ("/moved/", ["a", "b"], T0)
    assert store.get_user(ACCOUNT, "ALICE") == updated

    def refuse(u: User) -> User:
        raise LookupError("no")

    with pytest.raises(LookupError):
        store.update_user(ACCOUNT, "alice", refuse)
    with pytest.raises(ValueError):
        store.update_user(ACCOUNT, "alice", lambda u: dataclasses.replace(u, name="alicia"))
    assert store.get_user(ACCOUNT, "alice") == updated


def test_delete_user_check_sees_the_user_and_may_refuse(store: Store, alice: User) -> None:
    def refuse(user: User) -> None:
        raise PermissionError(user.name)

    with pytest.raises(PermissionError, match="Alice"):
        store.delete_user(ACCOUNT, "ALICE", refuse)
    assert store.get_user(ACCOUNT, "alice") == alice
    store.delete_user(ACCOUNT, "alice", lambda user: None)
    with pytest.raises(NotFound):
        store.get_user(ACCOUNT, "alice")


def test_list_users_orders_pages_and_filters(store: Store) -> None:
    for name, path in [("carol", "/a/"), ("Bob", "/b/"), ("alice", "/a/"), ("Dave", "/a/x/")]:
        store.create_user(new_user(name, path=path))
    store.create_user(new_user("aaron", OTHER_ACCOUNT))
    assert [u.name for u in store.list_users(ACCOUNT, 100)] == ["alice", "Bob", "carol", "Dave"]
    assert [u.name for u in store.list_users(ACCOUNT, 2, after="bob")] == ["carol", "Dave"]
    assert [u.name for u in store.list_users(ACCOUNT, 100, path_prefix="/a/")] == ["alice", "carol", "Dave"]
    assert [u.name for u in store.list_users(ACCOUNT, 1, after="alice", path_prefix="/a/")] == ["carol"]
    assert [u.name for u in store.list_users(OTHER_ACCOUNT, 100)] == ["aaron"]


# --- access keys ----------------------------------------------------------------------------------------
def test_an_access_key_round_trips_and_names_the_stored_user(store: Store, alice: User) -> None:
    key = new_access_key(alice, user_name="aLiCe")
    store.create_access_key(key, 2)
    stored = dataclasses.replace(key, user_name="Alice")
    assert store.get_access_key(key.access_key_id) == stored
    assert store.list_access_keys(ACCOUNT, "ALICE") == [stored]
    assert store.get_access_key(new_access_key_id("AKIA")) is None


def test_create_access_key_errors(store: Store, alice: User) -> None:
    with pytest.raises(NotFound):
        store.create_access_key(new_access_key(new_user("ghost")), 2)
    with pytest.raises(NotFound):
        store.create_access_key(dataclasses.replace(new_access_key(alice), account_id=OTHER_ACCOUNT), 2)
    store.create_access_key(key := new_access_key(alice), 2)
    with pytest.raises(AlreadyExists):
        store.create_access_key(dataclasses.replace(key, created_at=LATER), 2)
    with pytest.raises(ValueError):
        store.create_access_key(dataclasses.replace(new_access_key(alice), status="Revoked"), 2)
    assert store.list_access_keys(ACCOUNT, "alice") == [key]


def test_a_user_holds_at_most_max_per_user_keys(store: Store, alice: User) -> None:
    first, second = new_access_key(alice), new_access_key(alice, at=LATER)
    store.create_access_key(second, 2)
    store.create_access_key(first, 2)
    with pytest.raises(Conflict):
        store.create_access_key(new_access_key(alice), 2)
    assert store.list_access_keys(ACCOUNT, "alice") == [first, second]  # oldest first
    store.delete_access_key(ACCOUNT, "alice", first.access_key_id)
    store.create_access_key(third := new_access_key(alice, at=LATER + dt.timedelta(seconds=1)), 2)
    assert store.list_access_keys(ACCOUNT, "alice") == [second, third]
    store.create_user(bob := new_user("bob"))
    store.create_access_key(bobs := new_access_key(bob), 2)  # the limit is per user
    assert store.list_access_keys(ACCOUNT, "bob") == [bobs]


def test_key_status_and_delete_need_the_owning_user(store: Store, alice: User) -> None:
    store.create_user(bob := new_user("bob"))
    store.create_user(new_user("alice", OTHER_ACCOUNT))
    store.create_access_key(key := new_access_key(alice), 2)
    for account, user in [(ACCOUNT, "bob"), (OTHER_ACCOUNT, "alice"), (ACCOUNT, "nobody")]:
        with pytest.raises(NotFound):
            store.set_access_key_status(account, user, key.access_key_id, "Inactive")
        with pytest.raises(NotFound):
            store.delete_access_key(account, user, key.access_key_id)
    with pytest.raises(NotFound):
        store.set_access_key_status(ACCOUNT, "alice", new_access_key_id("AKIA"), "Inactive")
    with pytest.raises(ValueError):
        store.set_access_key_status(ACCOUNT, "alice", key.access_key_id, "inactive")
    assert store.get_access_key(key.access_key_id) == key and store.list_access_keys(ACCOUNT, bob.name) == []
    store.set_access_key_status(ACCOUNT, "ALICE", key.access_key_id, "Inactive")
    assert store.get_access_key(key.access_key_id) == dataclasses.replace(key, status="Inactive")
    store.set_access_key_status(ACCOUNT, "alice", key.access_key_id, "Active")
    assert store.get_access_key(key.access_key_id) == key
    store.delete_access_key(ACCOUNT, "alice", key.access_key_id)
    assert store.get_access_key(key.access_key_id) is None and store.list_access_keys(ACCOUNT, "alice") == []
    with pytest.raises(NotFound):
        store.delete_access_key(ACCOUNT, "alice", key.access_key_id)


def test_delete_user_is_refused_while_keys_remain(store: Store, alice: User) -> None:
    store.create_access_key(key := new_access_key(alice), 2)
    checked: list[str] = []
    with pytest.raises(Conflict):
        store.delete_user(ACCOUNT, "alice", lambda user: checked.append(user.name))
    assert checked == ["Alice"]  # the check ran first, in the transaction
    assert store.get_user(ACCOUNT, "alice") == alice and store.get_access_key(key.access_key_id) == key
    store.delete_access_key(ACCOUNT, "alice", key.access_key_id)
    store.delete_user(ACCOUNT, "alice")
    with pytest.raises(NotFound):
        store.create_access_key(new_access_key(alice), 2)


@pytest.mark.sql
def test_a_users_keys_go_with_the_user_row(sql_store: SqlStore) -> None:
    # delete_user refuses while keys remain; the schema's ON DELETE CASCADE is the backstop
    sql_store.create_user(alice := new_user("Alice"))
    sql_store.create_access_key(key := new_access_key(alice), 2)
    sql_store.create_user(bob := new_user("bob"))
    sql_store.create_access_key(bobs := new_access_key(bob), 2)
    sql_store.flavor.run(lambda tx: tx.run("DELETE FROM iam_users WHERE user_id = ?", (alice.user_id,)), write=True)
    assert sql_store.get_access_key(key.access_key_id) is None
    assert sql_store.flavor.run(lambda tx: tx.all("SELECT access_key_id FROM iam_access_keys")) == [(bobs.access_key_id,)]


# --- two nodes racing ---------------------------------------------------------------------------------
def test_two_creates_of_one_role_name_have_one_winner(store_factory: StoreFactory) -> None:
    nodes = [store_factory(), store_factory()]
    for round_ in range(5):
        rivals = [new_role(f"Racer{round_}"), new_role(f"RACER{round_}")]
        results = race(2, lambda i: nodes[i].create_role(rivals[i]))
        [loser] = errors(results)
        assert isinstance(loser, AlreadyExists)
        winner = rivals[results.index(None)]
        assert nodes[0].get_role(ACCOUNT, f"racer{round_}") == winner
    assert len(nodes[1].list_roles(ACCOUNT, 100)) == 5


def test_ten_concurrent_key_creations_respect_the_limit_of_two(store_factory: StoreFactory) -> None:
    nodes = [store_factory(), store_factory()]
    for round_ in range(5):  # later rounds find every pooled connection open: a tighter race
        nodes[0].create_user(user := new_user(f"busy{round_}"))
        keys = [new_access_key(user) for _ in range(10)]
        results = race(10, lambda i: nodes[i % 2].create_access_key(keys[i], 2))
        assert results.count(None) == 2
        assert all(isinstance(e, Conflict) for e in errors(results)) and len(errors(results)) == 8
        winners = {keys[i].access_key_id for i, r in enumerate(results) if r is None}
        assert {k.access_key_id for k in nodes[1].list_access_keys(ACCOUNT, user.name)} == winners


def test_concurrent_role_updates_lose_nothing(store_factory: StoreFactory) -> None:
    nodes = [store_factory(), store_factory()]
    nodes[0].create_role(new_role("counter", tags={"n": "0"}))

    def increment(role: Role) -> Role:
        return dataclasses.replace(role, tags={"n": str(int(role.tags["n"]) + 1)}, policies={**role.policies, f"p{role.tags['n']}": "{}"})

    results = race(16, lambda i: nodes[i % 2].update_role(ACCOUNT, "COUNTER" if i % 3 else "counter", increment))
    assert not errors(results)
    final = nodes[1].get_role(ACCOUNT, "counter")
    assert final.tags == {"n": "16"} and set(final.policies) == {f"p{n}" for n in range(16)}


def test_delete_user_racing_key_creation_never_orphans_a_key(store_factory: StoreFactory) -> None:
    nodes = [store_factory(), store_factory()]
    for round_ in range(6):
        nodes[0].create_user(user := new_user(f"u{round_}"))
        key = new_access_key(user)

        def delete_or_create(i: int) -> None:
            if i == 0:
                nodes[0].delete_user(ACCOUNT, user.name)
            else:
                nodes[1].create_access_key(key, 2)

        deleted, created = race(2, delete_or_create)
        if deleted is None:  # the delete went first: the key had no user to join
            assert isinstance(created, NotFound) and nodes[1].get_access_key(key.access_key_id) is None
        else:  # the key went first: the delete saw it
            assert isinstance(deleted, Conflict) and created is None
            assert nodes[1].get_access_key(key.access_key_id) == key


def test_paging_roles_sees_every_existing_role_once_while_roles_are_added(store_factory: StoreFactory) -> None:
    reader, writer = store_factory(), store_factory()
    existing = [new_role(f"role-{i:02d}") for i in range(30)]
    for role in existing:
        reader.create_role(role)
    stop = threading.Event()

    def insert_more() -> None:
        while not stop.is_set():
            writer.create_role(new_role(f"new-{secrets.token_hex(6)}"))

    thread = threading.Thread(target=insert_more)
    thread.start()
    try:
        seen: list[str] = []
        after = None
        while page := reader.list_roles(ACCOUNT, 4, after):
            seen += [r.name for r in page]
            after = page[-1].name.lower()
    finally:
        stop.set()
        thread.join()
    assert seen == sorted(seen, key=str.lower) and len(seen) == len(set(seen))
    assert {r.name for r in existing} <= set(seen)


# --- time ----------------------------------------------------------------------------------------------
def test_iam_timestamps_come_back_utc_aware_and_equal(store: Store) -> None:
    india = dt.timezone(dt.timedelta(hours=5, minutes=30))
    at = dt.datetime(2031, 12, 31, 23, 59, 58, 999999, tzinfo=india)
    store.create_role(new_role("r", at=at))
    store.create_user(user := new_user("u", at=at))
    store.create_access_key(key := new_access_key(user, at=at), 2)
    for got in (store.get_role(ACCOUNT, "r").created_at, store.get_user(ACCOUNT, "u").created_at,
                store.get_access_key(key.access_key_id).created_at):  # type: ignore[union-attr]
        assert got == at and got.utcoffset() == dt.timedelta(0) and (got.hour, got.microsecond) == (18, 999999)


def test_naive_iam_timestamps_are_refused(store: Store, alice: User) -> None:
    naive = dt.datetime(2026, 1, 1)
    with pytest.raises(ValueError):
        store.create_role(new_role(at=naive))
    with pytest.raises(ValueError):
        store.create_user(new_user("bob", at=naive))
    with pytest.raises(ValueError):
        store.create_access_key(new_access_key(alice, at=naive), 2)
    assert store.list_roles(ACCOUNT, 10) == [] and store.list_access_keys(ACCOUNT, "alice") == []


# --- migration 1 -> 2 ----------------------------------------------------------------------------------
@pytest.mark.catalogue("F10")
@pytest.mark.sql
def test_a_version_1_database_migrates_to_2_with_its_data(sql_database_url: str, tmp_path: Path) -> None:
    store = open_sql_store(sql_database_url, tmp_path, migrate=False)
    try:
        assert migrate(store.flavor, MIGRATIONS[:1]) == 1
        store.create_pool(pool := new_pool())
        # The identity as version 1 wrote it (today's store writes columns of later versions).
        identity = dataclasses.replace(new_identity(pool), authenticated=True, logins=(Login("dev", "alice"),))
        at = store.flavor.time_in(identity.created_at)
        store.flavor.run(lambda tx: (
            tx.run("INSERT INTO identities (identity_id, pool_id, account_id, created_at, last_modified_at,"
                   " authenticated, disabled) VALUES (?, ?, ?, ?, ?, TRUE, FALSE)",
                   (identity.identity_id, pool.pool_id, pool.account_id, at, at)),
            tx.run("INSERT INTO logins (pool_id, provider, subject, identity_id, linked_at) VALUES (?, ?, ?, ?, ?)",
                   (pool.pool_id, "dev", "alice", identity.identity_id, at))), write=True)
        store.add_first_signing_key(key := new_key("k1"))
        store.put_setting_if_absent("root", "secret-ref")
        assert migrate(store.flavor, MIGRATIONS[:2]) == schema_version(store.flavor) == 2
        assert migrate(store.flavor) == len(MIGRATIONS)  # today's store reads today's schema
        assert store.get_pool(pool.pool_id) == pool
        # identities made before migration 5 count as used: an upgrade never makes them due for cleanup
        assert store.get_identity(identity.identity_id) == dataclasses.replace(identity, used=True)
        assert store.list_signing_keys() == [key] and store.get_setting("root") == "secret-ref"
        migrate(store.flavor)  # today's IAM code writes today's schema
        store.create_user(user := new_user())
        store.create_access_key(access_key := new_access_key(user), 2)
        assert store.get_access_key(access_key.access_key_id) == access_key
    finally:
        store.close()
