"""Temporary credentials that really work: the enhanced and basic flows (step 3 of the seed)."""

from __future__ import annotations

import datetime as dt
import json
import logging
from typing import Any

import boto3
import pytest
from botocore import UNSIGNED
from botocore.config import Config
from botocore.exceptions import ClientError

from tests.api.support import COGNITO, DEV, allow, as_creds, claims_of, name, new_pool
from tests.support import client


@pytest.mark.catalogue("A01")
def test_enhanced_flow_for_a_developer_identity(live: Any, cognito: Any, public_cognito: Any, setup: Any) -> None:
    pool_id = setup["pool_id"]
    issued = cognito.get_open_id_token_for_developer_identity(IdentityPoolId=pool_id, Logins={DEV: "alice"})
    out = public_cognito.get_credentials_for_identity(IdentityId=issued["IdentityId"], Logins={COGNITO: issued["Token"]})
    creds = out["Credentials"]
    assert out["IdentityId"] == issued["IdentityId"]
    assert creds["AccessKeyId"].startswith("ASIA") and creds["SecretKey"] and creds["SessionToken"]
    lifetime = creds["Expiration"] - dt.datetime.now(dt.UTC)
    assert dt.timedelta(minutes=59) < lifetime <= dt.timedelta(hours=1)
    me = as_creds(live, "sts", creds).get_caller_identity()
    assert me["Arn"] == f"arn:aws:sts::123456789012:assumed-role/{setup['auth']}/CognitoIdentityCredentials"
    assert me["UserId"].startswith("AROA") and me["UserId"].endswith(":CognitoIdentityCredentials")
    as_user = as_creds(live, "cognito-identity", creds)
    assert as_user.describe_identity_pool(IdentityPoolId=pool_id)["IdentityPoolId"] == pool_id  # allowed
    other = new_pool(cognito)["IdentityPoolId"]
    for call in (lambda: as_user.describe_identity_pool(IdentityPoolId=other),  # the variable limits it
                 lambda: as_user.list_identity_pools(MaxResults=5)):  # not in the role's policy
        with pytest.raises(ClientError) as exc:
            call()
        assert exc.value.response["Error"]["Code"] == "AccessDeniedException"


@pytest.mark.catalogue("S14")
def test_role_policy_changes_apply_on_the_next_request(live: Any, cognito: Any, public_cognito: Any, setup: Any) -> None:
    issued = cognito.get_open_id_token_for_developer_identity(IdentityPoolId=setup["pool_id"], Logins={DEV: "carl"})
    creds = public_cognito.get_credentials_for_identity(
        IdentityId=issued["IdentityId"], Logins={COGNITO: issued["Token"]})["Credentials"]
    as_user = as_creds(live, "cognito-identity", creds)
    as_user.describe_identity_pool(IdentityPoolId=setup["pool_id"])
    setup["iam"].delete_role_policy(RoleName=setup["auth"], PolicyName="own-pool")
    with pytest.raises(ClientError) as exc:
        as_user.describe_identity_pool(IdentityPoolId=setup["pool_id"])
    assert exc.value.response["Error"]["Code"] == "AccessDeniedException"


def test_guest_gets_the_unauthenticated_role(live: Any, public_cognito: Any, setup: Any) -> None:
    guest = public_cognito.get_id(IdentityPoolId=setup["pool_id"])["IdentityId"]
    creds = public_cognito.get_credentials_for_identity(IdentityId=guest)["Credentials"]
    me = as_creds(live, "sts", creds).get_caller_identity()
    assert me["Arn"].endswith(f":assumed-role/{setup['guest']}/CognitoIdentityCredentials")


def test_misconfigured_pools_say_invalid_configuration(live: Any, cognito: Any, public_cognito: Any, setup: Any,
                                                       caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="idpool")
    bare = new_pool(cognito)["IdentityPoolId"]
    token = cognito.get_open_id_token_for_developer_identity(IdentityPoolId=bare, Logins={DEV: "x"})
    with pytest.raises(ClientError) as exc:  # no roles at all
        public_cognito.get_credentials_for_identity(IdentityId=token["IdentityId"], Logins={COGNITO: token["Token"]})
    assert exc.value.response["Error"]["Code"] == "InvalidIdentityPoolConfigurationException"
    # a role whose trust policy names another pool
    cognito.set_identity_pool_roles(IdentityPoolId=bare, Roles={"authenticated": setup["roles"]["authenticated"]})
    with pytest.raises(ClientError) as exc:
        public_cognito.get_credentials_for_identity(IdentityId=token["IdentityId"], Logins={COGNITO: token["Token"]})
    assert exc.value.response["Error"]["Code"] == "InvalidIdentityPoolConfigurationException"
    assert exc.value.response["Error"]["Message"] == (
        "Invalid identity pool configuration. Check assigned IAM roles for this pool.")
    # the wire stays AWS-terse; the log says which role and which condition failed
    request_id = exc.value.response["ResponseMetadata"]["RequestId"]
    logged = [r.getMessage() for r in caplog.records if request_id in r.getMessage()]
    assert any(setup["auth"] in line and "cognito-identity.amazonaws.com:aud" in line for line in logged), logged


