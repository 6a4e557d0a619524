"""Developer-identity abuse cases from the security catalogue (docs/SECURITY.md: D01-D09, J10-J12, A05)."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.api.test_credentials import setup  # noqa: F401 - fixture
from tests.api.test_pools import code, new_pool

DEV = "login.example.app"
COGNITO = "cognito-identity.amazonaws.com"


def test_identity_of_another_pool_is_never_linked(cognito: Any) -> None:  # D03
    a = new_pool(cognito)["IdentityPoolId"]
    b = new_pool(cognito)["IdentityPoolId"]
    in_a = cognito.get_open_id_token_for_developer_identity(IdentityPoolId=a, Logins={DEV: "p1"})["IdentityId"]
    with pytest.raises(ClientError) as exc:
        cognito.get_open_id_token_for_developer_identity(IdentityPoolId=b, IdentityId=in_a, Logins={DEV: "p2"})
    assert code(exc) == "InvalidParameterException"
    with pytest.raises(ClientError) as exc:
        cognito.lookup_developer_identity(IdentityPoolId=b, DeveloperUserIdentifier="p2")
    assert code(exc) == "ResourceNotFoundException"  # nothing was created in b either
    with pytest.raises(ClientError) as exc:
        cognito.unlink_developer_identity(IdentityId=in_a, IdentityPoolId=b, DeveloperProviderName=DEV,
                                          DeveloperUserIdentifier="p1")
    assert code(exc) == "InvalidParameterException"


def test_token_of_one_pool_or_identity_cannot_serve_another(cognito: Any, public_cognito: Any, setup: Any) -> None:
    other = new_pool(cognito, AllowUnauthenticatedIdentities=True)["IdentityPoolId"]
    foreign = cognito.get_open_id_token_for_developer_identity(IdentityPoolId=other, Logins={DEV: "f"})
    mine = cognito.get_open_id_token_for_developer_identity(IdentityPoolId=setup["pool_id"], Logins={DEV: "m"})
    for identity_id, token in ((mine["IdentityId"], foreign["Token"]),  # J10: aud of another pool
                               (foreign["IdentityId"], mine["Token"])):  # J11: sub of another identity
        with pytest.raises(ClientError) as exc:
            public_cognito.get_credentials_for_identity(IdentityId=identity_id, Logins={COGNITO: token})
        assert code(exc) == "NotAuthorizedException"


def test_deleted_identity_gets_nothing(cognito: Any, public_cognito: Any, setup: Any) -> None:  # J12
    issued = cognito.get_open_id_token_for_developer_identity(IdentityPoolId=setup["pool_id"], Logins={DEV: "gone"})
    cognito.delete_identities(IdentityIdsToDelete=[issued["IdentityId"]])
    with pytest.raises(ClientError) as exc:
        public_cognito.get_credentials_for_identity(IdentityId=issued["IdentityId"], Logins={COGNITO: issued["Token"]})
    assert code(exc) == "ResourceNotFoundException"
    import boto3
    from botocore import UNSIGNED
    from botocore.config import Config

    sts = boto3.client("sts", endpoint_url=public_cognito.meta.endpoint_url, region_name="us-east-1",
                       config=Config(signature_version=UNSIGNED))
    with pytest.raises(ClientError) as exc:  # stricter than AWS: STS checks the identity still exists
        sts.assume_role_with_web_identity(RoleArn=setup["roles"]["authenticated"], RoleSessionName="late",
                                          WebIdentityToken=issued["Token"])
    assert exc.value.response["Error"]["Code"] == "InvalidIdentityToken"


def test_unlinked_developer_users_token_stops_working(cognito: Any, public_cognito: Any, setup: Any) -> None:
    issued = cognito.get_open_id_token_for_developer_identity(IdentityPoolId=setup["pool_id"], Logins={DEV: "ul"})
    cognito.unlink_developer_identity(IdentityId=issued["IdentityId"], IdentityPoolId=setup["pool_id"],
                                      DeveloperProviderName=DEV, DeveloperUserIdentifier="ul")
    with pytest.raises(ClientError) as exc:
        public_cognito.get_credentials_for_identity(IdentityId=issued["IdentityId"], Logins={COGNITO: issued["Token"]})
    assert code(exc) == "NotAuthorizedException"


def test_custom_role_arn_must_be_offered(cognito: Any, public_cognito: Any, setup: Any) -> None:  # A05
    issued = cognito.get_open_id_token_for_developer_identity(IdentityPoolId=setup["pool_id"], Logins={DEV: "cr"})
    with pytest.raises(ClientError) as exc:
        public_cognito.get_credentials_for_identity(IdentityId=issued["IdentityId"], Logins={COGNITO: issued["Token"]},
                                                    CustomRoleArn="arn:aws:iam::123456789012:role/Admin")
    assert code(exc) == "NotAuthorizedException"


def test_guest_replay_of_an_authenticated_identity(cognito: Any, public_cognito: Any, setup: Any) -> None:  # D07
    issued = cognito.get_open_id_token_for_developer_identity(IdentityPoolId=setup["pool_id"], Logins={DEV: "gr"})
    with pytest.raises(ClientError) as exc:
        public_cognito.get_credentials_for_identity(IdentityId=issued["IdentityId"])
    assert code(exc) == "NotAuthorizedException"


def test_role_mapping_rules_on_principal_tags(live: Any, cognito: Any, public_cognito: Any, setup: Any) -> None:
    """An idpool extension: RoleMappings keyed by the developer provider, rules over the token's tags."""
    pool_id = setup["pool_id"]
    cognito.set_identity_pool_roles(IdentityPoolId=pool_id, Roles=setup["roles"], RoleMappings={DEV: {
        "Type": "Rules", "AmbiguousRoleResolution": "Deny", "RulesConfiguration": {"Rules": [
            {"Claim": "dept", "MatchType": "Equals", "Value": "eng", "RoleARN": setup["roles"]["authenticated"]}]}}})
    eng = cognito.get_open_id_token_for_developer_identity(IdentityPoolId=pool_id, Logins={DEV: "rm1"},
                                                           PrincipalTags={"dept": "eng"})
    creds = public_cognito.get_credentials_for_identity(IdentityId=eng["IdentityId"], Logins={COGNITO: eng["Token"]})
    assert creds["Credentials"]["AccessKeyId"].startswith("ASIA")
    ops = cognito.get_open_id_token_for_developer_identity(IdentityPoolId=pool_id, Logins={DEV: "rm2"},
                                                           PrincipalTags={"dept": "ops"})
    with pytest.raises(ClientError) as exc:  # no rule matches and AmbiguousRoleResolution is Deny
        public_cognito.get_credentials_for_identity(IdentityId=ops["IdentityId"], Logins={COGNITO: ops["Token"]})
    assert code(exc) == "NotAuthorizedException"
