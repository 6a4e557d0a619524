"""Key lifecycle against the store: first key, rotation, the per-node cache
(docs/SECURITY.md KR01, KR03, KR04, F07, F08)."""

from __future__ import annotations

import base64
import dataclasses
import datetime as dt
import json
import threading
from collections.abc import Callable
from typing import Any

import pytest
from fake_key_store import FakeSigningKeyStore, SigningKeyTable
from jws_forgery import segment
from keys_testdata import ISSUER, START

from idpool.clock import FixedClock
from idpool.keys.errors import NoActiveKey, TokenInvalid, UnknownKid
from idpool.keys.rotation import DEFAULT_OVERLAP, KeyRingCache, ensure_signing_key, load_keyring, next_kid, rotate
from idpool.keys.sealing import Sealer
from idpool.keys.signing import KeyRing
from idpool.model import SigningKey

REGION = "us-east-1"
PRIVATE_MEMBERS = {"d", "p", "q", "dp", "dq", "qi", "oth", "k"}


class FakeMonotonic:
    def __init__(self) -> None:
        self.value = 1000.0

    def __call__(self) -> float:
        return self.value


def claims(clock: FixedClock, **changes: Any) -> dict[str, Any]:
    at = int(clock.now().timestamp())
    return {"sub": "us-east-1:x", "aud": "us-east-1:pool", "iss": ISSUER, "iat": at, "exp": at + 900, **changes}


def run_together(count: int, target: Callable[[], Any]) -> list[Any]:
    """Run ``target`` in ``count`` threads released at once; return results (or raise the first error)."""
    barrier = threading.Barrier(count)
    results: list[Any] = []
    errors: list[BaseException] = []

    def run() -> None:
        barrier.wait()
        try:
            results.append(target())
        except BaseException as exc:  # re-raised below, in the test's thread
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise errors[0]
    return results


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(START)


@pytest.fixture
def store() -> FakeSigningKeyStore:
    return FakeSigningKeyStore()


def active_keys(store: FakeSigningKeyStore) -> list[SigningKey]:
    return [key for key in store.list_signing_keys() if key.active]


# --- kids ----------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("existing", "expected"),
    [
        ([], "us-east-11"),
        (["us-east-11"], "us-east-12"),
        (["us-east-12", "us-east-11", "us-east-19"], "us-east-110"),
        (["us-east-110"], "us-east-111"),
        (["eu-west-13", "us-east-2", "us-east-27"], "us-east-11"),  # other regions do not count
        (["us-east-1", "us-east-1x", "us-east-10", "us-east-1-5", "us-east-1٣"], "us-east-11"),  # nor odd kids
    ],
)
def test_next_kid(existing: list[str], expected: str) -> None:
    assert next_kid(REGION, existing) == expected


def test_next_kid_other_region() -> None:
    assert next_kid("ap-northeast-1", ["ap-northeast-14"]) == "ap-northeast-15"


# --- the first key ---------------------------------------------------------------------------------
def test_first_start_creates_one_active_key(store: FakeSigningKeyStore, sealer: Sealer, clock: FixedClock) -> None:
    ensure_signing_key(store, sealer, clock, REGION)
    ensure_signing_key(store, sealer, clock, REGION)
    [key] = store.list_signing_keys()
    assert key.active and key.kid == "us-east-11" and key.created_at == START
    assert load_keyring(store, sealer, clock).active_kid == "us-east-11"


@pytest.mark.catalogue("KR03", "F08")
def test_concurrent_first_starts_make_exactly_one_key(sealer: Sealer, clock: FixedClock) -> None:
    table = SigningKeyTable()  # every thread is a node with its own store handle on one database
    run_together(8, lambda: ensure_signing_key(FakeSigningKeyStore(table), sealer, clock, REGION))
    keys = FakeSigningKeyStore(table).list_signing_keys()
    assert len(keys) == 1 and keys[0].active


def test_no_active_key_is_an_error_for_load_keyring(store: FakeSigningKeyStore, sealer: Sealer, clock: FixedClock) -> None:
    with pytest.raises(NoActiveKey):
        load_keyring(store, sealer, clock)


