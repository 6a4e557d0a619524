"""IAM over the Query protocol, through boto3 (the seed's "set up IAM roles" step)."""

from __future__ import annotations

import json
import logging
from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.api.support import ACCOUNT, allow, code, name, trust_for
from tests.support import client


@pytest.fixture
def iam(live: Any) -> Any:
    return client(live, "iam")


@pytest.mark.catalogue("I03")
def test_role_lifecycle(iam: Any) -> None:
    role_name = name("Auth")
    trust = trust_for("us-east-1:11111111-2222-3333-4444-555555555555")
    role = iam.create_role(RoleName=role_name, AssumeRolePolicyDocument=trust, Description="app users",
                           Tags=[{"Key": "team", "Value": "blue"}])["Role"]
    assert role["Arn"] == f"arn:aws:iam::{ACCOUNT}:role/{role_name}"
    assert role["RoleId"].startswith("AROA")
    assert role["AssumeRolePolicyDocument"] == json.loads(trust)  # botocore URL-decodes and parses it
    got = iam.get_role(RoleName=role_name.upper())["Role"]  # names are case-insensitive
    assert got["RoleName"] == role_name and got["MaxSessionDuration"] == 3600
    with pytest.raises(ClientError) as exc:
        iam.create_role(RoleName=role_name.lower(), AssumeRolePolicyDocument=trust)
    assert code(exc) == "EntityAlreadyExists"
    iam.update_role(RoleName=role_name, MaxSessionDuration=7200, Description="changed")
    assert iam.get_role(RoleName=role_name)["Role"]["MaxSessionDuration"] == 7200
    iam.tag_role(RoleName=role_name, Tags=[{"Key": "env", "Value": "dev"}])
    iam.untag_role(RoleName=role_name, TagKeys=["team"])
    assert iam.list_role_tags(RoleName=role_name)["Tags"] == [{"Key": "env", "Value": "dev"}]
    iam.put_role_policy(RoleName=role_name, PolicyName="p1", PolicyDocument=allow(["sts:GetCallerIdentity"]))
    assert iam.list_role_policies(RoleName=role_name)["PolicyNames"] == ["p1"]
    assert iam.get_role_policy(RoleName=role_name, PolicyName="p1")["PolicyDocument"]["Statement"][0]["Effect"] == "Allow"
    with pytest.raises(ClientError) as exc:
        iam.delete_role(RoleName=role_name)
    assert code(exc) == "DeleteConflict"
    iam.delete_role_policy(RoleName=role_name, PolicyName="p1")
    iam.delete_role(RoleName=role_name)
    with pytest.raises(ClientError) as exc:
        iam.get_role(RoleName=role_name)
    assert code(exc) == "NoSuchEntity"
    assert exc.value.response["ResponseMetadata"]["HTTPStatusCode"] == 404


def test_policy_documents_are_validated(iam: Any) -> None:
    with pytest.raises(ClientError) as exc:  # trusts every identity pool: AWS refuses it
        iam.create_role(RoleName=name("Open"), AssumeRolePolicyDocument=json.dumps({
            "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {
                "Federated": "cognito-identity.amazonaws.com"}, "Action": "sts:AssumeRoleWithWebIdentity"}]}))
    assert code(exc) == "MalformedPolicyDocument"
    role_name = name("R")
    iam.create_role(RoleName=role_name, AssumeRolePolicyDocument=trust_for("us-east-1:11111111-2222-3333-4444-555555555555"))
    # IAM's exact words (clients match them); what is wrong and where goes to the log
    for bad, message in (("{not json", "Syntax errors in policy."),
                         (json.dumps({"Version": "2012-10-17", "Statement": [{"Action": "s3:*", "Resource": "*"}]}),
                          "Syntax errors in policy."),
                         (json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*"}]}),
                          "Policy statement must contain resources.")):
        with pytest.raises(ClientError) as exc:
            iam.put_role_policy(RoleName=role_name, PolicyName="bad", PolicyDocument=bad)
        assert code(exc) == "MalformedPolicyDocument"
        assert exc.value.response["Error"]["Message"] == message
    with pytest.raises(ClientError) as exc:
        iam.update_assume_role_policy(RoleName=role_name, PolicyDocument=allow(["s3:GetObject"]))
    assert code(exc) == "MalformedPolicyDocument"


