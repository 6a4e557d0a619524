"""Temporary credentials at exact instants: GetCredentialsForIdentity's one hour (enhanced
flow) and AssumeRoleWithWebIdentity's DurationSeconds, enforced where every signed request
is authenticated: the credential chain's lookup of the key, then its principal check."""

from __future__ import annotations

import datetime as dt

import pytest

from idpool import errors
from idpool.app import Services
from idpool.auth import Principal
from idpool.clock import FixedClock
from idpool.identity_pools.credentials import IdentityCredentials
from idpool.model import IdentityPool
from idpool.sigv4 import Verified

from .fixed import ACCOUNT, DEVELOPER, REGION, WHOLE_START

SECOND = dt.timedelta(seconds=1)


def principal_at(services: Services, clock: FixedClock, at: dt.datetime, creds: IdentityCredentials) -> Principal:
    """What the endpoint does once a request signed with ``creds`` at ``at`` has a valid
    signature: look the key up by id and session token, then ask for its principal."""
    clock.set(at)
    secret = services.credentials.lookup(creds.access_key_id, creds.session_token)
    assert secret is not None and secret.secret_access_key == creds.secret_access_key
    return services.credentials.principal(Verified(creds.access_key_id, REGION, "sts", at, secret))


def test_enhanced_flow_credentials_expire_one_hour_after_the_whole_second_they_were_issued(
    services: Services, pool: IdentityPool, clock: FixedClock
) -> None:
    identity_id = services.identities.get_id(pool.pool_id, None)
    creds = services.enhanced.credentials_for_identity(identity_id, None, None)
    assert creds.expiration == WHOLE_START + dt.timedelta(hours=1)
    one_second_before = principal_at(services, clock, creds.expiration - SECOND, creds)
    assert one_second_before.kind == "assumed-role" and one_second_before.session_name == "CognitoIdentityCredentials"
    assert one_second_before.arn == f"arn:aws:sts::{ACCOUNT}:assumed-role/unauthenticated-role/CognitoIdentityCredentials"
    for refused in (creds.expiration, creds.expiration + SECOND):
        with pytest.raises(errors.ExpiredCredentials):
            principal_at(services, clock, refused, creds)


def test_developer_identity_credentials_follow_the_same_hour(
    services: Services, pool: IdentityPool, clock: FixedClock
) -> None:
    issued = services.identities.token_for_developer_identity(ACCOUNT, pool.pool_id, {DEVELOPER: "alice"})
    clock.advance(30)  # the app hands the token to the device, which asks half a minute later
    creds = services.enhanced.credentials_for_identity(issued.identity_id, {"cognito-identity.amazonaws.com": issued.token}, None)
    assert creds.expiration == WHOLE_START + dt.timedelta(seconds=30, hours=1)
    assert principal_at(services, clock, creds.expiration - SECOND, creds).name == "authenticated-role"
    with pytest.raises(errors.ExpiredCredentials):
        principal_at(services, clock, creds.expiration + SECOND, creds)


def test_assume_role_with_web_identity_credentials_last_duration_seconds(
    services: Services, pool: IdentityPool, clock: FixedClock
) -> None:
    token = services.identities.token_for_developer_identity(ACCOUNT, pool.pool_id, {DEVELOPER: "alice"}).token
    issued = services.sts.assume_role_with_web_identity(pool.roles["authenticated"], "short", token, duration=900).issued
    session = issued.session
    assert (session.issued_at, session.expires_at) == (WHOLE_START, WHOLE_START + dt.timedelta(seconds=900))
    creds = IdentityCredentials("", session.access_key_id, session.secret_access_key, issued.session_token,
                                session.expires_at)  # fmt: skip
    assert principal_at(services, clock, session.expires_at - SECOND, creds).session_name == "short"
    with pytest.raises(errors.ExpiredCredentials):
        principal_at(services, clock, session.expires_at + SECOND, creds)
