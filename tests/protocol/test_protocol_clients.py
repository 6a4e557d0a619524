"""Real botocore clients talking to our router and codecs in-process: the SDK's own
handlers (IAM policy decoding, modelled exceptions, status codes) see what AWS sends."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from botocore.exceptions import ClientError
from wire_helpers import WireError, loopback_client

POOL = "us-east-1:0b2c5a0e-7c44-4b43-9a4e-2f1d7e0c9a11"
STATEMENT = {"Effect": "Allow", "Action": "s3:Get*", "Resource": "arn:aws:s3:::b/${aws:username}/*"}
POLICY = {"Version": "2012-10-17", "Statement": [STATEMENT]}
NOW = dt.datetime(2026, 1, 2, 3, 4, 5, 678000, tzinfo=dt.UTC)


class Recorder:
    def __init__(self, answers: dict[str, Any]) -> None:
        self.answers = answers
        self.calls: list[tuple[str, dict[str, Any]]] = []

    def __call__(self, operation: str, params: dict[str, Any]) -> Any:
        self.calls.append((operation, params))
        answer = self.answers[operation]
        if isinstance(answer, Exception):
            raise answer
        return answer


def role(name: str) -> dict[str, Any]:
    return {
        "Path": "/",
        "RoleName": name,
        "RoleId": "AROAEXAMPLEEXAMPLE01",
        "Arn": f"arn:aws:iam::000000000000:role/{name}",
        "CreateDate": NOW,
        "AssumeRolePolicyDocument": json.dumps(POLICY),
    }


def test_iam_policy_documents_reach_boto_as_dicts() -> None:
    recorder = Recorder(
        {
            "GetRolePolicy": {"RoleName": "r", "PolicyName": "p", "PolicyDocument": json.dumps(POLICY)},
            "ListRoles": {"Roles": [role("a"), role("b")], "IsTruncated": False},
            "CreateRole": {"Role": role("c")},
        }
    )
    iam = loopback_client("iam", recorder)
    assert iam.get_role_policy(RoleName="r", PolicyName="p")["PolicyDocument"] == POLICY
    listed = iam.list_roles()["Roles"]
    assert [r["AssumeRolePolicyDocument"] for r in listed] == [POLICY, POLICY]
    assert listed[0]["CreateDate"] == NOW
    iam.create_role(RoleName="c", AssumeRolePolicyDocument=json.dumps(POLICY), Tags=[{"Key": "team", "Value": "id"}])
    assert recorder.calls[-1] == (
        "CreateRole",
        {"RoleName": "c", "AssumeRolePolicyDocument": json.dumps(POLICY), "Tags": [{"Key": "team", "Value": "id"}]},
    )


@pytest.mark.catalogue("P02")
def test_iam_modelled_error_becomes_the_sdk_exception() -> None:
    iam = loopback_client("iam", Recorder({"GetRole": WireError("NoSuchEntity", "The role with name x cannot be found.")}))
    with pytest.raises(iam.exceptions.NoSuchEntityException) as caught:
        iam.get_role(RoleName="x")
    assert caught.value.response["Error"] == {
        "Type": "Sender",
        "Code": "NoSuchEntity",
        "Message": "The role with name x cannot be found.",
    }
    assert caught.value.response["ResponseMetadata"]["HTTPStatusCode"] == 404


def test_iam_server_side_validation_reaches_the_sdk() -> None:
    iam = loopback_client("iam", Recorder({}))
    with pytest.raises(ClientError) as caught:
        iam.create_user(UserName="has space")  # botocore checks no pattern; the server must
    assert caught.value.response["Error"]["Code"] == "ValidationError"
    assert "at 'userName' failed to satisfy constraint" in caught.value.response["Error"]["Message"]


def test_sts_unsigned_call_and_credentials() -> None:
    credentials = {"AccessKeyId": "ASIAEXAMPLEEXAMPLE01", "SecretAccessKey": "s" * 40, "SessionToken": "t" * 64, "Expiration": NOW}
    recorder = Recorder({"AssumeRoleWithWebIdentity": {"Credentials": credentials, "SubjectFromWebIdentityToken": "sub"}})
    sts = loopback_client("sts", recorder)
    answer = sts.assume_role_with_web_identity(
        RoleArn="arn:aws:iam::000000000000:role/web", RoleSessionName="s1", WebIdentityToken="header.payload.sig"
    )
    assert answer["Credentials"] == credentials
    assert recorder.calls[0][1]["WebIdentityToken"] == "header.payload.sig"


@pytest.mark.catalogue("P02")
def test_sts_modelled_error_status_and_exception() -> None:
    sts = loopback_client("sts", Recorder({"AssumeRoleWithWebIdentity": WireError("IDPRejectedClaim", "Rejected")}))
    with pytest.raises(sts.exceptions.IDPRejectedClaimException) as caught:
        sts.assume_role_with_web_identity(RoleArn="arn:aws:iam::000000000000:role/web", RoleSessionName="s1", WebIdentityToken="abcd")
    assert caught.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403


def test_cognito_calls_errors_and_timestamps() -> None:
    credentials = {"AccessKeyId": "ASIA1", "SecretKey": "k", "SessionToken": "t", "Expiration": NOW}
    recorder = Recorder(
        {
            "GetId": {"IdentityId": POOL},
            "GetCredentialsForIdentity": {"IdentityId": POOL, "Credentials": credentials},
            "DeleteIdentityPool": {},
            "DescribeIdentity": WireError("NotAuthorizedException", "Logins don't match."),
        }
    )
    cognito = loopback_client("cognito-identity", recorder)
    assert cognito.get_id(IdentityPoolId=POOL, Logins={"login.example": "tok"})["IdentityId"] == POOL
    assert cognito.get_credentials_for_identity(IdentityId=POOL)["Credentials"] == credentials
    assert set(cognito.delete_identity_pool(IdentityPoolId=POOL)) == {"ResponseMetadata"}
    with pytest.raises(cognito.exceptions.NotAuthorizedException) as caught:
        cognito.describe_identity(IdentityId=POOL)
    assert caught.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400  # as real Cognito answers


def test_cognito_pattern_violation_is_a_validation_exception() -> None:
    cognito = loopback_client("cognito-identity", Recorder({}))
    with pytest.raises(ClientError) as caught:
        cognito.get_id(IdentityPoolId="us-east-1_userpool")
    assert caught.value.response["Error"]["Code"] == "ValidationException"
    assert caught.value.response["Error"]["Message"].startswith("1 validation error detected: Value 'us-east-1_userpool'")
