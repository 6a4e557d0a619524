"""The audit log, from a server of its own writing to a file: one JSON line per identity
lifecycle event, token and credentials issued, IAM and pool change and refused call, with
CloudTrail's field names, and never a secret, a token or a session token."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.api.servers import cognito_call, public, quota_file, server_with
from tests.api.support import DEV, allow, as_creds, new_pool, trust_for
from tests.support import ROOT_KEY, ROOT_SECRET, LiveServer, client

ACCOUNT = "123456789012"
QUOTA = """
[[quota]]
operation = "cognito-identity:GetOpenIdToken"
per = "source"
limit = 1
window = 3600
"""


@pytest.fixture
def audited(tmp_path: Path) -> Iterator[tuple[LiveServer, Path]]:
    log = tmp_path / "audit.log"
    with server_with(tmp_path, audit_log=str(log), quotas=quota_file(tmp_path, QUOTA)) as live:
        yield live, log


def events(log: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in log.read_text().splitlines()]


def named(log: Path, name: str) -> list[dict[str, Any]]:
    return [e for e in events(log) if e["eventName"] == name]


@pytest.mark.catalogue("K04")
def test_a_day_of_calls_is_in_the_log_without_any_secret(audited: tuple[LiveServer, Path]) -> None:
    live, log = audited
    secrets: list[str] = [ROOT_SECRET]
    cognito, iam = client(live, "cognito-identity"), client(live, "iam")
    pool_id = new_pool(cognito, AllowUnauthenticatedIdentities=True, AllowClassicFlow=True)["IdentityPoolId"]
    iam.create_role(RoleName="members", AssumeRolePolicyDocument=trust_for(pool_id, "authenticated"))
    iam.create_role(RoleName="guests", AssumeRolePolicyDocument=trust_for(pool_id, "unauthenticated"))
    cognito.set_identity_pool_roles(IdentityPoolId=pool_id, Roles={
        "authenticated": f"arn:aws:iam::{ACCOUNT}:role/members", "unauthenticated": f"arn:aws:iam::{ACCOUNT}:role/guests"})

    first = cognito.get_open_id_token_for_developer_identity(IdentityPoolId=pool_id, Logins={DEV: "alice"})
    again = cognito.get_open_id_token_for_developer_identity(IdentityPoolId=pool_id, Logins={DEV: "alice"})
    bob = cognito.get_open_id_token_for_developer_identity(IdentityPoolId=pool_id, Logins={DEV: "bob"})
    secrets += [first["Token"], again["Token"], bob["Token"]]
    creds = public(live).get_credentials_for_identity(
        IdentityId=first["IdentityId"], Logins={"cognito-identity.amazonaws.com": first["Token"]})["Credentials"]
    secrets += [creds["SecretKey"], creds["SessionToken"]]
    web = client(live, "sts").assume_role_with_web_identity(
        RoleArn=f"arn:aws:iam::{ACCOUNT}:role/members", RoleSessionName="web", WebIdentityToken=first["Token"])
    secrets += [web["Credentials"]["SecretAccessKey"], web["Credentials"]["SessionToken"]]
    cognito.merge_developer_identities(SourceUserIdentifier="bob", DestinationUserIdentifier="alice",
                                       DeveloperProviderName=DEV, IdentityPoolId=pool_id)
    cognito.unlink_developer_identity(IdentityId=first["IdentityId"], IdentityPoolId=pool_id,
                                      DeveloperProviderName=DEV, DeveloperUserIdentifier="bob")
    guest = public(live).get_id(IdentityPoolId=pool_id)["IdentityId"]
    cognito.delete_identities(IdentityIdsToDelete=[guest])
    iam.create_user(UserName="ops")
    key = iam.create_access_key(UserName="ops")["AccessKey"]
    secrets.append(key["SecretAccessKey"])
    iam.put_user_policy(UserName="ops", PolicyName="p", PolicyDocument=allow(["iam:GetUser"]))

    text = log.read_text()
    for secret in secrets:
        assert secret not in text
    for field in ("SecretKey", "SecretAccessKey", "SessionToken", '"Token"', '"token"'):
        assert field not in text

    created, known = named(log, "GetOpenIdTokenForDeveloperIdentity")[:2]
    assert created["responseElements"] == {"identityId": first["IdentityId"], "identityCreated": True,
                                           "developerUserIdentifier": "alice"}
    assert known["responseElements"]["identityCreated"] is False
    assert created["requestParameters"] == {"identityPoolId": pool_id, "loginProviders": [DEV]}
    assert created["userIdentity"] == {"type": "Root", "arn": f"arn:aws:iam::{ACCOUNT}:root", "accountId": ACCOUNT,
                                       "principalId": ACCOUNT, "accessKeyId": ROOT_KEY}
    assert created["eventSource"] == "cognito-identity.amazonaws.com" and created["readOnly"] is False
    assert created["sourceIPAddress"] == "127.0.0.1" and created["requestID"] and "Boto3" in created["userAgent"]

    [issued] = named(log, "GetCredentialsForIdentity")
    assert issued["userIdentity"] == {"type": "Unauthenticated"}
    assert issued["responseElements"]["accessKeyId"] == creds["AccessKeyId"]
    assert issued["responseElements"]["roleArn"] == f"arn:aws:iam::{ACCOUNT}:role/members"
    assert issued["requestParameters"] == {"identityId": first["IdentityId"],
                                           "loginProviders": ["cognito-identity.amazonaws.com"]}
    [assumed] = named(log, "AssumeRoleWithWebIdentity")
    assert assumed["eventSource"] == "sts.amazonaws.com"
    assert assumed["responseElements"]["accessKeyId"] == web["Credentials"]["AccessKeyId"]
    assert assumed["requestParameters"]["roleArn"] == f"arn:aws:iam::{ACCOUNT}:role/members"
    [merged] = named(log, "MergeDeveloperIdentities")
    assert merged["requestParameters"]["sourceUserIdentifier"] == "bob"
    assert merged["responseElements"] == {"identityId": first["IdentityId"]}
    assert named(log, "UnlinkDeveloperIdentity")[0]["requestParameters"]["developerUserIdentifier"] == "bob"
    assert named(log, "GetId")[0]["responseElements"] == {"identityId": guest}
    assert named(log, "DeleteIdentities")[0]["requestParameters"] == {"identityIdsToDelete": [guest]}
    [new_key] = named(log, "CreateAccessKey")
    assert new_key["responseElements"] == {"accessKey": {"accessKeyId": key["AccessKeyId"], "userName": "ops",
                                                         "status": "Active"}}
    assert named(log, "PutUserPolicy")[0]["requestParameters"]["policyDocument"] == allow(["iam:GetUser"])
    assert named(log, "SetIdentityPoolRoles")[0]["requestParameters"]["roles"]["authenticated"].endswith("/members")
    assert named(log, "CreateIdentityPool")[0]["responseElements"] == {"identityPoolId": pool_id}
    assert not named(log, "DescribeIdentityPool")  # reads that succeed are not audited


def test_every_refused_call_is_in_the_log(audited: tuple[LiveServer, Path]) -> None:
    live, log = audited
    cognito, iam = client(live, "cognito-identity"), client(live, "iam")
    pool_id = new_pool(cognito, AllowUnauthenticatedIdentities=True, AllowClassicFlow=True)["IdentityPoolId"]
    iam.create_user(UserName="intern")
    key = iam.create_access_key(UserName="intern")["AccessKey"]
    intern = client(live, "cognito-identity", key=key["AccessKeyId"], secret=key["SecretAccessKey"])
    with pytest.raises(ClientError):
        intern.describe_identity_pool(IdentityPoolId=pool_id)  # no policy: AccessDenied
    with pytest.raises(ClientError):
        client(live, "iam", secret="not-the-secret-0123456789").list_users()  # bad signature
    guest = public(live).get_id(IdentityPoolId=pool_id)["IdentityId"]
    assert cognito_call(live, "GetOpenIdToken", {"IdentityId": guest}).status_code == 200
    assert cognito_call(live, "GetOpenIdToken", {"IdentityId": guest}).status_code == 400  # over the quota
    assert cognito_call(live, "GetCredentialsForIdentity", {"IdentityId": guest, "Logins": {
        "cognito-identity.amazonaws.com": "forged.token.value"}}).status_code == 400

    denied = [e for e in events(log) if e.get("denied")]
    by_code = {e["errorCode"]: e for e in denied}
    assert by_code["AccessDeniedException"]["eventName"] == "DescribeIdentityPool"
    assert by_code["AccessDeniedException"]["readOnly"] is True
    assert by_code["AccessDeniedException"]["userIdentity"]["arn"] == f"arn:aws:iam::{ACCOUNT}:user/intern"
    assert "not authorized to perform: cognito-identity:DescribeIdentityPool" in (
        by_code["AccessDeniedException"]["errorMessage"])
    assert by_code["SignatureDoesNotMatch"]["eventSource"] == "iam.amazonaws.com"
    assert by_code["SignatureDoesNotMatch"]["userIdentity"] == {"type": "Unauthenticated"}
    assert by_code["TooManyRequestsException"]["requestParameters"] == {"identityId": guest, "loginProviders": []}
    assert by_code["NotAuthorizedException"]["eventName"] == "GetCredentialsForIdentity"
    assert "forged.token.value" not in log.read_text()
    assert all(e["sourceIPAddress"] == "127.0.0.1" and e["requestID"] for e in denied)


def test_no_audit_log_unless_asked(tmp_path: Path) -> None:
    with server_with(tmp_path) as live:
        new_pool(client(live, "cognito-identity"))
        assert live.services.observer.audit is None
    assert not list(tmp_path.glob("*.log"))


def test_with_temporary_credentials_the_caller_is_the_role_session(audited: tuple[LiveServer, Path]) -> None:
    live, log = audited
    iam = client(live, "iam")
    iam.create_role(RoleName="admin", AssumeRolePolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"}, "Action": "sts:AssumeRole"}]}))
    iam.put_role_policy(RoleName="admin", PolicyName="pools", PolicyDocument=allow(["cognito-identity:*"]))
    creds = client(live, "sts").assume_role(RoleArn=f"arn:aws:iam::{ACCOUNT}:role/admin",
                                            RoleSessionName="deploy")["Credentials"]
    new_pool(as_creds(live, "cognito-identity", creds))
    [event] = named(log, "CreateIdentityPool")
    assert event["userIdentity"]["type"] == "AssumedRole"
    assert event["userIdentity"]["arn"] == f"arn:aws:sts::{ACCOUNT}:assumed-role/admin/deploy"
    assert event["userIdentity"]["accessKeyId"] == creds["AccessKeyId"]
    assert creds["SessionToken"] not in log.read_text()
