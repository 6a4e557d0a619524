"""Pathological policies (docs/SECURITY.md R06): past IAM's size quotas they are refused
(`LimitExceeded`: inline policies of a role at most 10,240 characters, of a user 2,048, not
counting whitespace); within them, a wildcard pattern built to make a backtracking matcher
explode is evaluated like any other, and the request is simply answered."""

from __future__ import annotations

import json
from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.api.support import code, name, trust_for
from tests.support import client

POOL_ARN = "arn:aws:cognito-identity:us-east-1:123456789012:identitypool/"
A_POOL_FULL_OF_AS = "us-east-1:aaaaaaaa-aaaa-aaaa-aaaa-aaaaaaaaaaaa"


def padded(characters: int) -> str:
    """An identity policy of exactly ``characters`` non-whitespace characters."""
    head = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": ""}]}
    room = characters - len("".join(json.dumps(head).split()))
    head["Statement"][0]["Resource"] = "arn:aws:s3:::" + "x" * (room - len("arn:aws:s3:::"))
    text = json.dumps(head)
    assert len("".join(text.split())) == characters
    return text


@pytest.mark.catalogue("R06")
def test_inline_policies_past_the_size_quotas_are_refused(live: Any) -> None:
    iam = client(live, "iam")
    role, user = name("Big"), name("big")
    iam.create_role(RoleName=role, AssumeRolePolicyDocument=trust_for("us-east-1:11111111-2222-3333-4444-555555555555"))
    iam.create_user(UserName=user)
    iam.put_role_policy(RoleName=role, PolicyName="a", PolicyDocument=padded(6000))
    iam.put_role_policy(RoleName=role, PolicyName="b", PolicyDocument=padded(4240))  # 10,240 together: allowed
    with pytest.raises(ClientError) as refused:
        iam.put_role_policy(RoleName=role, PolicyName="c", PolicyDocument=padded(200))
    assert code(refused) == "LimitExceeded" and "10240" in refused.value.response["Error"]["Message"]
    iam.put_user_policy(UserName=user, PolicyName="a", PolicyDocument=padded(2048))
    with pytest.raises(ClientError) as refused:
        iam.put_user_policy(UserName=user, PolicyName="a", PolicyDocument=padded(2049))
    assert code(refused) == "LimitExceeded"
    assert sorted(iam.list_role_policies(RoleName=role)["PolicyNames"]) == ["a", "b"]
    assert len(iam.get_user_policy(UserName=user, PolicyName="a")["PolicyDocument"]["Statement"][0]["Resource"]) > 1900


@pytest.mark.catalogue("R06")
def test_a_pattern_built_to_backtrack_is_evaluated_like_any_other(live: Any) -> None:
    iam = client(live, "iam")
    user = name("glob")
    iam.create_user(UserName=user)
    hostile = POOL_ARN + "*a" * 850 + "*b"  # needs 850 a's and a final b: a backtracking matcher tries every split
    iam.put_user_policy(UserName=user, PolicyName="hostile", PolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "cognito-identity:DescribeIdentityPool", "Resource": [hostile, POOL_ARN + "*-aaaa-*a"]}]}))
    key = iam.create_access_key(UserName=user)["AccessKey"]
    as_user = client(live, "cognito-identity", key=key["AccessKeyId"], secret=key["SecretAccessKey"])
    with pytest.raises(ClientError) as answered:  # the second pattern matches: allowed, and the pool is not there
        as_user.describe_identity_pool(IdentityPoolId=A_POOL_FULL_OF_AS)
    assert code(answered) == "ResourceNotFoundException"
    with pytest.raises(ClientError) as denied:  # only the hostile pattern could match this one: it does not
        as_user.describe_identity_pool(IdentityPoolId="us-east-1:aaaaaaaa-aaaa-aaaa-aaaa-aaaaaaaaaaab")
    assert code(denied) == "AccessDeniedException"
