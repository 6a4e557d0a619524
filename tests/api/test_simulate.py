"""SimulatePrincipalPolicy and SimulateCustomPolicy through boto3: the same decisions as real
requests, with matched statements, missing context keys and permissions boundaries (issue #12
item 5)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.api.support import ACCOUNT, allow, code, name
from tests.support import client

POOL_ARN = f"arn:aws:cognito-identity:us-east-1:{ACCOUNT}:identitypool/us-east-1:11111111-2222-3333-4444-555555555555"


@pytest.fixture
def iam(live: Any) -> Any:
    return client(live, "iam")


def decisions(results: dict[str, Any]) -> dict[tuple[str, str], str]:
    return {(r["EvalActionName"], r["EvalResourceName"]): r["EvalDecision"] for r in results["EvaluationResults"]}


def test_simulate_custom_policy(iam: Any) -> None:
    policy = json.dumps({"Version": "2012-10-17", "Statement": [
        {"Sid": "Read", "Effect": "Allow", "Action": "cognito-identity:Describe*", "Resource": "*"},
        {"Sid": "NotThatOne", "Effect": "Deny", "Action": "cognito-identity:DescribeIdentity", "Resource": "*"},
        {"Sid": "FromTheOffice", "Effect": "Allow", "Action": "cognito-identity:ListIdentities", "Resource": "*",
         "Condition": {"IpAddress": {"aws:SourceIp": "203.0.113.0/24"}}}]}, indent=2)
    results = iam.simulate_custom_policy(PolicyInputList=[policy], ResourceArns=[POOL_ARN], ActionNames=[
        "cognito-identity:DescribeIdentityPool", "cognito-identity:DescribeIdentity",
        "cognito-identity:ListIdentities", "iam:CreateUser"])
    assert decisions(results) == {
        ("cognito-identity:DescribeIdentityPool", POOL_ARN): "allowed",
        ("cognito-identity:DescribeIdentity", POOL_ARN): "explicitDeny",
        ("cognito-identity:ListIdentities", POOL_ARN): "implicitDeny",
        ("iam:CreateUser", POOL_ARN): "implicitDeny",
    }
    by_action = {r["EvalActionName"]: r for r in results["EvaluationResults"]}
    allowed = by_action["cognito-identity:DescribeIdentityPool"]["MatchedStatements"]
    assert allowed == [{"SourcePolicyId": "PolicyInputList.1", "SourcePolicyType": "none",
                        "StartPosition": {"Line": 4, "Column": 5}, "EndPosition": {"Line": 9, "Column": 6}}]
    assert by_action["cognito-identity:DescribeIdentity"]["MatchedStatements"][0]["StartPosition"]["Line"] == 10
    assert by_action["cognito-identity:ListIdentities"]["MissingContextValues"] == ["aws:SourceIp"]
    with_ip = iam.simulate_custom_policy(PolicyInputList=[policy], ActionNames=["cognito-identity:ListIdentities"],
                                         ContextEntries=[{"ContextKeyName": "aws:SourceIp", "ContextKeyType": "ip",
                                                          "ContextKeyValues": ["203.0.113.7"]}])
    assert decisions(with_ip) == {("cognito-identity:ListIdentities", "*"): "allowed"}


def test_simulate_principal_policy_uses_the_principals_policies_and_boundary(iam: Any) -> None:
    user_name = name("sim")
    user = iam.create_user(UserName=user_name)["User"]
    iam.put_user_policy(UserName=user_name, PolicyName="inline", PolicyDocument=allow(["cognito-identity:ListIdentityPools"]))
    iam.attach_user_policy(UserName=user_name, PolicyArn="arn:aws:iam::aws:policy/AdministratorAccess")
    iam.put_user_permissions_boundary(UserName=user_name, PermissionsBoundary="arn:aws:iam::aws:policy/AmazonCognitoReadOnly")
    results = iam.simulate_principal_policy(PolicySourceArn=user["Arn"], ActionNames=[
        "cognito-identity:ListIdentityPools", "iam:CreateUser"])
    assert decisions(results) == {("cognito-identity:ListIdentityPools", "*"): "allowed", ("iam:CreateUser", "*"): "implicitDeny"}
    by_action = {r["EvalActionName"]: r for r in results["EvaluationResults"]}
    sources = {(m["SourcePolicyId"], m["SourcePolicyType"]) for m in by_action["cognito-identity:ListIdentityPools"]["MatchedStatements"]}
    assert sources == {("inline", "user"), ("AdministratorAccess", "aws-managed"), ("AmazonCognitoReadOnly", "aws-managed")}
    assert by_action["iam:CreateUser"]["PermissionsBoundaryDecisionDetail"] == {"AllowedByPermissionsBoundary": False}
    # extra identity policies, and a boundary given in place of the user's own
    widened = iam.simulate_principal_policy(
        PolicySourceArn=user["Arn"], ActionNames=["iam:CreateUser"],
        PermissionsBoundaryPolicyInputList=[allow(["iam:*"])])
    assert decisions(widened) == {("iam:CreateUser", "*"): "allowed"}


def test_the_simulator_and_a_real_request_agree(live: Any, iam: Any) -> None:
    user_name = name("agree")
    user = iam.create_user(UserName=user_name)["User"]
    iam.put_user_policy(UserName=user_name, PolicyName="p", PolicyDocument=allow(["iam:GetUser"], user["Arn"]))
    key = iam.create_access_key(UserName=user_name)["AccessKey"]
    as_user = client(live, "iam", key=key["AccessKeyId"], secret=key["SecretAccessKey"])
    for action, resource, call in (("iam:GetUser", user["Arn"], lambda: as_user.get_user(UserName=user_name)),
                                   ("iam:ListRoles", f"arn:aws:iam::{ACCOUNT}:role/*", as_user.list_roles)):
        simulated = decisions(iam.simulate_principal_policy(PolicySourceArn=user["Arn"], ActionNames=[action],
                                                            ResourceArns=[resource]))[(action, resource)]
        try:
            call()
            real = "allowed"
        except ClientError:
            real = "implicitDeny"
        assert simulated == real


def test_what_the_simulator_refuses(iam: Any) -> None:
    with pytest.raises(ClientError) as exc:
        iam.simulate_principal_policy(PolicySourceArn=f"arn:aws:iam::{ACCOUNT}:user/{name('ghost')}", ActionNames=["s3:*"])
    assert code(exc) == "NoSuchEntity"
    with pytest.raises(ClientError) as exc:
        iam.simulate_custom_policy(PolicyInputList=['{"Version": "2012-10-17"}'], ActionNames=["s3:GetObject"])
    assert code(exc) == "InvalidInput" and "Syntax errors in policy." in exc.value.response["Error"]["Message"]
    with pytest.raises(ClientError) as exc:
        iam.simulate_custom_policy(PolicyInputList=[allow(["s3:*"])], ActionNames=["s3:GetObject"],
                                   ResourcePolicy=allow(["s3:*"]))
    assert code(exc) == "InvalidInput"
