"""Signing-key rotation at exact instants: the retired key keeps verifying (and stays in
the JWKS) until exactly its ``verify_until``, then is refused; the default overlap of
24 h 5 min outlives the longest token, and pruning waits for it.

Verification goes through a node whose key ring is current (``refresh=0``): how soon a
node notices a rotation (within 5 s) is the ring cache's own rule, tested in tests/keys.
"""

from __future__ import annotations

import datetime as dt

import pytest

from idpool import errors
from idpool.app import IssuerKeys, Services
from idpool.clock import FixedClock
from idpool.keys.errors import TokenExpired, TokenInvalid
from idpool.keys.rotation import DEFAULT_OVERLAP, KeyRingCache, rotate
from idpool.model import IdentityPool
from idpool.sts.service import StsService

from .fixed import ACCOUNT, DEVELOPER, REGION, START

SECOND = dt.timedelta(seconds=1)


@pytest.fixture
def current(services: Services, clock: FixedClock) -> IssuerKeys:
    """The keys of a node that reads the store on every call."""
    return IssuerKeys(KeyRingCache(services.store, services.sealer, clock, refresh=0), services.settings.issuer_url, clock)


def kids(keys: IssuerKeys) -> list[str]:
    return sorted(key["kid"] for key in keys.jwks()["keys"])


@pytest.mark.catalogue("KR01")
def test_a_retired_key_verifies_until_exactly_verify_until_then_not(
    services: Services, pool: IdentityPool, clock: FixedClock, current: IssuerKeys
) -> None:
    old_token = services.identities.token_for_developer_identity(
        ACCOUNT, pool.pool_id, {DEVELOPER: "alice"}, duration=86400
    ).token
    [old] = services.store.list_signing_keys()
    clock.advance(60)
    new = rotate(services.store, services.sealer, clock, REGION, overlap=dt.timedelta(minutes=10))
    verify_until = START + dt.timedelta(seconds=60, minutes=10)
    assert [(k.kid, k.active, k.retired_at, k.verify_until) for k in services.store.list_signing_keys()] == [
        (new.kid, True, None, None), (old.kid, False, START + dt.timedelta(seconds=60), verify_until),
    ]  # fmt: skip
    sts = StsService(services.store, clock, services.sealer, current)
    role = pool.roles["authenticated"]
    clock.set(verify_until - SECOND)
    assert current.verify(old_token, now=clock.now())["aud"] == pool.pool_id
    assert sts.assume_role_with_web_identity(role, "in-time", old_token).audience == pool.pool_id
    assert kids(current) == sorted([old.kid, new.kid])
    clock.set(verify_until)  # the token itself is good for another 23 h
    with pytest.raises(TokenInvalid):  # the ring no longer holds the key (UnknownKid is a TokenInvalid)
        current.verify(old_token, now=clock.now())
    with pytest.raises(errors.InvalidIdentityToken):
        sts.assume_role_with_web_identity(role, "too-late", old_token)
    assert kids(current) == [new.kid]


@pytest.mark.catalogue("KR01")
def test_the_default_overlap_outlives_the_longest_token(
    services: Services, pool: IdentityPool, clock: FixedClock, current: IssuerKeys
) -> None:
    clock.advance(3600)
    longest = services.identities.token_for_developer_identity(
        ACCOUNT, pool.pool_id, {DEVELOPER: "alice"}, duration=86400
    ).token
    rotated_at = clock.now()  # rotated the very instant the longest token was issued
    rotate(services.store, services.sealer, clock, REGION)
    retired = services.store.list_signing_keys()[1]
    assert retired.verify_until == rotated_at + DEFAULT_OVERLAP == rotated_at + dt.timedelta(hours=24, minutes=5)
    # The token's own expiry (exp + 60 s leeway) comes before its key's verify_until.
    exp = int(rotated_at.timestamp()) + 86400
    clock.set(dt.datetime.fromtimestamp(exp + 59, dt.UTC))
    assert current.verify(longest, now=clock.now())["exp"] == exp
    clock.set(dt.datetime.fromtimestamp(exp + 60, dt.UTC))
    with pytest.raises(TokenExpired):
        current.verify(longest, now=clock.now())


def test_a_rotation_prunes_only_keys_past_their_verify_until(services: Services, clock: FixedClock) -> None:
    first = services.store.list_signing_keys()[0]
    second = rotate(services.store, services.sealer, clock, REGION, overlap=dt.timedelta(hours=1))
    clock.advance(3600)  # exactly first's verify_until: not yet past
    third = rotate(services.store, services.sealer, clock, REGION, overlap=dt.timedelta(hours=1))
    assert [k.kid for k in services.store.list_signing_keys()] == [third.kid, second.kid, first.kid]
    clock.advance(1e-6)
    fourth = rotate(services.store, services.sealer, clock, REGION, overlap=dt.timedelta(hours=1))
    assert [k.kid for k in services.store.list_signing_keys()] == [fourth.kid, third.kid, second.kid]