# --- rotation ------------------------------------------------------------------------------------
@pytest.mark.catalogue("KR01")
def test_rotation_keeps_old_tokens_verifiable_until_verify_until(
    store: FakeSigningKeyStore, sealer: Sealer, clock: FixedClock
) -> None:
    ensure_signing_key(store, sealer, clock, REGION)
    old_ring = load_keyring(store, sealer, clock)
    clock.advance(5)  # signed on a node that has not seen the rotation yet: the worst case
    longest = old_ring.sign(claims(clock, exp=int(clock.now().timestamp()) + 86400))  # TokenDuration max
    old_token = old_ring.sign(claims(clock, exp=int(clock.now().timestamp()) + 3 * 86400))  # outlives the key
    clock.advance(-5)
    new_key = rotate(store, sealer, clock, REGION)
    assert new_key.kid == "us-east-12" and new_key.active

    ring = load_keyring(store, sealer, clock)
    assert ring.active_kid == "us-east-12" and ring.kids() == {"us-east-11", "us-east-12"}
    new_token = ring.sign(claims(clock))
    assert json.loads(base64.urlsafe_b64decode(new_token.split(".")[0] + "=="))["kid"] == "us-east-12"
    jwks = ring.jwks()
    assert {jwk["kid"] for jwk in jwks["keys"]} == {"us-east-11", "us-east-12"}
    assert all(not PRIVATE_MEMBERS & set(jwk) for jwk in jwks["keys"])

    [retired] = [key for key in store.list_signing_keys() if key.kid == "us-east-11"]
    assert not retired.active and retired.retired_at == clock.now()
    assert retired.verify_until == clock.now() + DEFAULT_OVERLAP
    clock.advance(86400 + 5 + 59)  # the longest token, at the end of its life and leeway
    assert load_keyring(store, sealer, clock).verify(longest, now=clock.now(), issuer=ISSUER)
    clock.set(retired.verify_until - dt.timedelta(seconds=1))
    assert ring.verify(old_token, now=clock.now(), issuer=ISSUER)["iss"] == ISSUER
    assert load_keyring(store, sealer, clock).verify(old_token, now=clock.now(), issuer=ISSUER)

    clock.set(retired.verify_until)
    with pytest.raises(TokenInvalid):  # the same ring stops trusting it on time
        ring.verify(old_token, now=clock.now(), issuer=ISSUER)
    assert ring.jwks(clock.now())["keys"][0]["kid"] == "us-east-12" and len(ring.jwks(clock.now())["keys"]) == 1
    fresh = load_keyring(store, sealer, clock)
    assert fresh.kids() == {"us-east-12"}
    with pytest.raises(UnknownKid):
        fresh.verify(old_token, now=clock.now(), issuer=ISSUER)


@pytest.mark.catalogue("KR01")
def test_default_overlap_outlives_the_longest_token() -> None:
    assert dt.timedelta(seconds=86400 + 60) <= DEFAULT_OVERLAP


def test_rotation_prunes_lapsed_keys(store: FakeSigningKeyStore, sealer: Sealer, clock: FixedClock) -> None:
    ensure_signing_key(store, sealer, clock, REGION)
    rotate(store, sealer, clock, REGION, overlap=dt.timedelta(hours=1))
    clock.advance(3600)
    rotate(store, sealer, clock, REGION, overlap=dt.timedelta(hours=1))
    assert [key.kid for key in store.list_signing_keys()] == ["us-east-13", "us-east-12"]


def test_rotation_with_no_key_creates_the_first(store: FakeSigningKeyStore, sealer: Sealer, clock: FixedClock) -> None:
    key = rotate(store, sealer, clock, REGION)
    assert key.kid == "us-east-11" and [k.kid for k in active_keys(store)] == ["us-east-11"]


def test_negative_overlap_is_refused(store: FakeSigningKeyStore, sealer: Sealer, clock: FixedClock) -> None:
    with pytest.raises(ValueError):
        rotate(store, sealer, clock, REGION, overlap=dt.timedelta(seconds=-1))


