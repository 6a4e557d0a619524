"""The example app's tests, against a real idpool set up by idpool.yaml (see pytest.ini)."""

from __future__ import annotations

import jwt
import pytest
from app import PROVIDER, Backend, frontend_session, role_of
from botocore.exceptions import ClientError


def test_a_user_keeps_one_identity(idpool_env):
    backend = Backend()
    assert backend.sign_in("alice").identity_id == backend.sign_in("alice").identity_id
    assert backend.sign_in("bob").identity_id != backend.sign_in("alice").identity_id


def test_the_token_verifies_against_the_published_keys(idpool, idpool_env):
    backend = Backend()
    signed_in = backend.sign_in("alice")
    keys = jwt.PyJWKClient(f"{idpool.endpoint_url}/.well-known/jwks_uri")
    claims = jwt.decode(signed_in.token, keys.get_signing_key_from_jwt(signed_in.token).key, algorithms=["RS512"],
                        audience=backend.pool_id)
    assert claims["sub"] == signed_in.identity_id
    assert claims["amr"] == ["authenticated", PROVIDER, f"{PROVIDER}:{backend.pool_id}:alice"]


def test_the_plan_picks_the_role(idpool_env):
    backend = Backend()
    assert role_of(frontend_session(backend.sign_in("carol", plan="pro"))) == "MyApp_Pro_Role"
    assert role_of(frontend_session(backend.sign_in("dave"))) == "MyApp_Auth_Role"


def test_the_role_limits_what_the_frontend_may_do(idpool_env):
    backend = Backend()
    cognito = frontend_session(backend.sign_in("erin")).client("cognito-identity")
    assert cognito.describe_identity_pool(IdentityPoolId=backend.pool_id)["IdentityPoolName"] == "MyApp"
    with pytest.raises(ClientError) as denied:
        cognito.list_identity_pools(MaxResults=5)
    assert denied.value.response["Error"]["Code"] == "AccessDeniedException"


@pytest.mark.idpool(bootstrap="idpool.yaml")  # this test deletes: it gets a server of its own
def test_a_deleted_identity_starts_over(idpool, idpool_env):
    backend = Backend()
    first = backend.sign_in("frank")
    backend.cognito.delete_identities(IdentityIdsToDelete=[first.identity_id])
    assert backend.sign_in("frank").identity_id != first.identity_id
