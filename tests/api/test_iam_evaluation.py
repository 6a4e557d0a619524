"""Managed policies, permissions boundaries and session policies decide real calls, with the
one evaluator every signed request goes through (issue #12 items 1 and 2)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.api.support import ACCOUNT, COGNITO, DEV, allow, as_creds, code, name, new_pool
from tests.support import client

AWS_DEV = "arn:aws:iam::aws:policy/AmazonCognitoDeveloperAuthenticatedIdentities"
AWS_READ_ONLY = "arn:aws:iam::aws:policy/AmazonCognitoReadOnly"


def user_with_key(live: Any) -> tuple[str, Any]:
    iam = client(live, "iam")
    user_name = name("backend")
    iam.create_user(UserName=user_name)
    key = iam.create_access_key(UserName=user_name)["AccessKey"]
    return user_name, key


def as_key(live: Any, service: str, key: dict[str, str]) -> Any:
    return client(live, service, key=key["AccessKeyId"], secret=key["SecretAccessKey"])


def message(exc: pytest.ExceptionInfo[ClientError]) -> str:
    return str(exc.value.response["Error"]["Message"])


def test_an_attached_aws_managed_policy_grants_and_detaching_revokes(live: Any, cognito: Any) -> None:
    iam = client(live, "iam")
    pool_id = new_pool(cognito)["IdentityPoolId"]
    user_name, key = user_with_key(live)
    backend = as_key(live, "cognito-identity", key)
    with pytest.raises(ClientError) as exc:
        backend.get_open_id_token_for_developer_identity(IdentityPoolId=pool_id, Logins={DEV: "ann"})
    assert "because no identity-based policy allows" in message(exc)
    iam.attach_user_policy(UserName=user_name, PolicyArn=AWS_DEV)
    assert backend.get_open_id_token_for_developer_identity(IdentityPoolId=pool_id, Logins={DEV: "ann"})["Token"]
    with pytest.raises(ClientError):  # the policy grants developer calls only
        backend.describe_identity_pool(IdentityPoolId=pool_id)
    iam.detach_user_policy(UserName=user_name, PolicyArn=AWS_DEV)
    with pytest.raises(ClientError) as exc:  # the next request sees the change
        backend.get_open_id_token_for_developer_identity(IdentityPoolId=pool_id, Logins={DEV: "ann"})
    assert code(exc) == "AccessDeniedException"


def test_the_default_version_decides(live: Any, cognito: Any) -> None:
    iam = client(live, "iam")
    pool_id = new_pool(cognito)["IdentityPoolId"]
    user_name, key = user_with_key(live)
    arn = iam.create_policy(PolicyName=name("Pools"), PolicyDocument=allow(["cognito-identity:ListIdentityPools"]))[
        "Policy"]["Arn"]
    iam.attach_user_policy(UserName=user_name, PolicyArn=arn)
    backend = as_key(live, "cognito-identity", key)
    assert "IdentityPools" in backend.list_identity_pools(MaxResults=5)
    iam.create_policy_version(PolicyArn=arn, PolicyDocument=allow(["cognito-identity:DescribeIdentityPool"]))
    assert "IdentityPools" in backend.list_identity_pools(MaxResults=5)  # v2 is not the default yet
    iam.set_default_policy_version(PolicyArn=arn, VersionId="v2")
    assert backend.describe_identity_pool(IdentityPoolId=pool_id)["IdentityPoolId"] == pool_id
    with pytest.raises(ClientError):
        backend.list_identity_pools(MaxResults=5)


def test_a_permissions_boundary_limits_an_administrator(live: Any, cognito: Any) -> None:
    iam = client(live, "iam")
    pool_id = new_pool(cognito)["IdentityPoolId"]
    user_name, key = user_with_key(live)
    iam.attach_user_policy(UserName=user_name, PolicyArn="arn:aws:iam::aws:policy/AdministratorAccess")
    as_admin_iam = as_key(live, "iam", key)
    assert as_admin_iam.list_roles(MaxItems=1)["Roles"] is not None
    iam.put_user_permissions_boundary(UserName=user_name, PermissionsBoundary=AWS_READ_ONLY)
    user = iam.get_user(UserName=user_name)["User"]
    assert user["PermissionsBoundary"] == {"PermissionsBoundaryType": "Policy", "PermissionsBoundaryArn": AWS_READ_ONLY}
    assert as_key(live, "cognito-identity", key).describe_identity_pool(IdentityPoolId=pool_id)["IdentityPoolId"]
    with pytest.raises(ClientError) as exc:
        as_admin_iam.create_user(UserName=name("sneaky"))
    assert code(exc) == "AccessDenied"
    assert "because no permissions boundary allows the iam:CreateUser action" in message(exc)
    with pytest.raises(ClientError) as exc:  # a boundary in use cannot be a deleted policy
        iam.delete_policy(PolicyArn=AWS_READ_ONLY)
    iam.delete_user_permissions_boundary(UserName=user_name)
    assert "PermissionsBoundary" not in iam.get_user(UserName=user_name)["User"]
    assert as_admin_iam.list_roles(MaxItems=1)["Roles"] is not None


def test_a_role_created_with_a_boundary_and_managed_policies_in_the_enhanced_flow(live: Any, cognito: Any) -> None:
    iam = client(live, "iam")
    pool_id = new_pool(cognito)["IdentityPoolId"]
    boundary = iam.create_policy(PolicyName=name("OnlyDescribe"), PolicyDocument=allow(
        ["cognito-identity:DescribeIdentityPool", "cognito-identity:ListIdentityPools"]))["Policy"]["Arn"]
    trust = json.dumps({"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"Federated": COGNITO}, "Action": "sts:AssumeRoleWithWebIdentity",
        "Condition": {"StringEquals": {f"{COGNITO}:aud": pool_id}}}]})
    role = iam.create_role(RoleName=name("Auth"), AssumeRolePolicyDocument=trust, PermissionsBoundary=boundary)["Role"]
    assert role["PermissionsBoundary"]["PermissionsBoundaryArn"] == boundary
    iam.attach_role_policy(RoleName=role["RoleName"], PolicyArn=AWS_READ_ONLY)
    cognito.set_identity_pool_roles(IdentityPoolId=pool_id, Roles={"authenticated": role["Arn"]})
    token = cognito.get_open_id_token_for_developer_identity(IdentityPoolId=pool_id, Logins={DEV: "kim"})
    creds = cognito.get_credentials_for_identity(
        IdentityId=token["IdentityId"], Logins={COGNITO: token["Token"]})["Credentials"]
    user_cognito = as_creds(live, "cognito-identity", creds)
    assert user_cognito.describe_identity_pool(IdentityPoolId=pool_id)["IdentityPoolId"] == pool_id  # both allow
    with pytest.raises(ClientError) as exc:  # read-only allows it, the boundary does not
        user_cognito.get_identity_pool_roles(IdentityPoolId=pool_id)
    assert "no permissions boundary allows" in message(exc)


def test_session_policy_arns_on_assume_role_and_web_identity(live: Any, cognito: Any) -> None:
    iam, sts = client(live, "iam"), client(live, "sts")
    pool_id = new_pool(cognito)["IdentityPoolId"]
    only_list = iam.create_policy(PolicyName=name("OnlyList"), PolicyDocument=allow(
        ["cognito-identity:ListIdentityPools"]))["Policy"]["Arn"]
    trust = json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"}, "Action": "sts:AssumeRole"},
        {"Effect": "Allow", "Principal": {"Federated": COGNITO}, "Action": "sts:AssumeRoleWithWebIdentity",
         "Condition": {"StringEquals": {f"{COGNITO}:aud": pool_id}}}]})
    role = iam.create_role(RoleName=name("Worker"), AssumeRolePolicyDocument=trust)["Role"]
    iam.attach_role_policy(RoleName=role["RoleName"], PolicyArn=AWS_READ_ONLY)
    assumed = sts.assume_role(RoleArn=role["Arn"], RoleSessionName="narrow", PolicyArns=[{"arn": only_list}])
    assert assumed["PackedPolicySize"] > 0
    narrow = as_creds(live, "cognito-identity", assumed["Credentials"])
    assert "IdentityPools" in narrow.list_identity_pools(MaxResults=5)
    with pytest.raises(ClientError) as exc:
        narrow.describe_identity_pool(IdentityPoolId=pool_id)
    assert "because no session policy allows the cognito-identity:DescribeIdentityPool action" in message(exc)
    token = cognito.get_open_id_token_for_developer_identity(IdentityPoolId=pool_id, Logins={DEV: "lee"})["Token"]
    web = client(live, "sts").assume_role_with_web_identity(
        RoleArn=role["Arn"], RoleSessionName="web", WebIdentityToken=token, PolicyArns=[{"arn": only_list}])
    with pytest.raises(ClientError):
        as_creds(live, "cognito-identity", web["Credentials"]).describe_identity_pool(IdentityPoolId=pool_id)
    missing = f"arn:aws:iam::{ACCOUNT}:policy/{name('Nope')}"
    with pytest.raises(ClientError) as exc:
        sts.assume_role(RoleArn=role["Arn"], RoleSessionName="bad", PolicyArns=[{"arn": missing}])
    assert (code(exc), message(exc)) == ("ValidationError", f"Policy {missing} does not exist or is not attachable.")
