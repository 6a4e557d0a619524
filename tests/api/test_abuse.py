"""Developer-identity abuse cases from the security catalogue (docs/SECURITY.md: D01-D09, J10-J12, A05)."""

from __future__ import annotations

import dataclasses
import json
from functools import partial
from typing import Any

import boto3
import pytest
from botocore import UNSIGNED
from botocore.config import Config
from botocore.exceptions import ClientError

from tests.api.support import as_creds, code, name, new_pool, trust_for

DEV = "login.example.app"
COGNITO = "cognito-identity.amazonaws.com"


@pytest.mark.catalogue("D03")
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


@pytest.mark.catalogue("J10", "J11")
def test_token_of_one_pool_or_identity_cannot_serve_another(cognito: Any, public_cognito: Any, setup: Any) -> None:
    other = new_pool(cognito, AllowUnauthenticatedIdentities=True)["IdentityPoolId"]
    foreign = cognito.get_open_id_token_for_developer_identity(IdentityPoolId=other, Logins={DEV: "f"})
    mine = cognito.get_open_id_token_for_developer_identity(IdentityPoolId=setup["pool_id"], Logins={DEV: "m"})
    for identity_id, token in ((mine["IdentityId"], foreign["Token"]),  # J10: aud of another pool
                               (foreign["IdentityId"], mine["Token"])):  # J11: sub of another identity
        with pytest.raises(ClientError) as exc:
            public_cognito.get_credentials_for_identity(IdentityId=identity_id, Logins={COGNITO: token})
        assert code(exc) == "NotAuthorizedException"


@pytest.mark.catalogue("J12")
def test_deleted_identity_gets_nothing(cognito: Any, public_cognito: Any, setup: Any) -> None:  # J12
    issued = cognito.get_open_id_token_for_developer_identity(IdentityPoolId=setup["pool_id"], Logins={DEV: "gone"})
    cognito.delete_identities(IdentityIdsToDelete=[issued["IdentityId"]])
    with pytest.raises(ClientError) as exc:
        public_cognito.get_credentials_for_identity(IdentityId=issued["IdentityId"], Logins={COGNITO: issued["Token"]})
    assert code(exc) == "ResourceNotFoundException"
    sts = boto3.client("sts", endpoint_url=public_cognito.meta.endpoint_url, region_name="us-east-1",
                       config=Config(signature_version=UNSIGNED))
    with pytest.raises(ClientError) as exc:  # stricter than AWS: STS checks the identity still exists
        sts.assume_role_with_web_identity(RoleArn=setup["roles"]["authenticated"], RoleSessionName="late",
                                          WebIdentityToken=issued["Token"])
    assert exc.value.response["Error"]["Code"] == "InvalidIdentityToken"


@pytest.mark.catalogue("J12")
def test_unlinked_developer_users_token_stops_working(cognito: Any, public_cognito: Any, setup: Any) -> None:
    issued = cognito.get_open_id_token_for_developer_identity(IdentityPoolId=setup["pool_id"], Logins={DEV: "ul"})
    cognito.unlink_developer_identity(IdentityId=issued["IdentityId"], IdentityPoolId=setup["pool_id"],
                                      DeveloperProviderName=DEV, DeveloperUserIdentifier="ul")
    with pytest.raises(ClientError) as exc:
        public_cognito.get_credentials_for_identity(IdentityId=issued["IdentityId"], Logins={COGNITO: issued["Token"]})
    assert code(exc) == "NotAuthorizedException"


@pytest.mark.catalogue("A05")
def test_custom_role_arn_must_be_offered(cognito: Any, public_cognito: Any, setup: Any) -> None:  # A05
    issued = cognito.get_open_id_token_for_developer_identity(IdentityPoolId=setup["pool_id"], Logins={DEV: "cr"})
    with pytest.raises(ClientError) as exc:
        public_cognito.get_credentials_for_identity(IdentityId=issued["IdentityId"], Logins={COGNITO: issued["Token"]},
                                                    CustomRoleArn="arn:aws:iam::123456789012:role/Admin")
    assert code(exc) == "NotAuthorizedException"


@pytest.mark.catalogue("D07")
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


