"""Guests of the enhanced flow are scoped down as AWS scopes them: even with a role that allows
everything they reach only the services Cognito lists for unauthenticated identities; the basic
flow and authenticated identities are not scoped down (issue #12 item 4)."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.api.support import COGNITO, DEV, allow, as_creds, code, name, new_pool, trust_for
from tests.support import client


@pytest.fixture
def open_roles(live: Any, cognito: Any) -> dict[str, Any]:
    """A pool whose guest and authenticated roles both allow every action on every resource."""
    iam = client(live, "iam")
    pool_id = new_pool(cognito, AllowUnauthenticatedIdentities=True, AllowClassicFlow=True)["IdentityPoolId"]
    roles = {}
    for kind in ("authenticated", "unauthenticated"):
        role = iam.create_role(RoleName=name(kind[:5]), AssumeRolePolicyDocument=trust_for(pool_id, kind))["Role"]
        iam.put_role_policy(RoleName=role["RoleName"], PolicyName="all", PolicyDocument=allow(["*"]))
        roles[kind] = role["Arn"]
    cognito.set_identity_pool_roles(IdentityPoolId=pool_id, Roles=roles)
    return {"pool_id": pool_id, "roles": roles}


def test_a_guest_with_an_allow_everything_role_cannot_call_iam(live: Any, public_cognito: Any,
                                                                open_roles: dict[str, Any]) -> None:
    pool_id = open_roles["pool_id"]
    identity_id = public_cognito.get_id(IdentityPoolId=pool_id)["IdentityId"]
    creds = public_cognito.get_credentials_for_identity(IdentityId=identity_id)["Credentials"]
    for call in (lambda: as_creds(live, "iam", creds).list_roles(),
                 lambda: as_creds(live, "sts", creds).assume_role(RoleArn=open_roles["roles"]["authenticated"],
                                                                  RoleSessionName="escape")):
        with pytest.raises(ClientError) as exc:
            call()
        assert code(exc) == "AccessDenied"
        assert "because no session policy allows" in exc.value.response["Error"]["Message"]
    # Cognito Identity is on the list: the role's grant stands
    assert as_creds(live, "cognito-identity", creds).describe_identity_pool(IdentityPoolId=pool_id)["IdentityPoolId"]


def test_the_basic_flow_and_authenticated_identities_are_not_scoped_down(
        live: Any, cognito: Any, public_cognito: Any, open_roles: dict[str, Any]) -> None:
    pool_id = open_roles["pool_id"]
    identity_id = public_cognito.get_id(IdentityPoolId=pool_id)["IdentityId"]
    guest_token = public_cognito.get_open_id_token(IdentityId=identity_id)["Token"]
    basic = client(live, "sts").assume_role_with_web_identity(
        RoleArn=open_roles["roles"]["unauthenticated"], RoleSessionName="basic", WebIdentityToken=guest_token)
    assert as_creds(live, "iam", basic["Credentials"]).list_roles(MaxItems=1)["Roles"] is not None
    token = cognito.get_open_id_token_for_developer_identity(IdentityPoolId=pool_id, Logins={DEV: name("u")})
    creds = cognito.get_credentials_for_identity(
        IdentityId=token["IdentityId"], Logins={COGNITO: token["Token"]})["Credentials"]
    assert as_creds(live, "iam", creds).list_roles(MaxItems=1)["Roles"] is not None