def test_principal_tags_need_tag_session_and_reach_policies(live: Any, cognito: Any, public_cognito: Any,
                                                            setup: Any) -> None:
    iam = setup["iam"]
    iam.put_role_policy(RoleName=setup["auth"], PolicyName="abac", PolicyDocument=allow(
        ["cognito-identity:ListIdentityPools"], "*", Condition={"StringEquals": {"aws:PrincipalTag/dept": "eng"}}))
    eng = cognito.get_open_id_token_for_developer_identity(
        IdentityPoolId=setup["pool_id"], Logins={DEV: "erin"}, PrincipalTags={"dept": "eng"})
    creds = public_cognito.get_credentials_for_identity(IdentityId=eng["IdentityId"], Logins={COGNITO: eng["Token"]})
    assert as_creds(live, "cognito-identity", creds["Credentials"]).list_identity_pools(MaxResults=1)
    ops = cognito.get_open_id_token_for_developer_identity(
        IdentityPoolId=setup["pool_id"], Logins={DEV: "otto"}, PrincipalTags={"dept": "ops"})
    creds = public_cognito.get_credentials_for_identity(IdentityId=ops["IdentityId"], Logins={COGNITO: ops["Token"]})
    with pytest.raises(ClientError):
        as_creds(live, "cognito-identity", creds["Credentials"]).list_identity_pools(MaxResults=1)
    # the guest role's trust policy lacks sts:TagSession: tags make the exchange fail, as on AWS
    cognito.set_identity_pool_roles(IdentityPoolId=setup["pool_id"], Roles={
        "authenticated": f"arn:aws:iam::123456789012:role/{setup['guest']}"})
    with pytest.raises(ClientError) as exc:
        public_cognito.get_credentials_for_identity(IdentityId=eng["IdentityId"], Logins={COGNITO: eng["Token"]})
    assert exc.value.response["Error"]["Code"] == "InvalidIdentityPoolConfigurationException"


@pytest.mark.catalogue("J07", "J14")
def test_basic_flow_with_sts(live: Any, cognito: Any, public_cognito: Any, setup: Any) -> None:
    issued = cognito.get_open_id_token_for_developer_identity(IdentityPoolId=setup["pool_id"], Logins={DEV: "bo"})
    token = public_cognito.get_open_id_token(IdentityId=issued["IdentityId"], Logins={COGNITO: issued["Token"]})["Token"]
    sts = boto3.client("sts", endpoint_url=live.url, region_name="us-east-1", config=Config(signature_version=UNSIGNED))
    out = sts.assume_role_with_web_identity(RoleArn=setup["roles"]["authenticated"], RoleSessionName="bo-app",
                                            WebIdentityToken=token, DurationSeconds=900)
    assert out["SubjectFromWebIdentityToken"] == issued["IdentityId"]
    assert out["Audience"] == setup["pool_id"] and out["Provider"] == COGNITO
    assert out["AssumedRoleUser"]["Arn"] == f"arn:aws:sts::123456789012:assumed-role/{setup['auth']}/bo-app"
    me = as_creds(live, "sts", out["Credentials"]).get_caller_identity()
    assert me["Arn"] == out["AssumedRoleUser"]["Arn"]
    with pytest.raises(ClientError) as exc:
        sts.assume_role_with_web_identity(RoleArn=setup["roles"]["authenticated"], RoleSessionName="s1",
                                          WebIdentityToken=token, DurationSeconds=7200)
    assert exc.value.response["Error"]["Code"] == "ValidationError"
    with pytest.raises(ClientError) as exc:  # the guest role trusts only unauthenticated tokens (amr swap)
        sts.assume_role_with_web_identity(RoleArn=setup["roles"]["unauthenticated"], RoleSessionName="s1",
                                          WebIdentityToken=token)
    assert exc.value.response["Error"]["Code"] == "AccessDenied"
    with pytest.raises(ClientError) as exc:
        sts.assume_role_with_web_identity(RoleArn=setup["roles"]["authenticated"], RoleSessionName="s1",
                                          WebIdentityToken=token[:-6] + "AAAAAA")
    assert exc.value.response["Error"]["Code"] == "InvalidIdentityToken"