@pytest.mark.catalogue("J14", "A05")
def test_a_guest_token_never_buys_the_authenticated_role(live: Any, cognito: Any, public_cognito: Any,
                                                          setup: Any) -> None:  # J14 (amr swap)
    """A guest passing its own GetOpenIdToken token in Logins is still a guest: the role
    follows the token's amr, whatever the roles' trust policies would let through."""
    pool_id, iam = setup["pool_id"], setup["iam"]
    lax = name("Lax")  # trusts the pool without looking at amr: only the role choice keeps guests out
    iam.create_role(RoleName=lax, AssumeRolePolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"Federated": COGNITO}, "Action": "sts:AssumeRoleWithWebIdentity",
        "Condition": {"StringEquals": {f"{COGNITO}:aud": pool_id}}}]}))
    lax_arn = f"arn:aws:iam::123456789012:role/{lax}"
    cognito.set_identity_pool_roles(IdentityPoolId=pool_id, Roles={
        "authenticated": lax_arn, "unauthenticated": setup["roles"]["unauthenticated"]})
    guest = public_cognito.get_id(IdentityPoolId=pool_id)["IdentityId"]
    token = public_cognito.get_open_id_token(IdentityId=guest)["Token"]

    creds = public_cognito.get_credentials_for_identity(IdentityId=guest, Logins={COGNITO: token})["Credentials"]
    me = as_creds(live, "sts", creds).get_caller_identity()
    assert me["Arn"].endswith(f":assumed-role/{setup['guest']}/CognitoIdentityCredentials")
    with pytest.raises(ClientError) as exc:  # nor can it ask for the authenticated role by name
        public_cognito.get_credentials_for_identity(IdentityId=guest, Logins={COGNITO: token}, CustomRoleArn=lax_arn)
    assert code(exc) == "NotAuthorizedException"

    # basic flow: the authenticated role's trust requires amr "authenticated"
    sts = boto3.client("sts", endpoint_url=live.url, region_name="us-east-1", config=Config(signature_version=UNSIGNED))
    with pytest.raises(ClientError) as exc:
        sts.assume_role_with_web_identity(RoleArn=setup["roles"]["authenticated"], RoleSessionName="swap",
                                          WebIdentityToken=token)
    assert code(exc) == "AccessDenied"

    # once the pool stops allowing guests, the guest's token buys nothing at all
    pool = cognito.describe_identity_pool(IdentityPoolId=pool_id)
    pool.pop("ResponseMetadata")
    cognito.update_identity_pool(**{**pool, "AllowUnauthenticatedIdentities": False})
    for call in (lambda: public_cognito.get_credentials_for_identity(IdentityId=guest, Logins={COGNITO: token}),
                 lambda: public_cognito.get_open_id_token(IdentityId=guest, Logins={COGNITO: token})):
        with pytest.raises(ClientError) as exc:
            call()
        assert code(exc) == "NotAuthorizedException"
        assert "Unauthenticated access is not supported" in exc.value.response["Error"]["Message"]


def _open_trusts(pool_id: str) -> list[str]:
    """Trust policies that would let a token of any identity pool assume the role."""
    def statement(principal: Any, condition: dict[str, Any] | None = None) -> str:
        body: dict[str, Any] = {"Effect": "Allow", "Principal": principal, "Action": "sts:AssumeRoleWithWebIdentity"}
        if condition:
            body["Condition"] = condition
        return json.dumps({"Version": "2012-10-17", "Statement": [body]})

    aud = f"{COGNITO}:aud"
    return [statement("*"), statement({"AWS": "*"}), statement({"Federated": "*"}),
            statement({"Federated": COGNITO}, {"StringLike": {aud: "us-east-1:*"}}),
            statement({"Federated": COGNITO}, {"StringLike": {aud: ["*-*", pool_id]}})]


@pytest.mark.catalogue("A04", "J10")
def test_a_trust_that_does_not_pin_aud_admits_no_other_pool(live: Any, cognito: Any, public_cognito: Any,
                                                             setup: Any) -> None:  # A04
    iam, pool_id = setup["iam"], setup["pool_id"]
    pinned = name("Pinned")
    iam.create_role(RoleName=pinned, AssumeRolePolicyDocument=trust_for(pool_id))
    for document in _open_trusts(pool_id):  # refused when written, as CreateRole and as UpdateAssumeRolePolicy
        for write in (partial(iam.create_role, RoleName=name("Open"), AssumeRolePolicyDocument=document),
                      partial(iam.update_assume_role_policy, RoleName=pinned, PolicyDocument=document)):
            with pytest.raises(ClientError) as exc:
                write()
            assert code(exc) == "MalformedPolicyDocument"
            assert f"{COGNITO}:aud" in exc.value.response["Error"]["Message"]

    # Roles stored by an idpool from before the rule (written straight to the store): they still
    # read back, but a token of another pool, or of any pool, assumes none of them.
    other = new_pool(cognito)["IdentityPoolId"]
    foreign = cognito.get_open_id_token_for_developer_identity(IdentityPoolId=other, Logins={DEV: "intruder"})
    own = cognito.get_open_id_token_for_developer_identity(IdentityPoolId=pool_id, Logins={DEV: "owner"})
    sts = boto3.client("sts", endpoint_url=live.url, region_name="us-east-1", config=Config(signature_version=UNSIGNED))
    for document in _open_trusts(pool_id):
        legacy = name("Legacy")
        iam.create_role(RoleName=legacy, AssumeRolePolicyDocument=trust_for(pool_id))
        live.services.store.update_role("123456789012", legacy, partial(dataclasses.replace, trust_policy=document))
        assert iam.get_role(RoleName=legacy)["Role"]["AssumeRolePolicyDocument"] == json.loads(document)
        arn = f"arn:aws:iam::123456789012:role/{legacy}"
        for token in (foreign["Token"], own["Token"]):
            with pytest.raises(ClientError) as exc:
                sts.assume_role_with_web_identity(RoleArn=arn, RoleSessionName="in", WebIdentityToken=token)
            assert code(exc) == "AccessDenied"
        cognito.set_identity_pool_roles(IdentityPoolId=other, Roles={"authenticated": arn})
        with pytest.raises(ClientError) as exc:
            public_cognito.get_credentials_for_identity(IdentityId=foreign["IdentityId"],
                                                        Logins={COGNITO: foreign["Token"]})
        assert code(exc) == "InvalidIdentityPoolConfigurationException"