@pytest.mark.catalogue("KR03")
def test_concurrent_rotations_leave_exactly_one_active_key(sealer: Sealer, clock: FixedClock) -> None:
    table = SigningKeyTable()
    ensure_signing_key(FakeSigningKeyStore(table), sealer, clock, REGION)
    returned = run_together(6, lambda: rotate(FakeSigningKeyStore(table), sealer, clock, REGION))
    keys = FakeSigningKeyStore(table).list_signing_keys()
    [active] = [key for key in keys if key.active]
    assert len({key.kid for key in keys}) == len(keys) >= 2
    assert all(key.kid in {k.kid for k in keys} for key in returned)
    assert active.kid in {key.kid for key in returned}
    retired = [key for key in keys if not key.active]
    assert all(key.verify_until == clock.now() + DEFAULT_OVERLAP for key in retired)
    assert load_keyring(FakeSigningKeyStore(table), sealer, clock).kids() == {key.kid for key in keys}


# --- the cache ----------------------------------------------------------------------------------
def two_nodes(sealer: Sealer, clock: FixedClock) -> tuple[FakeSigningKeyStore, FakeSigningKeyStore]:
    table = SigningKeyTable()
    node_a, node_b = FakeSigningKeyStore(table), FakeSigningKeyStore(table)
    ensure_signing_key(node_a, sealer, clock, REGION)
    return node_a, node_b


@pytest.mark.catalogue("F07")
def test_cache_sees_a_rotation_by_another_node_within_refresh(sealer: Sealer, clock: FixedClock) -> None:
    node_a, node_b = two_nodes(sealer, clock)
    tick = FakeMonotonic()
    cache = KeyRingCache(node_a, sealer, clock, refresh=5.0, monotonic=tick)
    first = cache.get()
    assert first.active_kid == "us-east-11"
    rotate(node_b, sealer, clock, REGION)

    tick.value += 4.9
    assert cache.get() is first  # within the bound it may still be the old ring
    tick.value += 0.1
    ring = cache.get()
    assert ring.active_kid == "us-east-12" and ring.kids() == {"us-east-11", "us-east-12"}
    assert {jwk["kid"] for jwk in cache.jwks()["keys"]} == {"us-east-11", "us-east-12"}
    token = cache.sign(claims(clock))
    assert ring.verify(token, now=clock.now(), issuer=ISSUER)
    assert load_keyring(node_b, sealer, clock).verify(token, now=clock.now(), issuer=ISSUER)


def test_cache_keeps_the_ring_when_nothing_changed(sealer: Sealer, clock: FixedClock) -> None:
    node_a, _ = two_nodes(sealer, clock)
    tick = FakeMonotonic()
    cache = KeyRingCache(node_a, sealer, clock, refresh=5.0, monotonic=tick)
    first = cache.get()
    calls = node_a.list_calls
    tick.value += 5
    assert cache.get() is first and node_a.list_calls == calls + 1


@pytest.mark.catalogue("KR02")
def test_unknown_kid_reloads_at_once(sealer: Sealer, clock: FixedClock) -> None:
    node_a, node_b = two_nodes(sealer, clock)
    tick = FakeMonotonic()
    cache = KeyRingCache(node_a, sealer, clock, refresh=3600, monotonic=tick)
    rotate(node_b, sealer, clock, REGION)
    token = load_keyring(node_b, sealer, clock).sign(claims(clock))  # signed with the new kid on node B
    assert cache.verify(token, now=clock.now(), issuer=ISSUER)["iss"] == ISSUER
    assert cache.get().active_kid == "us-east-12"


