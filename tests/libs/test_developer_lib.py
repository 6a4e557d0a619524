"""idpool.developer against a real server: tokens, link, lookup, unlink and merge, typed
results, throttling retried, and errors that say what to fix."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import boto3
import pytest

from idpool.developer import AlreadyLinked, DeveloperIdentities, DeveloperIdentity, DeveloperIdentityError, Throttled
from tests.api.support import DEV, claims_of, name, new_pool
from tests.libs.support import ThrottlingFront, root_session, session_with, token_only_keys
from tests.support import LiveServer, client


@pytest.fixture(scope="module")
def pool_id(live: LiveServer) -> str:
    return str(new_pool(client(live, "cognito-identity"))["IdentityPoolId"])


@pytest.fixture
def kit(live: LiveServer, pool_id: str) -> DeveloperIdentities:
    return DeveloperIdentities(pool_id, DEV, endpoint_url=live.url, session=root_session())


def user() -> str:
    return name("user")


def test_token_for_a_user_is_typed_and_keeps_the_identity(kit: DeveloperIdentities, pool_id: str) -> None:
    alice = user()
    before = dt.datetime.now(dt.UTC)
    first = kit.token_for(alice, duration_seconds=600, principal_tags={"team": "blue"})
    assert before + dt.timedelta(seconds=599) <= first.expires_at <= dt.datetime.now(dt.UTC) + dt.timedelta(seconds=600)
    _, claims = claims_of(first.token)
    assert claims["sub"] == first.identity_id and claims["aud"] == pool_id
    assert claims["amr"] == ["authenticated", DEV, f"{DEV}:{pool_id}:{alice}"]
    assert claims["https://aws.amazon.com/tags"]["principal_tags"] == {"team": ["blue"]}
    assert claims["exp"] - claims["iat"] == 600
    assert kit.token_for(alice).identity_id == first.identity_id
    body = first.as_json()
    assert body == {"identityId": first.identity_id, "token": first.token, "expiresAt": body["expiresAt"]}
    assert dt.datetime.fromisoformat(body["expiresAt"]) == first.expires_at and body["expiresAt"].endswith("Z")
    json.dumps(body)  # what a backend sends its frontend


def test_link_lookup_unlink(kit: DeveloperIdentities) -> None:
    home, work = user(), user()
    identity = kit.token_for(home).identity_id
    assert kit.link(identity, work, duration_seconds=60).identity_id == identity
    expected = DeveloperIdentity(identity, tuple(sorted((home, work))))
    assert kit.lookup(user_id=work) == expected
    assert kit.lookup(identity_id=identity) == expected
    assert kit.lookup(user_id=home, identity_id=identity) == expected
    assert kit.lookup(user_id=user()) is None
    kit.unlink(identity, work)
    assert kit.lookup(identity_id=identity) == DeveloperIdentity(identity, (home,))
    assert kit.token_for(work).identity_id != identity  # unlinked: a new identity next time


def test_merge_moves_the_source_user_onto_the_destination(kit: DeveloperIdentities) -> None:
    source, destination = user(), user()
    kit.token_for(source)
    target = kit.token_for(destination).identity_id
    assert kit.merge(source, destination) == target
    found = kit.lookup(user_id=source)
    assert found is not None and found.identity_id == target and set(found.user_ids) == {source, destination}


def test_a_user_id_of_another_identity_cannot_be_linked(kit: DeveloperIdentities) -> None:
    taken, other = user(), user()
    kit.token_for(taken)
    with pytest.raises(AlreadyLinked) as exc:
        kit.link(kit.token_for(other).identity_id, taken)
    assert exc.value.code == "DeveloperUserAlreadyRegisteredException"
    assert f"User id {taken!r} belongs to another identity: unlink it there first" in str(exc.value)


def test_a_wrong_provider_name_is_named_with_the_pools_own(live: LiveServer, pool_id: str) -> None:
    wrong = DeveloperIdentities(pool_id, "login.typo.example", endpoint_url=live.url, session=root_session())
    with pytest.raises(DeveloperIdentityError) as exc:
        wrong.token_for(user())
    assert exc.value.code == "NotAuthorizedException"
    assert f"The pool's DeveloperProviderName is '{DEV}', not 'login.typo.example'" in str(exc.value)
    with pytest.raises(DeveloperIdentityError, match=f"pass developer_provider_name='{DEV}'"):
        wrong.merge(user(), user())


def test_least_privileged_backend_gets_advice_it_can_act_on(live: LiveServer, pool_id: str) -> None:
    keys = session_with(token_only_keys(live, pool_id))
    kit = DeveloperIdentities(pool_id, DEV, endpoint_url=live.url, session=keys)
    assert kit.token_for(user()).identity_id.startswith("us-east-1:")
    with pytest.raises(DeveloperIdentityError) as exc:
        kit.lookup(user_id=user())
    assert exc.value.code == "AccessDeniedException"
    assert f"Allow cognito-identity:LookupDeveloperIdentity on arn:aws:cognito-identity:us-east-1:<account>:identitypool/{pool_id}" in str(exc.value)
    wrong = DeveloperIdentities(pool_id, "login.typo.example", endpoint_url=live.url, session=keys)
    with pytest.raises(DeveloperIdentityError, match="must be the pool's DeveloperProviderName"):
        wrong.token_for(user())  # it may not describe the pool: the advice says where to look


def test_unknown_pool_keys_or_no_keys(live: LiveServer) -> None:
    missing = DeveloperIdentities("us-east-1:00000000-0000-4000-8000-000000000000", DEV, endpoint_url=live.url,
                                  session=root_session())
    with pytest.raises(DeveloperIdentityError, match=f"Check identity_pool_id.*endpoint {live.url}, region us-east-1"):
        missing.token_for(user())
    with pytest.raises(DeveloperIdentityError, match=f"Check identity_pool_id.*endpoint {live.url}"):
        missing.lookup(user_id=user())  # a missing pool is an error, not "no such user"
    strangers = boto3.session.Session(aws_access_key_id="AKIAUNKNOWNUNKNOWN00", aws_secret_access_key="x" * 40)
    with pytest.raises(DeveloperIdentityError, match="does not accept the backend's AWS credentials"):
        DeveloperIdentities(missing.identity_pool_id, DEV, endpoint_url=live.url, session=strangers).token_for("u")
    keyless = DeveloperIdentities(missing.identity_pool_id, DEV, endpoint_url=live.url)
    with pytest.raises(DeveloperIdentityError, match="the backend has no AWS credentials") as exc:
        keyless.token_for("u")
    assert exc.value.code == "NoCredentials"


def test_throttling_is_retried_then_reported(live: LiveServer, pool_id: str) -> None:
    once = ThrottlingFront(live.url, refuse=1)
    always = ThrottlingFront(live.url, refuse=None)
    try:
        kit = DeveloperIdentities(pool_id, DEV, endpoint_url=once.url, session=root_session(), max_attempts=3)
        assert kit.token_for(user()).token
        assert (once.refused, once.forwarded) == (1, 1)
        stubborn = DeveloperIdentities(pool_id, DEV, endpoint_url=always.url, session=root_session(), max_attempts=2)
        with pytest.raises(Throttled, match=r"still throttled after 2 attempts.*LookupDeveloperIdentity is meant"):
            stubborn.lookup(user_id=user())
        assert always.refused == 2 and always.forwarded == 0
    finally:
        once.close()
        always.close()


def test_without_an_endpoint_the_client_is_aws_own() -> None:
    kit = DeveloperIdentities("eu-west-1:0d3a3a1e-0000-4000-8000-000000000000", DEV, session=root_session())
    assert kit.client.meta.endpoint_url == "https://cognito-identity.eu-west-1.amazonaws.com"
    assert kit.client.meta.region_name == "eu-west-1"


def test_mistakes_are_named_before_any_call(kit: DeveloperIdentities) -> None:
    with pytest.raises(ValueError, match="'<region>:<guid>'"):
        DeveloperIdentities("not-a-pool-id", DEV)
    with pytest.raises(ValueError, match="lives in us-east-1, not in region_name=eu-west-1: pass region_name='us-east-1'"):
        DeveloperIdentities("us-east-1:0d3a3a1e-0000-4000-8000-000000000000", DEV, region_name="eu-west-1")
    with pytest.raises(ValueError, match="duration_seconds is 1 to 86400"):
        kit.token_for("u", duration_seconds=86_401)
    with pytest.raises(ValueError, match="lookup needs user_id= or identity_id="):
        kit.lookup()


def test_a_client_given_is_used_as_is(live: LiveServer, pool_id: str) -> None:
    own: Any = client(live, "cognito-identity")
    kit = DeveloperIdentities(pool_id, DEV, client=own)
    assert kit.client is own and kit.token_for(user()).identity_id.startswith("us-east-1:")
