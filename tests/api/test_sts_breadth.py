"""GetSessionToken, GetFederationToken, GetAccessKeyInfo and DecodeAuthorizationMessage through
boto3, with the limits AWS puts on the credentials they return (issue #12 item 3)."""

from __future__ import annotations

import datetime as dt
import json
import logging
from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.api.support import ACCOUNT, allow, as_creds, code, name, new_pool
from tests.support import ROOT_KEY, client


def message(exc: pytest.ExceptionInfo[ClientError]) -> str:
    return str(exc.value.response["Error"]["Message"])


def new_user(live: Any, policy: str | None = None) -> tuple[str, dict[str, str], Any]:
    iam = client(live, "iam")
    user_name = name("dev")
    user = iam.create_user(UserName=user_name)["User"]
    if policy:
        iam.put_user_policy(UserName=user_name, PolicyName="p", PolicyDocument=policy)
    key = iam.create_access_key(UserName=user_name)["AccessKey"]
    return user_name, key, user


def with_key(live: Any, service: str, key: dict[str, str]) -> Any:
    return client(live, service, key=key["AccessKeyId"], secret=key["SecretAccessKey"])


def lifetime(creds: dict[str, Any]) -> float:
    return (creds["Expiration"] - dt.datetime.now(dt.UTC)).total_seconds()


def test_get_session_token_acts_as_the_user(live: Any, cognito: Any) -> None:
    pool_id = new_pool(cognito)["IdentityPoolId"]
    _, key, user = new_user(live, allow(["cognito-identity:DescribeIdentityPool"]))
    creds = with_key(live, "sts", key).get_session_token(DurationSeconds=7200)["Credentials"]
    assert creds["AccessKeyId"].startswith("ASIA") and 7000 < lifetime(creds) <= 7200
    me = as_creds(live, "sts", creds).get_caller_identity()
    assert (me["Arn"], me["UserId"]) == (user["Arn"], user["UserId"])
    session_cognito = as_creds(live, "cognito-identity", creds)
    assert session_cognito.describe_identity_pool(IdentityPoolId=pool_id)["IdentityPoolId"] == pool_id
    with pytest.raises(ClientError) as exc:  # the user's own policies, no more
        session_cognito.list_identity_pools(MaxResults=1)
    assert code(exc) == "AccessDeniedException"
    with pytest.raises(ClientError) as exc:  # IAM refuses these credentials without MFA
        as_creds(live, "iam", creds).list_roles()
    assert (code(exc), message(exc)) == ("InvalidClientTokenId", "The security token included in the request is invalid.")
    with pytest.raises(ClientError) as exc:
        as_creds(live, "sts", creds).get_session_token()
    assert (code(exc), message(exc)) == ("AccessDenied", "Cannot call GetSessionToken with session credentials")


def test_get_session_token_defaults_and_root_sessions(live: Any) -> None:
    _, key, _ = new_user(live)
    creds = with_key(live, "sts", key).get_session_token()["Credentials"]
    assert 43_000 < lifetime(creds) <= 43_200  # 12 hours
    root = client(live, "sts").get_session_token(DurationSeconds=36_000)["Credentials"]
    assert lifetime(root) <= 3600  # the root user's sessions last an hour at most
    assert as_creds(live, "sts", root).get_caller_identity()["Arn"] == f"arn:aws:iam::{ACCOUNT}:root"
    assert as_creds(live, "cognito-identity", root).list_identity_pools(MaxResults=1) is not None


def test_mfa_fields_are_checked_and_never_verifiable(live: Any) -> None:
    _, key, _ = new_user(live)
    sts = with_key(live, "sts", key)
    with pytest.raises(ClientError) as exc:
        sts.get_session_token(SerialNumber="arn:aws:iam::123456789012:mfa/dev", TokenCode="123456")
    assert code(exc) == "AccessDenied" and "unable to validate MFA code" in message(exc)
    with pytest.raises(ClientError) as exc:
        sts.get_session_token(SerialNumber="arn:aws:iam::123456789012:mfa/dev")
    assert code(exc) == "ValidationError"
    with pytest.raises(ClientError) as exc:
        sts.get_session_token(SerialNumber="arn:aws:iam::123456789012:mfa/dev", TokenCode="12ab56")
    assert code(exc) == "ValidationError"  # the model's pattern: six digits