def test_unknown_kid_reloads_are_rate_limited(sealer: Sealer, clock: FixedClock) -> None:
    node_a, node_b = two_nodes(sealer, clock)
    tick = FakeMonotonic()
    cache = KeyRingCache(node_a, sealer, clock, refresh=3600, unknown_kid_interval=1.0, monotonic=tick)
    rest = load_keyring(node_a, sealer, clock).sign(claims(clock)).split(".", 1)[1]
    bogus = segment({"kid": "us-east-99", "typ": "JWS", "alg": "RS512"}) + "." + rest
    calls = node_a.list_calls
    for _ in range(20):
        with pytest.raises(UnknownKid):
            cache.verify(bogus, now=clock.now(), issuer=ISSUER)
    assert node_a.list_calls == calls + 1

    rotate(node_b, sealer, clock, REGION)
    token = load_keyring(node_b, sealer, clock).sign(claims(clock))
    with pytest.raises(UnknownKid):  # inside the interval: no reload yet
        cache.verify(token, now=clock.now(), issuer=ISSUER)
    tick.value += 1.0
    assert cache.verify(token, now=clock.now(), issuer=ISSUER)
    assert node_a.list_calls == calls + 2


@pytest.mark.catalogue("KR04")
def test_emergency_removal_reaches_every_node_within_refresh(sealer: Sealer, clock: FixedClock) -> None:
    node_a, node_b = two_nodes(sealer, clock)
    tick = FakeMonotonic()
    cache = KeyRingCache(node_a, sealer, clock, refresh=5.0, monotonic=tick)
    compromised = cache.sign(claims(clock))
    rotate(node_b, sealer, clock, REGION, overlap=dt.timedelta(0))
    tick.value += 5
    with pytest.raises(UnknownKid):
        cache.verify(compromised, now=clock.now(), issuer=ISSUER)
    assert {jwk["kid"] for jwk in cache.jwks()["keys"]} == {"us-east-12"}


def test_cache_keeps_serving_while_the_store_is_down(sealer: Sealer, clock: FixedClock) -> None:
    node_a, _ = two_nodes(sealer, clock)
    tick = FakeMonotonic()
    cache = KeyRingCache(node_a, sealer, clock, refresh=5.0, monotonic=tick)
    token = cache.sign(claims(clock))
    node_a.unavailable = True
    tick.value += 10
    assert cache.get().active_kid == "us-east-11"
    assert cache.verify(token, now=clock.now(), issuer=ISSUER)
    node_a.unavailable = False
    tick.value += 10
    assert cache.get().active_kid == "us-east-11"


@pytest.mark.catalogue("F07")
def test_no_valid_token_fails_while_another_node_rotates(sealer: Sealer, clock: FixedClock) -> None:
    """F07 in one process: signers and verifiers on their own caches, rotations meanwhile."""
    table = SigningKeyTable()
    ensure_signing_key(FakeSigningKeyStore(table), sealer, clock, REGION)
    signer = KeyRingCache(FakeSigningKeyStore(table), sealer, clock, refresh=0.0)
    verifier = KeyRingCache(FakeSigningKeyStore(table), sealer, clock, refresh=3600, unknown_kid_interval=0.0)
    stop, flowing = threading.Event(), threading.Event()
    verified: list[str] = []
    failures: list[BaseException] = []

    def traffic() -> None:
        try:
            while not stop.is_set() or len(verified) < 60:
                token = signer.sign(claims(clock))
                verifier.verify(token, now=clock.now(), issuer=ISSUER)
                verified.append(token.split(".")[0])
                if len(verified) >= 10:
                    flowing.set()
        except BaseException as exc:
            failures.append(exc)
            flowing.set()

    workers = [threading.Thread(target=traffic) for _ in range(3)]
    for worker in workers:
        worker.start()
    try:
        assert flowing.wait(timeout=120)
        for _ in range(3):
            rotate(FakeSigningKeyStore(table), sealer, clock, REGION)
    finally:
        stop.set()
        for worker in workers:
            worker.join(timeout=120)
    assert failures == []
    assert signer.get().active_kid == "us-east-14"
    assert verifier.verify(signer.sign(claims(clock)), now=clock.now(), issuer=ISSUER)
    assert len(set(verified)) >= 2  # tokens under more than one kid went through


def test_ring_built_from_a_retired_key_without_verify_until_drops_it(
    sealer: Sealer, clock: FixedClock, signing_key: SigningKey
) -> None:
    retired = dataclasses.replace(signing_key, kid="us-east-10", active=False, verify_until=None)
    ring = KeyRing([signing_key, retired], sealer)
    assert ring.kids() == {"us-east-11"}