def test_list_roles_pages(iam: Any) -> None:
    made = {name("Pg") for _ in range(5)}
    for role_name in made:
        iam.create_role(RoleName=role_name, AssumeRolePolicyDocument=trust_for("us-east-1:11111111-2222-3333-4444-555555555555"))
    seen = [r["RoleName"] for page in iam.get_paginator("list_roles").paginate(PaginationConfig={"PageSize": 2})
            for r in page["Roles"]]
    assert made <= set(seen) and len(seen) == len(set(seen))


@pytest.mark.catalogue("S16")
def test_users_policies_and_access_keys(iam: Any, live: Any) -> None:
    user_name = name("backend")
    user = iam.create_user(UserName=user_name)["User"]
    assert user["Arn"] == f"arn:aws:iam::{ACCOUNT}:user/{user_name}" and user["UserId"].startswith("AIDA")
    iam.put_user_policy(UserName=user_name, PolicyName="p", PolicyDocument=allow(["cognito-identity:ListIdentityPools"]))
    assert iam.list_user_policies(UserName=user_name)["PolicyNames"] == ["p"]
    key = iam.create_access_key(UserName=user_name)["AccessKey"]
    assert key["AccessKeyId"].startswith("AKIA") and len(key["SecretAccessKey"]) == 40 and key["Status"] == "Active"
    listed = iam.list_access_keys(UserName=user_name)["AccessKeyMetadata"]
    assert [k["AccessKeyId"] for k in listed] == [key["AccessKeyId"]] and "SecretAccessKey" not in listed[0]
    iam.create_access_key(UserName=user_name)
    with pytest.raises(ClientError) as exc:
        iam.create_access_key(UserName=user_name)
    assert code(exc) == "LimitExceeded"
    as_user = client(live, "cognito-identity", key=key["AccessKeyId"], secret=key["SecretAccessKey"])
    assert "IdentityPools" in as_user.list_identity_pools(MaxResults=1)
    iam.update_access_key(UserName=user_name, AccessKeyId=key["AccessKeyId"], Status="Inactive")
    with pytest.raises(ClientError) as exc:
        as_user.list_identity_pools(MaxResults=1)
    assert code(exc) == "UnrecognizedClientException"
    with pytest.raises(ClientError) as exc:
        iam.delete_user(UserName=user_name)
    assert code(exc) == "DeleteConflict"
    for k in iam.list_access_keys(UserName=user_name)["AccessKeyMetadata"]:
        iam.delete_access_key(UserName=user_name, AccessKeyId=k["AccessKeyId"])
    iam.delete_user_policy(UserName=user_name, PolicyName="p")
    iam.delete_user(UserName=user_name)
    with pytest.raises(ClientError) as exc:
        iam.get_user(UserName=user_name)
    assert code(exc) == "NoSuchEntity"


@pytest.mark.catalogue("K01")
def test_secrets_are_not_stored_in_clear(iam: Any, live: Any) -> None:
    user_name = name("leak")
    iam.create_user(UserName=user_name)
    secret = iam.create_access_key(UserName=user_name)["AccessKey"]["SecretAccessKey"]
    data = live.services.settings.data_dir
    blob = b"".join(p.read_bytes() for p in data.iterdir() if p.is_file())
    assert secret.encode() not in blob


def test_malformed_policy_detail_is_logged_not_sent(iam: Any, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="idpool")
    role_name = name("Once")
    iam.create_role(RoleName=role_name,
                    AssumeRolePolicyDocument=trust_for("us-east-1:11111111-2222-3333-4444-555555555555"))
    with pytest.raises(ClientError) as exc:
        iam.put_role_policy(RoleName=role_name, PolicyName="bad", PolicyDocument=json.dumps(
            {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*",
                                                      "Condition": {"StringEqual": {"aws:username": "a"}}}]}))
    assert exc.value.response["Error"]["Message"] == "Syntax errors in policy."
    request_id = exc.value.response["ResponseMetadata"]["RequestId"]
    logged = [r.getMessage() for r in caplog.records if request_id in r.getMessage() and '"detail"' in r.getMessage()]
    assert logged and "Statement[0]" in logged[0] and "StringEqual" in logged[0]
