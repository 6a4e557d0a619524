"""OpenID token lifetimes at exact instants: GetOpenIdTokenForDeveloperIdentity's
TokenDuration (default 900 s), GetOpenIdToken's 10 minutes, and how long STS and the
public operations accept a token (its ``exp`` plus the 60 s verification leeway)."""

from __future__ import annotations

import datetime as dt

import pytest

from idpool import errors
from idpool.app import Services
from idpool.clock import FixedClock
from idpool.model import IdentityPool
from idpool.wellknown import COGNITO_IDENTITY

from .fixed import ACCOUNT, DEVELOPER, START, WHOLE_START, claims_of

LEEWAY = dt.timedelta(seconds=60)  # docs/DEPLOYMENT.md: tokens are checked with 60 s leeway


def epoch(at: dt.datetime) -> int:
    return int(at.timestamp())


def at_epoch(seconds: int) -> dt.datetime:
    return dt.datetime.fromtimestamp(seconds, dt.UTC)


@pytest.mark.parametrize("duration, lifetime", [(None, 900), (1, 1), (3600, 3600), (86400, 86400)])
def test_a_developer_token_lives_token_duration_seconds_from_the_whole_second_it_was_issued(
    services: Services, pool: IdentityPool, duration: int | None, lifetime: int
) -> None:
    issued = services.identities.token_for_developer_identity(
        ACCOUNT, pool.pool_id, {DEVELOPER: "alice"}, duration=duration
    )
    claims = claims_of(services, issued.token, START)
    assert claims["iat"] == epoch(WHOLE_START) == epoch(START)  # 12:00:00.25 counts as 12:00:00
    assert claims["exp"] == epoch(WHOLE_START) + lifetime
    assert (claims["sub"], claims["aud"], claims["iss"]) == (issued.identity_id, pool.pool_id, services.settings.issuer_url)


def test_get_open_id_token_lives_exactly_ten_minutes(services: Services, pool: IdentityPool, clock: FixedClock) -> None:
    identity_id = services.identities.get_id(pool.pool_id, None)
    clock.advance(42.5)
    token = services.identities.get_open_id_token(identity_id, None).token
    claims = claims_of(services, token, clock.now())
    assert claims["iat"] == epoch(START) + 42  # the guest asked at 12:00:42.75
    assert claims["exp"] == claims["iat"] + 600
    assert claims["amr"] == ["unauthenticated"]


@pytest.mark.catalogue("J08")
def test_sts_takes_a_developer_token_until_exp_plus_the_leeway_and_not_a_second_longer(
    services: Services, pool: IdentityPool, clock: FixedClock
) -> None:
    token = services.identities.token_for_developer_identity(ACCOUNT, pool.pool_id, {DEVELOPER: "alice"}, duration=900).token
    exp = at_epoch(claims_of(services, token, START)["exp"])
    role = pool.roles["authenticated"]
    clock.set(exp + LEEWAY - dt.timedelta(seconds=1))
    result = services.sts.assume_role_with_web_identity(role, "last-second", token)
    assert result.subject == claims_of(services, token, clock.now())["sub"]
    clock.set(exp + LEEWAY)
    with pytest.raises(errors.ExpiredToken):
        services.sts.assume_role_with_web_identity(role, "too-late", token)


@pytest.mark.catalogue("J08")
def test_a_guest_token_is_a_login_until_exp_plus_the_leeway(
    services: Services, pool: IdentityPool, clock: FixedClock
) -> None:
    identity_id = services.identities.get_id(pool.pool_id, None)
    token = services.identities.get_open_id_token(identity_id, None).token
    logins = {COGNITO_IDENTITY: token}
    clock.set(WHOLE_START + dt.timedelta(seconds=600) + LEEWAY - dt.timedelta(seconds=1))
    assert services.identities.get_open_id_token(identity_id, logins).identity_id == identity_id
    clock.advance(1)
    with pytest.raises(errors.NotAuthorized, match="Token expired"):
        services.identities.get_open_id_token(identity_id, logins)
    with pytest.raises(errors.NotAuthorized, match="Token expired"):
        services.enhanced.credentials_for_identity(identity_id, logins, None)