@pytest.mark.catalogue("A02")
def test_session_policy_intersects(live: Any, cognito: Any, setup: Any) -> None:
    setup["iam"].put_role_policy(RoleName=setup["auth"], PolicyName="list", PolicyDocument=allow(
        ["cognito-identity:ListIdentityPools"]))
    issued = cognito.get_open_id_token_for_developer_identity(IdentityPoolId=setup["pool_id"], Logins={DEV: "sue"})
    sts = boto3.client("sts", endpoint_url=live.url, region_name="us-east-1", config=Config(signature_version=UNSIGNED))
    out = sts.assume_role_with_web_identity(RoleArn=setup["roles"]["authenticated"], RoleSessionName="scoped",
                                            WebIdentityToken=issued["Token"],
                                            Policy=allow(["cognito-identity:ListIdentityPools"]))
    scoped = as_creds(live, "cognito-identity", out["Credentials"])
    assert "IdentityPools" in scoped.list_identity_pools(MaxResults=1)
    with pytest.raises(ClientError) as exc:  # the role allows it, the session policy does not
        scoped.describe_identity_pool(IdentityPoolId=setup["pool_id"])
    assert exc.value.response["Error"]["Code"] == "AccessDeniedException"


@pytest.mark.catalogue("S12", "S13")
def test_expired_and_forged_session_credentials(live: Any, setup: Any) -> None:
    from idpool.sts.session_tokens import Session, seal_session

    services = live.services
    role = services.iam.get_role("123456789012", setup["auth"])
    past = dt.datetime.now(dt.UTC) - dt.timedelta(hours=2)
    session = Session(access_key_id="ASIAEXPIREDTEST00001", secret_access_key="s" * 40, account_id="123456789012",
                      role_name=role.name, role_id=role.role_id, role_path="/", session_name="old",
                      issued_at=past, expires_at=past + dt.timedelta(hours=1), source="web-identity")
    token = seal_session(services.sealer, session)
    sts = client(live, "sts", key=session.access_key_id, secret=session.secret_access_key, token=token)
    with pytest.raises(ClientError) as exc:
        sts.get_caller_identity()
    assert exc.value.response["Error"]["Code"] == "ExpiredToken"
    forged = token[:-8] + ("A" * 8 if not token.endswith("A" * 8) else "B" * 8)
    sts = client(live, "sts", key=session.access_key_id, secret=session.secret_access_key, token=forged)
    with pytest.raises(ClientError) as exc:
        sts.get_caller_identity()
    assert exc.value.response["Error"]["Code"] == "InvalidClientTokenId"


def test_assume_role_for_an_iam_user(live: Any, setup: Any) -> None:
    iam = setup["iam"]
    user = name("ops")
    user_arn = iam.create_user(UserName=user)["User"]["Arn"]
    iam.put_user_policy(UserName=user, PolicyName="assume", PolicyDocument=allow(["sts:AssumeRole"]))
    key = iam.create_access_key(UserName=user)["AccessKey"]
    target = name("Ops")
    iam.create_role(RoleName=target, AssumeRolePolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"AWS": user_arn}, "Action": "sts:AssumeRole"}]}))
    sts = client(live, "sts", key=key["AccessKeyId"], secret=key["SecretAccessKey"])
    out = sts.assume_role(RoleArn=f"arn:aws:iam::123456789012:role/{target}", RoleSessionName="ops-session")
    me = as_creds(live, "sts", out["Credentials"]).get_caller_identity()
    assert me["Arn"] == f"arn:aws:sts::123456789012:assumed-role/{target}/ops-session"
    with pytest.raises(ClientError) as exc:  # the guest role does not trust this user
        sts.assume_role(RoleArn=setup["roles"]["unauthenticated"], RoleSessionName="nope")
    assert exc.value.response["Error"]["Code"] == "AccessDenied"
    # a role session chains into a role whose trust policy names the first role
    iam.put_role_policy(RoleName=target, PolicyName="chain", PolicyDocument=allow(["sts:AssumeRole"]))
    chained = name("Chained")
    iam.create_role(RoleName=chained, AssumeRolePolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::123456789012:role/{target}"},
         "Action": "sts:AssumeRole"}]}))
    as_role = as_creds(live, "sts", out["Credentials"])
    hop = as_role.assume_role(RoleArn=f"arn:aws:iam::123456789012:role/{chained}", RoleSessionName="hop")
    assert as_creds(live, "sts", hop["Credentials"]).get_caller_identity()["Arn"] == (
        f"arn:aws:sts::123456789012:assumed-role/{chained}/hop")


