"""Every signed call is authorized: a developer backend with least privilege (issue #3 item 3)."""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.api.test_iam import allow, name
from tests.api.test_pools import new_pool
from tests.conftest import client


def backend_user(live: Any, policy: str) -> tuple[Any, str, str]:
    iam = client(live, "iam")
    user_name = name("backend")
    iam.create_user(UserName=user_name)
    iam.put_user_policy(UserName=user_name, PolicyName="only-tokens", PolicyDocument=policy)
    key = iam.create_access_key(UserName=user_name)["AccessKey"]
    return iam, user_name, key


def test_backend_user_may_only_mint_tokens_for_its_pool(live: Any, cognito: Any) -> None:
    pool_id = new_pool(cognito)["IdentityPoolId"]
    other_pool = new_pool(cognito)["IdentityPoolId"]
    arn = f"arn:aws:cognito-identity:us-east-1:123456789012:identitypool/{pool_id}"
    iam, user_name, key = backend_user(live, allow(["cognito-identity:GetOpenIdTokenForDeveloperIdentity"], arn))
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
