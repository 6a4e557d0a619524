"""The details of issue #12's "Why": RoleLastUsed, ListRoleTags paging, tag keys unique
case-insensitively, and the self-service calls (GetUser, ListAccessKeys, UpdateAccessKey,
DeleteAccessKey without UserName) acting on the caller, root included."""

from __future__ import annotations

import json
from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.api.support import ACCOUNT, COGNITO, DEV, as_creds, code, name, new_pool, trust_for
from tests.support import ROOT_KEY, client

NOT_A_USER = "Must specify userName when calling with non-User credentials"


@pytest.fixture
def iam(live: Any) -> Any:
    return client(live, "iam")


def test_role_last_used_is_empty_until_the_role_is_assumed(iam: Any, cognito: Any) -> None:
    pool_id = new_pool(cognito)["IdentityPoolId"]
    role = iam.create_role(RoleName=name("Auth"), AssumeRolePolicyDocument=trust_for(pool_id))["Role"]
    assert iam.get_role(RoleName=role["RoleName"])["Role"]["RoleLastUsed"] == {}
    cognito.set_identity_pool_roles(IdentityPoolId=pool_id, Roles={"authenticated": role["Arn"]})
    token = cognito.get_open_id_token_for_developer_identity(IdentityPoolId=pool_id, Logins={DEV: "ada"})
    cognito.get_credentials_for_identity(IdentityId=token["IdentityId"], Logins={COGNITO: token["Token"]})
    used = iam.get_role(RoleName=role["RoleName"])["Role"]["RoleLastUsed"]
    assert used["Region"] == "us-east-1" and used["LastUsedDate"].tzinfo is not None
    assert "RoleLastUsed" not in iam.list_roles(PathPrefix="/")["Roles"][0]  # listings leave it out, as IAM's


def test_list_role_tags_pages(iam: Any) -> None:
    role_name = name("Tags")
    tags = [{"Key": f"k{i}", "Value": str(i)} for i in range(5)]
    iam.create_role(RoleName=role_name, AssumeRolePolicyDocument=trust_for("us-east-1:11111111-2222-3333-4444-555555555555"),
                    Tags=tags)
    first = iam.list_role_tags(RoleName=role_name, MaxItems=2)
    assert first["Tags"] == tags[:2] and first["IsTruncated"]
    rest = iam.list_role_tags(RoleName=role_name, Marker=first["Marker"])
    assert rest["Tags"] == tags[2:] and not rest["IsTruncated"]
    paged = [t for page in iam.get_paginator("list_role_tags").paginate(
        RoleName=role_name, PaginationConfig={"PageSize": 2}) for t in page["Tags"]]
    assert paged == tags


def test_tag_keys_are_unique_case_insensitively(iam: Any) -> None:
    duplicate = [{"Key": "Team", "Value": "a"}, {"Key": "team", "Value": "b"}]
    trust = trust_for("us-east-1:11111111-2222-3333-4444-555555555555")
    for call in (lambda: iam.create_role(RoleName=name("Dup"), AssumeRolePolicyDocument=trust, Tags=duplicate),
                 lambda: iam.create_user(UserName=name("dup"), Tags=duplicate)):
        with pytest.raises(ClientError) as exc:
            call()
        assert (code(exc), exc.value.response["Error"]["Message"]) == (
            "InvalidInput", "Duplicate tag keys found. Please note that Tag keys are case insensitive.")
    user_name = name("tagged")
    iam.create_user(UserName=user_name, Tags=[{"Key": "Team", "Value": "a"}])
    iam.tag_user(UserName=user_name, Tags=[{"Key": "TEAM", "Value": "b"}])
    assert iam.list_user_tags(UserName=user_name)["Tags"] == [{"Key": "TEAM", "Value": "b"}]
    iam.untag_user(UserName=user_name, TagKeys=["team"])
    assert iam.list_user_tags(UserName=user_name)["Tags"] == []


def test_root_self_service_calls_act_on_root(iam: Any) -> None:
    user = iam.get_user()["User"]
    assert (user["UserId"], user["Arn"]) == (ACCOUNT, f"arn:aws:iam::{ACCOUNT}:root") and "UserName" not in user
    keys = iam.list_access_keys()["AccessKeyMetadata"]
    assert [(k["AccessKeyId"], k["Status"]) for k in keys] == [(ROOT_KEY, "Active")]
    with pytest.raises(ClientError) as exc:  # another user's key is not root's
        iam.delete_access_key(AccessKeyId="AKIAIDPOOLNOTROOTS01")
    assert code(exc) == "NoSuchEntity"
    with pytest.raises(ClientError) as exc:  # root's own key is idpool's configuration
        iam.update_access_key(AccessKeyId=ROOT_KEY, Status="Inactive")
    assert code(exc) == "InvalidInput" and "IDPOOL_ROOT_ACCESS_KEY_ID" in exc.value.response["Error"]["Message"]
    assert iam.list_access_keys()["AccessKeyMetadata"][0]["Status"] == "Active"


def test_a_user_acts_on_itself_and_a_role_session_must_name_a_user(live: Any, iam: Any) -> None:
    user_name = name("self")
    iam.create_user(UserName=user_name)
    iam.put_user_policy(UserName=user_name, PolicyName="self", PolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Resource": f"arn:aws:iam::{ACCOUNT}:user/${{aws:username}}",
                                                "Action": ["iam:GetUser", "iam:ListAccessKeys", "iam:UpdateAccessKey"]}]}))
    key = iam.create_access_key(UserName=user_name)["AccessKey"]
    own = client(live, "iam", key=key["AccessKeyId"], secret=key["SecretAccessKey"])
    assert own.get_user()["User"]["UserName"] == user_name
    assert [k["AccessKeyId"] for k in own.list_access_keys()["AccessKeyMetadata"]] == [key["AccessKeyId"]]
    role = iam.create_role(RoleName=name("Ops"), AssumeRolePolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"}, "Action": "sts:AssumeRole"}]}))["Role"]
    iam.put_role_policy(RoleName=role["RoleName"], PolicyName="iam", PolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "iam:*", "Resource": "*"}]}))
    creds = client(live, "sts").assume_role(RoleArn=role["Arn"], RoleSessionName="ops")["Credentials"]
    session_iam = as_creds(live, "iam", creds)
    for call in (session_iam.get_user, session_iam.list_access_keys):
        with pytest.raises(ClientError) as exc:
            call()
        assert (code(exc), exc.value.response["Error"]["Message"]) == ("ValidationError", NOT_A_USER)
    assert session_iam.get_user(UserName=user_name)["User"]["UserName"] == user_name