def test_attribute_map_turns_claims_into_session_tags(live: Any, cognito: Any, public_cognito: Any,
                                                      setup: Any) -> None:
    pool_id = setup["pool_id"]
    cognito.set_principal_tag_attribute_map(IdentityPoolId=pool_id, IdentityProviderName=DEV,
                                            PrincipalTags={"team": "dept"})
    setup["iam"].put_role_policy(RoleName=setup["auth"], PolicyName="by-team", PolicyDocument=allow(
        ["cognito-identity:ListIdentityPools"], "*", Condition={"StringEquals": {"aws:PrincipalTag/team": "eng"}}))
    eng = cognito.get_open_id_token_for_developer_identity(IdentityPoolId=pool_id, Logins={DEV: "tm"},
                                                           PrincipalTags={"dept": "eng"})
    creds = public_cognito.get_credentials_for_identity(IdentityId=eng["IdentityId"], Logins={COGNITO: eng["Token"]})
    assert as_creds(live, "cognito-identity", creds["Credentials"]).list_identity_pools(MaxResults=1)


@pytest.mark.catalogue("S14", "S15")
def test_revoking_sessions_by_token_issue_time(live: Any, cognito: Any, public_cognito: Any, setup: Any) -> None:
    """IAM User Guide "Revoking IAM role temporary security credentials": a Deny on
    aws:TokenIssueTime cuts off every session issued before a moment (S14/S15 in docs/SECURITY.md)."""
    issued = cognito.get_open_id_token_for_developer_identity(IdentityPoolId=setup["pool_id"], Logins={DEV: "rv"})
    creds = public_cognito.get_credentials_for_identity(
        IdentityId=issued["IdentityId"], Logins={COGNITO: issued["Token"]})["Credentials"]
    as_user = as_creds(live, "cognito-identity", creds)
    as_user.describe_identity_pool(IdentityPoolId=setup["pool_id"])
    cutoff = (dt.datetime.now(dt.UTC) + dt.timedelta(seconds=2)).strftime("%Y-%m-%dT%H:%M:%SZ")
    setup["iam"].put_role_policy(RoleName=setup["auth"], PolicyName="revoke", PolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Action": "*", "Resource": "*",
                                                "Condition": {"DateLessThan": {"aws:TokenIssueTime": cutoff}}}]}))
    with pytest.raises(ClientError) as exc:
        as_user.describe_identity_pool(IdentityPoolId=setup["pool_id"])
    assert "explicit deny" in exc.value.response["Error"]["Message"]


@pytest.mark.catalogue("A06")
def test_get_caller_identity_for_root_and_under_an_explicit_deny(live: Any, setup: Any) -> None:
    root = client(live, "sts").get_caller_identity()
    assert root == {**root, "Account": "123456789012", "Arn": "arn:aws:iam::123456789012:root",
                    "UserId": "123456789012"}
    iam = setup["iam"]
    user = name("denied")
    iam.create_user(UserName=user)
    iam.put_user_policy(UserName=user, PolicyName="nothing", PolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Action": "*", "Resource": "*"}]}))
    key = iam.create_access_key(UserName=user)["AccessKey"]
    me = client(live, "sts", key=key["AccessKeyId"], secret=key["SecretAccessKey"]).get_caller_identity()
    assert me["Arn"] == f"arn:aws:iam::123456789012:user/{user}"  # A06: always allowed


@pytest.mark.catalogue("J08")
def test_expired_web_identity_token(live: Any, cognito: Any, setup: Any) -> None:
    issued = cognito.get_open_id_token_for_developer_identity(IdentityPoolId=setup["pool_id"], Logins={DEV: "ex"})
    past = int((dt.datetime.now(dt.UTC) - dt.timedelta(hours=1)).timestamp())
    claims = {**claims_of(issued["Token"])[1], "iat": past - 900, "exp": past}
    expired = live.services.keys.sign(claims)  # validly signed by our key, but an hour old
    sts = boto3.client("sts", endpoint_url=live.url, region_name="us-east-1", config=Config(signature_version=UNSIGNED))
    with pytest.raises(ClientError) as exc:
        sts.assume_role_with_web_identity(RoleArn=setup["roles"]["authenticated"], RoleSessionName="late",
                                          WebIdentityToken=expired)
    assert exc.value.response["Error"]["Code"] == "ExpiredTokenException"