def test_get_federation_token_needs_a_session_policy(live: Any, cognito: Any) -> None:
    pool_id = new_pool(cognito)["IdentityPoolId"]
    _, key, _ = new_user(live, allow(["cognito-identity:*", "sts:GetFederationToken"]))
    sts = with_key(live, "sts", key)
    bare = sts.get_federation_token(Name="visitor")
    assert bare["FederatedUser"] == {"FederatedUserId": f"{ACCOUNT}:visitor",
                                     "Arn": f"arn:aws:sts::{ACCOUNT}:federated-user/visitor"}
    assert as_creds(live, "sts", bare["Credentials"]).get_caller_identity()["Arn"] == bare["FederatedUser"]["Arn"]
    with pytest.raises(ClientError):  # no session policy: nothing
        as_creds(live, "cognito-identity", bare["Credentials"]).describe_identity_pool(IdentityPoolId=pool_id)
    scoped = sts.get_federation_token(Name="reader", Policy=allow(["cognito-identity:Describe*", "s3:*"]))
    fed = as_creds(live, "cognito-identity", scoped["Credentials"])
    assert fed.describe_identity_pool(IdentityPoolId=pool_id)["IdentityPoolId"] == pool_id  # both allow
    with pytest.raises(ClientError):
        fed.list_identity_pools(MaxResults=1)  # the user allows it, the session policy does not
    with pytest.raises(ClientError) as exc:  # federated users reach no other STS operation
        as_creds(live, "sts", scoped["Credentials"]).get_session_token()
    assert (code(exc), message(exc)) == ("AccessDenied", "Cannot call GetSessionToken with session credentials")
    with pytest.raises(ClientError) as exc:
        as_creds(live, "iam", scoped["Credentials"]).get_user()
    assert code(exc) == "InvalidClientTokenId"


def test_federation_needs_long_term_credentials_and_permission(live: Any) -> None:
    role_session = client(live, "sts").get_session_token()["Credentials"]
    with pytest.raises(ClientError) as exc:
        as_creds(live, "sts", role_session).get_federation_token(Name="x-user")
    assert message(exc) == "Cannot call GetFederationToken with session credentials"
    _, key, _ = new_user(live, allow(["sts:GetSessionToken"]))
    with pytest.raises(ClientError) as exc:
        with_key(live, "sts", key).get_federation_token(Name="x-user")
    assert code(exc) == "AccessDenied"
    assert f"sts:GetFederationToken on resource: arn:aws:sts::{ACCOUNT}:federated-user/x-user" in message(exc)


def test_get_access_key_info(live: Any) -> None:
    _, key, _ = new_user(live)
    sts = client(live, "sts")
    assert sts.get_access_key_info(AccessKeyId=key["AccessKeyId"])["Account"] == ACCOUNT
    assert sts.get_access_key_info(AccessKeyId=ROOT_KEY)["Account"] == ACCOUNT


def test_a_denial_can_be_decoded_by_who_may(live: Any, cognito: Any, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="idpool")
    pool_id = new_pool(cognito)["IdentityPoolId"]
    _, key, user = new_user(live, allow(["cognito-identity:ListIdentityPools"]))
    with pytest.raises(ClientError) as exc:
        with_key(live, "cognito-identity", key).describe_identity_pool(IdentityPoolId=pool_id)
    request_id = exc.value.response["ResponseMetadata"]["RequestId"]
    lines = [json.loads(r.getMessage()) for r in caplog.records if request_id in r.getMessage()]
    encoded = next(line["encodedMessage"] for line in lines if "encodedMessage" in line)
    decoded = json.loads(client(live, "sts").decode_authorization_message(EncodedMessage=encoded)["DecodedMessage"])
    assert decoded["allowed"] is False and decoded["explicitDeny"] is False
    assert decoded["context"]["principal"]["arn"] == user["Arn"]
    assert decoded["context"]["action"] == "cognito-identity:DescribeIdentityPool"
    assert decoded["context"]["resource"].endswith(f":identitypool/{pool_id}")
    with pytest.raises(ClientError) as exc:  # the user may not read why it was denied
        with_key(live, "sts", key).decode_authorization_message(EncodedMessage=encoded)
    assert code(exc) == "AccessDenied"
    with pytest.raises(ClientError) as exc:
        client(live, "sts").decode_authorization_message(EncodedMessage=encoded[:-8] + "AAAAAAAA")
    assert code(exc) == "InvalidAuthorizationMessageException"
