"""Every signed call is authorized: a developer backend with least privilege (issue #3 item 3)."""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.api.support import allow, name, new_pool
from tests.support import client


def backend_user(live: Any, policy: str) -> tuple[Any, str, str]:
    iam = client(live, "iam")
    user_name = name("backend")
    iam.create_user(UserName=user_name)
    iam.put_user_policy(UserName=user_name, PolicyName="only-tokens", PolicyDocument=policy)
    key = iam.create_access_key(UserName=user_name)["AccessKey"]
    return iam, user_name, key


@pytest.mark.catalogue("A01")
def test_backend_user_may_only_mint_tokens_for_its_pool(live: Any, cognito: Any) -> None:
    pool_id = new_pool(cognito)["IdentityPoolId"]
    other_pool = new_pool(cognito)["IdentityPoolId"]
    arn = f"arn:aws:cognito-identity:us-east-1:123456789012:identitypool/{pool_id}"
    _, user_name, key = backend_user(live, allow(["cognito-identity:GetOpenIdTokenForDeveloperIdentity"], arn))
    backend = client(live, "cognito-identity", key=key["AccessKeyId"], secret=key["SecretAccessKey"])
    out = backend.get_open_id_token_for_developer_identity(IdentityPoolId=pool_id, Logins={"login.example.app": "al"})
    assert out["Token"]
    for call in (lambda: backend.get_open_id_token_for_developer_identity(
                     IdentityPoolId=other_pool, Logins={"login.example.app": "al"}),
                 lambda: backend.describe_identity_pool(IdentityPoolId=pool_id),
                 lambda: backend.delete_identity_pool(IdentityPoolId=pool_id)):
        with pytest.raises(ClientError) as exc:
            call()
        assert exc.value.response["Error"]["Code"] == "AccessDeniedException"
        assert f"user/{user_name} is not authorized to perform" in exc.value.response["Error"]["Message"]
    sts = client(live, "sts", key=key["AccessKeyId"], secret=key["SecretAccessKey"])
    me = sts.get_caller_identity()  # always allowed
    assert me["Arn"] == f"arn:aws:iam::123456789012:user/{user_name}"
    iam_as_user = client(live, "iam", key=key["AccessKeyId"], secret=key["SecretAccessKey"])
    with pytest.raises(ClientError) as exc:
        iam_as_user.create_role(RoleName=name("x"), AssumeRolePolicyDocument="{}")
    assert exc.value.response["Error"]["Code"] == "AccessDenied"


@pytest.mark.catalogue("A01", "A02", "S14")
def test_explicit_deny_wins_and_changes_apply_on_the_next_request(live: Any, cognito: Any) -> None:
    pool_id = new_pool(cognito)["IdentityPoolId"]
    iam, user_name, key = backend_user(live, allow(["cognito-identity:*"]))
    backend = client(live, "cognito-identity", key=key["AccessKeyId"], secret=key["SecretAccessKey"])
    assert backend.describe_identity_pool(IdentityPoolId=pool_id)["IdentityPoolId"] == pool_id
    iam.put_user_policy(UserName=user_name, PolicyName="deny", PolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Action": "cognito-identity:Describe*",
                                                "Resource": "*"}]}))
    with pytest.raises(ClientError) as exc:
        backend.describe_identity_pool(IdentityPoolId=pool_id)
    assert "explicit deny" in exc.value.response["Error"]["Message"]
    assert backend.list_identity_pools(MaxResults=1)["IdentityPools"] is not None


def pool_arn(pool_id: str) -> str:
    return f"arn:aws:cognito-identity:us-east-1:123456789012:identitypool/{pool_id}"


def as_user(live: Any, service: str, key: dict[str, str]) -> Any:
    return client(live, service, key=key["AccessKeyId"], secret=key["SecretAccessKey"])


