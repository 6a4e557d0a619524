"""Managed policies through boto3, as Terraform's aws_iam_policy and aws_iam_role_policy_attachment
use them: policies, versions, tags, attachments, entities, AWS managed policies, and what IAM
answers when something is wrong (issue #12)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.api.support import ACCOUNT, allow, code, name, trust_for
from tests.support import client

POOL = "us-east-1:11111111-2222-3333-4444-555555555555"
AWS_DEV = "arn:aws:iam::aws:policy/AmazonCognitoDeveloperAuthenticatedIdentities"


@pytest.fixture
def iam(live: Any) -> Any:
    return client(live, "iam")


def message(exc: pytest.ExceptionInfo[ClientError]) -> str:
    return str(exc.value.response["Error"]["Message"])


def test_policy_lifecycle_with_versions(iam: Any) -> None:
    policy_name = name("Readers")
    created = iam.create_policy(PolicyName=policy_name, Path="/app/", Description="read pools",
                                PolicyDocument=allow(["cognito-identity:Describe*"]),
                                Tags=[{"Key": "team", "Value": "blue"}])["Policy"]
    arn = f"arn:aws:iam::{ACCOUNT}:policy/app/{policy_name}"
    assert (created["Arn"], created["DefaultVersionId"], created["AttachmentCount"]) == (arn, "v1", 0)
    assert created["PolicyId"].startswith("ANPA") and created["IsAttachable"] is True
    got = iam.get_policy(PolicyArn=arn)["Policy"]
    assert got["Description"] == "read pools" and got["Tags"] == [{"Key": "team", "Value": "blue"}]
    for n in range(2, 6):  # v2..v5: five versions in all
        version = iam.create_policy_version(PolicyArn=arn, PolicyDocument=allow([f"s3:Get{n}"]),
                                            SetAsDefault=n == 3)["PolicyVersion"]
        assert version["VersionId"] == f"v{n}" and version["IsDefaultVersion"] is (n == 3)
    with pytest.raises(ClientError) as exc:
        iam.create_policy_version(PolicyArn=arn, PolicyDocument=allow(["s3:Get6"]))
    assert (code(exc), message(exc)) == ("LimitExceeded", "A managed policy can have up to 5 versions. Before you "
                                         "create a new version, you must delete an existing version.")
    listed = iam.list_policy_versions(PolicyArn=arn)["Versions"]
    assert [v["VersionId"] for v in listed] == ["v5", "v4", "v3", "v2", "v1"]
    assert [v["IsDefaultVersion"] for v in listed] == [False, False, True, False, False]
    v3 = iam.get_policy_version(PolicyArn=arn, VersionId="v3")["PolicyVersion"]
    assert v3["Document"]["Statement"][0]["Action"] == ["s3:Get3"]  # botocore decodes the URL-encoded JSON
    with pytest.raises(ClientError) as exc:
        iam.delete_policy_version(PolicyArn=arn, VersionId="v3")
    assert (code(exc), message(exc)) == ("DeleteConflict", "Cannot delete the default version of a policy.")
    iam.delete_policy_version(PolicyArn=arn, VersionId="v2")
    assert iam.create_policy_version(PolicyArn=arn, PolicyDocument=allow(["s3:Get6"]))["PolicyVersion"]["VersionId"] == "v6"
    iam.set_default_policy_version(PolicyArn=arn, VersionId="v6")
    assert iam.get_policy(PolicyArn=arn)["Policy"]["DefaultVersionId"] == "v6"
    with pytest.raises(ClientError) as exc:
        iam.get_policy_version(PolicyArn=arn, VersionId="v2")
    assert (code(exc), message(exc)) == ("NoSuchEntity", f"Policy {arn} version v2 does not exist or is not attachable.")
    with pytest.raises(ClientError) as exc:
        iam.delete_policy(PolicyArn=arn)
    assert code(exc) == "DeleteConflict" and "must delete the policy's versions" in message(exc)
    for version in ("v1", "v3", "v4", "v5"):
        iam.delete_policy_version(PolicyArn=arn, VersionId=version)
    iam.delete_policy(PolicyArn=arn)
    with pytest.raises(ClientError) as exc:
        iam.get_policy(PolicyArn=arn)
    assert (code(exc), message(exc)) == ("NoSuchEntity", f"Policy {arn} was not found.")


def test_names_are_unique_and_documents_need_the_2012_version(iam: Any) -> None:
    policy_name = name("Dup")
    iam.create_policy(PolicyName=policy_name, PolicyDocument=allow(["s3:GetObject"]))
    with pytest.raises(ClientError) as exc:
        iam.create_policy(PolicyName=policy_name.upper(), PolicyDocument=allow(["s3:GetObject"]))
    assert (code(exc), message(exc)) == (
        "EntityAlreadyExists", f"A policy called {policy_name.upper()} already exists. Duplicate names are not allowed.")
    old = json.dumps({"Version": "2008-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]})
    with pytest.raises(ClientError) as exc:
        iam.create_policy(PolicyName=name("Old"), PolicyDocument=old)
    assert (code(exc), message(exc)) == ("MalformedPolicyDocument", "Policy document must be version 2012-10-17 or greater.")
    with pytest.raises(ClientError) as exc:
        iam.get_policy(PolicyArn="this-is-not-an-arn-at-all")
    assert (code(exc), message(exc)) == ("InvalidInput", "ARN this-is-not-an-arn-at-all is not valid.")


def test_attachments_entities_and_delete_conflicts(iam: Any) -> None:
    role_name, user_name, policy_name = name("Auth"), name("backend"), name("Pools")
    iam.create_role(RoleName=role_name, AssumeRolePolicyDocument=trust_for(POOL))
    role_id = iam.get_role(RoleName=role_name)["Role"]["RoleId"]
    user_id = iam.create_user(UserName=user_name)["User"]["UserId"]
    arn = iam.create_policy(PolicyName=policy_name, PolicyDocument=allow(["cognito-identity:*"]))["Policy"]["Arn"]
    iam.attach_role_policy(RoleName=role_name, PolicyArn=arn)
    iam.attach_role_policy(RoleName=role_name, PolicyArn=arn)  # attaching twice changes nothing
    iam.attach_role_policy(RoleName=role_name, PolicyArn=AWS_DEV)
    iam.attach_user_policy(UserName=user_name, PolicyArn=arn)
    attached = iam.list_attached_role_policies(RoleName=role_name)["AttachedPolicies"]
    assert sorted(a["PolicyName"] for a in attached) == sorted([policy_name, "AmazonCognitoDeveloperAuthenticatedIdentities"])
    assert iam.get_policy(PolicyArn=arn)["Policy"]["AttachmentCount"] == 2
    entities = iam.list_entities_for_policy(PolicyArn=arn)
    assert entities["PolicyRoles"] == [{"RoleName": role_name, "RoleId": role_id}]
    assert entities["PolicyUsers"] == [{"UserName": user_name, "UserId": user_id}] and entities["PolicyGroups"] == []
    assert iam.list_entities_for_policy(PolicyArn=arn, EntityFilter="User")["PolicyRoles"] == []
    assert policy_name in {p["PolicyName"] for p in iam.list_policies(Scope="Local", OnlyAttached=True)["Policies"]}
    with pytest.raises(ClientError) as exc:
        iam.delete_policy(PolicyArn=arn)
    assert (code(exc), message(exc)) == ("DeleteConflict", "Cannot delete a policy attached to entities.")
    with pytest.raises(ClientError) as exc:
        iam.delete_role(RoleName=role_name)
    assert (code(exc), message(exc)) == ("DeleteConflict", "Cannot delete entity, must detach all policies first.")
    missing = f"arn:aws:iam::{ACCOUNT}:policy/{name('Nope')}"
    with pytest.raises(ClientError) as exc:
        iam.attach_role_policy(RoleName=role_name, PolicyArn=missing)
    assert (code(exc), message(exc)) == ("NoSuchEntity", f"Policy {missing} does not exist or is not attachable.")
    with pytest.raises(ClientError) as exc:
        iam.detach_user_policy(UserName=user_name, PolicyArn=AWS_DEV)
    assert (code(exc), message(exc)) == ("NoSuchEntity", f"Policy {AWS_DEV} was not found.")
    for detach in (lambda: iam.detach_role_policy(RoleName=role_name, PolicyArn=arn),
                   lambda: iam.detach_role_policy(RoleName=role_name, PolicyArn=AWS_DEV),
                   lambda: iam.detach_user_policy(UserName=user_name, PolicyArn=arn)):
        detach()
    iam.delete_policy(PolicyArn=arn)
    iam.delete_role(RoleName=role_name)


def test_at_most_ten_policies_per_role(iam: Any) -> None:
    role_name = name("Many")
    iam.create_role(RoleName=role_name, AssumeRolePolicyDocument=trust_for(POOL))
    arns = [iam.create_policy(PolicyName=name(f"P{i}"), PolicyDocument=allow([f"s3:A{i}"]))["Policy"]["Arn"]
            for i in range(11)]
    for arn in arns[:10]:
        iam.attach_role_policy(RoleName=role_name, PolicyArn=arn)
    with pytest.raises(ClientError) as exc:
        iam.attach_role_policy(RoleName=role_name, PolicyArn=arns[10])
    assert (code(exc), message(exc)) == ("LimitExceeded", "Cannot exceed quota for PoliciesPerRole: 10")


def test_aws_managed_policies_are_listed_and_cannot_be_changed(iam: Any) -> None:
    aws = {p["PolicyName"]: p for page in iam.get_paginator("list_policies").paginate(Scope="AWS") for p in page["Policies"]}
    assert {"AdministratorAccess", "AmazonCognitoDeveloperAuthenticatedIdentities", "AmazonCognitoReadOnly",
            "AmazonCognitoUnAuthedIdentitiesSessionPolicy"} <= set(aws)
    assert aws["AmazonCognitoReadOnly"]["Arn"] == "arn:aws:iam::aws:policy/AmazonCognitoReadOnly"
    version = iam.get_policy_version(PolicyArn=AWS_DEV, VersionId="v1")["PolicyVersion"]
    assert "cognito-identity:GetOpenIdTokenForDeveloperIdentity" in version["Document"]["Statement"][0]["Action"]
    with pytest.raises(ClientError) as exc:
        iam.delete_policy(PolicyArn=AWS_DEV)
    assert code(exc) == "AccessDenied"


def test_policy_tags_and_duplicate_keys(iam: Any) -> None:
    arn = iam.create_policy(PolicyName=name("Tagged"), PolicyDocument=allow(["s3:GetObject"]))["Policy"]["Arn"]
    iam.tag_policy(PolicyArn=arn, Tags=[{"Key": "Env", "Value": "dev"}, {"Key": "team", "Value": "red"}])
    iam.tag_policy(PolicyArn=arn, Tags=[{"Key": "env", "Value": "prod"}])  # same key in another case: replaced
    assert iam.list_policy_tags(PolicyArn=arn)["Tags"] == [{"Key": "env", "Value": "prod"}, {"Key": "team", "Value": "red"}]
    first = iam.list_policy_tags(PolicyArn=arn, MaxItems=1)
    assert first["IsTruncated"] and len(first["Tags"]) == 1
    assert iam.list_policy_tags(PolicyArn=arn, Marker=first["Marker"])["Tags"] == [{"Key": "team", "Value": "red"}]
    iam.untag_policy(PolicyArn=arn, TagKeys=["TEAM"])
    assert iam.list_policy_tags(PolicyArn=arn)["Tags"] == [{"Key": "env", "Value": "prod"}]
    with pytest.raises(ClientError) as exc:
        iam.tag_policy(PolicyArn=arn, Tags=[{"Key": "a", "Value": "1"}, {"Key": "A", "Value": "2"}])
    assert (code(exc), message(exc)) == (
        "InvalidInput", "Duplicate tag keys found. Please note that Tag keys are case insensitive.")