@pytest.mark.catalogue("A01")
def test_delete_identities_is_authorized_on_each_identitys_pool(live: Any, cognito: Any) -> None:
    mine, theirs = new_pool(cognito)["IdentityPoolId"], new_pool(cognito)["IdentityPoolId"]
    ids = {pool: cognito.get_open_id_token_for_developer_identity(
        IdentityPoolId=pool, Logins={"login.example.app": f"u-{uuid.uuid4().hex}"})["IdentityId"] for pool in (mine, theirs)}
    _, _, key = backend_user(live, allow(["cognito-identity:DeleteIdentities"], pool_arn(mine)))
    backend = as_user(live, "cognito-identity", key)

    out = backend.delete_identities(IdentityIdsToDelete=[ids[mine], ids[theirs]])
    assert out["UnprocessedIdentityIds"] == [{"IdentityId": ids[theirs], "ErrorCode": "AccessDenied"}]
    with pytest.raises(ClientError):
        cognito.describe_identity(IdentityId=ids[mine])
    assert cognito.describe_identity(IdentityId=ids[theirs])["IdentityId"] == ids[theirs]

    with pytest.raises(ClientError) as exc:  # nothing it may delete: the whole call is denied
        backend.delete_identities(IdentityIdsToDelete=[ids[theirs]])
    assert exc.value.response["Error"]["Code"] == "AccessDeniedException"
    assert f"cognito-identity:DeleteIdentities on resource: {pool_arn(theirs)}" in exc.value.response["Error"]["Message"]
    assert cognito.describe_identity(IdentityId=ids[theirs])["IdentityId"] == ids[theirs]


@pytest.mark.catalogue("A01")
def test_set_identity_pool_roles_needs_pass_role_on_every_role(live: Any, cognito: Any) -> None:
    pool_id = new_pool(cognito)["IdentityPoolId"]
    allowed = "arn:aws:iam::123456789012:role/Passable"
    other = "arn:aws:iam::123456789012:role/Secret"
    _, _, key = backend_user(live, json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "cognito-identity:SetIdentityPoolRoles", "Resource": pool_arn(pool_id)},
        {"Effect": "Allow", "Action": "iam:PassRole", "Resource": allowed},
    ]}))
    backend = as_user(live, "cognito-identity", key)
    backend.set_identity_pool_roles(IdentityPoolId=pool_id, Roles={"authenticated": allowed})
    assert cognito.get_identity_pool_roles(IdentityPoolId=pool_id)["Roles"] == {"authenticated": allowed}

    for roles, mappings in (
        ({"authenticated": allowed, "unauthenticated": other}, {}),
        ({"authenticated": allowed}, {"login.example.app": {"Type": "Rules", "AmbiguousRoleResolution": "Deny",
            "RulesConfiguration": {"Rules": [{"Claim": "sub", "MatchType": "Equals", "Value": "x", "RoleARN": other}]}}}),
    ):
        with pytest.raises(ClientError) as exc:
            backend.set_identity_pool_roles(IdentityPoolId=pool_id, Roles=roles, RoleMappings=mappings)
        assert exc.value.response["Error"]["Code"] == "AccessDeniedException"
        assert f"is not authorized to perform: iam:PassRole on resource: {other}" in exc.value.response["Error"]["Message"]
    assert cognito.get_identity_pool_roles(IdentityPoolId=pool_id)["Roles"] == {"authenticated": allowed}


@pytest.mark.catalogue("A01")
def test_iam_and_sts_answer_access_denied_with_403(live: Any) -> None:
    _, _, key = backend_user(live, allow(["cognito-identity:DescribeIdentityPool"]))
    for call in (lambda: as_user(live, "iam", key).list_roles(),
                 lambda: as_user(live, "sts", key).assume_role(RoleArn="arn:aws:iam::123456789012:role/Nope",
                                                                RoleSessionName="session")):
        with pytest.raises(ClientError) as exc:
            call()
        assert exc.value.response["Error"]["Code"] == "AccessDenied"
        assert exc.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403
