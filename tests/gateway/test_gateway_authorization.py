"""Who may call through the gateway: requests signed by botocore's SigV4Auth with the
credentials a frontend gets (GetCredentialsForIdentity, AssumeRoleWithWebIdentity), IAM
users' keys and root, authorized by the role's policy on the method's execute-api ARN, and
refused with API Gateway's answers."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import boto3
import httpx
from botocore import UNSIGNED
from botocore.config import Config
from botocore.credentials import Credentials

from idpool.auth import Authenticator
from idpool.auth.credentials import CredentialChain, TemporaryCredentials, UserAccessKeys
from tests.gateway.support import (
    ACCOUNT,
    DEVELOPER,
    REGION,
    AsgiThread,
    Notes,
    call,
    error_of,
    in_process_gateway,
    presigned_url,
)
from tests.support import ROOT_KEY, ROOT_SECRET, LiveServer, client

INVOKE = "execute-api:Invoke"


def arn(method: str, path: str) -> str:
    return f"arn:aws:execute-api:{REGION}:{ACCOUNT}:api/prod/{method}/{path}"


def test_an_identity_reads_its_own_notes(gateway: AsgiThread, notes: Notes, upstream: Any) -> None:
    alice = notes.alice
    response = call("GET", f"{gateway.url}/prod/notes/{alice.identity_id}/today?sort=asc", alice.credentials)
    assert response.status_code == 200, response.text
    seen = upstream[0].last()
    assert (seen.method, seen.path, seen.query) == ("GET", f"/notes/{alice.identity_id}/today", "sort=asc")
    assert seen.context == {
        "cognitoIdentityPoolId": notes.pool_id,
        "accountId": ACCOUNT,
        "cognitoIdentityId": alice.identity_id,
        "caller": seen.context["caller"],
        "sourceIp": "127.0.0.1",
        "accessKey": alice.credentials.access_key,
        "cognitoAuthenticationType": "authenticated",
        "cognitoAuthenticationProvider": f"{DEVELOPER},{DEVELOPER}:{notes.pool_id}:alice",
        "userArn": notes.assumed_arn(notes.auth_role),
    }
    assert seen.context["caller"].startswith("AROA") and seen.context["caller"].endswith(":CognitoIdentityCredentials")


def test_an_identity_is_denied_anothers_notes_with_the_caller_and_resource(gateway: AsgiThread, notes: Notes,
                                                                             upstream: Any) -> None:
    before = len(upstream[0].seen)
    response = call("GET", f"{gateway.url}/prod/notes/{notes.bob.identity_id}/today", notes.alice.credentials)
    assert error_of(response) == (403, "AccessDeniedException", {
        "Message": f"User: {notes.assumed_arn(notes.auth_role)} is not authorized to perform: {INVOKE} "
                   f"on resource: {arn('GET', f'notes/{notes.bob.identity_id}/today')}"})
    assert len(upstream[0].seen) == before  # nothing reached the upstream


def test_bob_reads_his_own_and_not_alices(gateway: AsgiThread, notes: Notes) -> None:
    bob = notes.bob.credentials
    assert call("PUT", f"{gateway.url}/prod/notes/{notes.bob.identity_id}", bob, body=b"hi").status_code == 200
    assert call("PUT", f"{gateway.url}/prod/notes/{notes.alice.identity_id}", bob, body=b"hi").status_code == 403


def test_a_deny_wins_over_the_allow(gateway: AsgiThread, notes: Notes) -> None:
    alice = notes.alice
    response = call("DELETE", f"{gateway.url}/prod/notes/{alice.identity_id}/today", alice.credentials)
    assert error_of(response)[:2] == (403, "AccessDeniedException")
    assert arn("DELETE", f"notes/{alice.identity_id}/today") in response.json()["Message"]


def test_a_guest_gets_what_the_unauthenticated_role_allows(gateway: AsgiThread, notes: Notes, upstream: Any) -> None:
    guest = notes.guest
    response = call("GET", f"{gateway.url}/prod/public/about", guest.credentials)
    assert response.status_code == 200, response.text
    context = upstream[0].last().context
    assert (context["cognitoIdentityId"], context["cognitoAuthenticationType"]) == (guest.identity_id, "unauthenticated")
    assert context["cognitoAuthenticationProvider"] is None
    assert context["userArn"] == notes.assumed_arn(notes.guest_role)
    own = call("GET", f"{gateway.url}/prod/notes/{guest.identity_id}/x", guest.credentials)
    assert error_of(own)[:2] == (403, "AccessDeniedException")


def test_basic_flow_credentials_carry_the_cognito_identity(live: LiveServer, gateway: AsgiThread, notes: Notes,
                                                         upstream: Any) -> None:
    sts = boto3.client("sts", endpoint_url=live.url, region_name=REGION,
                       config=Config(signature_version=UNSIGNED, retries={"max_attempts": 1}))
    got = sts.assume_role_with_web_identity(RoleArn=f"arn:aws:iam::{ACCOUNT}:role/{notes.auth_role}",
                                            RoleSessionName="alice-web", WebIdentityToken=notes.alice.token)
    creds = got["Credentials"]
    basic = Credentials(creds["AccessKeyId"], creds["SecretAccessKey"], creds["SessionToken"])
    assert call("GET", f"{gateway.url}/prod/notes/{notes.alice.identity_id}", basic).status_code == 200
    context = upstream[0].last().context
    assert context["cognitoIdentityId"] == notes.alice.identity_id
    assert context["userArn"] == f"arn:aws:sts::{ACCOUNT}:assumed-role/{notes.auth_role}/alice-web"


def test_iam_users_and_root_sign_with_their_keys(live: LiveServer, gateway: AsgiThread, upstream: Any) -> None:
    iam = client(live, "iam")
    user = iam.create_user(UserName="reporting-job")["User"]
    iam.put_user_policy(UserName="reporting-job", PolicyName="reports", PolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": INVOKE, "Resource": arn("GET", "reports/*")}]}))
    key = iam.create_access_key(UserName="reporting-job")["AccessKey"]
    keys = Credentials(key["AccessKeyId"], key["SecretAccessKey"])
    assert call("GET", f"{gateway.url}/prod/reports/daily", keys).status_code == 200
    context = upstream[0].last().context
    assert context["userArn"] == user["Arn"] and context["caller"] == user["UserId"]
    assert context["accessKey"] == key["AccessKeyId"]
    assert context["cognitoIdentityId"] is context["cognitoIdentityPoolId"] is context["cognitoAuthenticationType"] is None
    assert error_of(call("POST", f"{gateway.url}/prod/reports/daily", keys))[:2] == (403, "AccessDeniedException")

    assert call("DELETE", f"{gateway.url}/prod/anything/at/all", Credentials(ROOT_KEY, ROOT_SECRET)).status_code == 200
    assert upstream[0].last().context["userArn"] == f"arn:aws:iam::{ACCOUNT}:root"


def test_unsigned_requests_are_missing_the_authentication_token(gateway: AsgiThread) -> None:
    for path in ("/prod/public/about", "/prod", "/elsewhere/public/about", "/"):
        response = httpx.get(gateway.url + path)
        assert error_of(response) == (403, "MissingAuthenticationTokenException",
                                      {"message": "Missing Authentication Token"}), path


def test_a_path_outside_the_stage_is_not_forwarded_even_signed(gateway: AsgiThread, notes: Notes) -> None:
    response = call("GET", f"{gateway.url}/test/notes/{notes.alice.identity_id}", notes.alice.credentials)
    assert error_of(response) == (403, "MissingAuthenticationTokenException", {"message": "Missing Authentication Token"})
    assert httpx.get(f"{gateway.url}/health").json() == {"status": "ok"}


def test_a_wrong_secret_is_a_bad_signature(gateway: AsgiThread, notes: Notes) -> None:
    real = notes.alice.credentials
    forged = Credentials(real.access_key, "not-the-secret-" + real.secret_key[15:], real.token)
    status, kind, body = error_of(call("GET", f"{gateway.url}/prod/public/x", forged))
    assert (status, kind) == (403, "InvalidSignatureException")
    assert body["message"].startswith("The request signature we calculated does not match the signature you provided.")


def test_a_signature_for_another_service_or_region_is_refused(gateway: AsgiThread, notes: Notes) -> None:
    alice = notes.alice.credentials
    wrong_service = call("GET", f"{gateway.url}/prod/public/x", alice, service="sts")
    assert error_of(wrong_service)[:2] == (403, "InvalidSignatureException")
    assert "execute-api" in wrong_service.json()["message"]
    wrong_region = call("GET", f"{gateway.url}/prod/public/x", alice, region="eu-west-1")
    assert error_of(wrong_region)[:2] == (403, "InvalidSignatureException")


def test_an_unknown_key_is_an_invalid_token(gateway: AsgiThread) -> None:
    stranger = Credentials("AKIAUNKNOWNKEY000001", "x" * 40)
    assert error_of(call("GET", f"{gateway.url}/prod/public/x", stranger)) == (
        403, "UnrecognizedClientException", {"message": "The security token included in the request is invalid."})


def test_expired_credentials_are_refused(live: LiveServer, upstream: Any, notes: Notes) -> None:
    """The same credentials, at a gateway whose clock reads 61 minutes later: past their
    Expiration (the signature's own time is accepted by a wide skew, to isolate expiry)."""
    services = live.services

    class Later:
        def now(self) -> dt.datetime:
            return dt.datetime.now(dt.UTC) + dt.timedelta(minutes=61)

    chain = CredentialChain(services.root, UserAccessKeys(services.store, services.sealer),
                            TemporaryCredentials(services.sealer, Later()))
    later = in_process_gateway(live, upstream[1].url,
                               authenticator=Authenticator(chain, Later(), dt.timedelta(minutes=90)))
    try:
        response = call("GET", f"{later.url}/prod/public/x", notes.guest.credentials)
        assert error_of(response) == (403, "ExpiredTokenException",
                                      {"message": "The security token included in the request is expired"})
    finally:
        later.stop()


def test_a_policy_change_applies_on_the_next_request(live: LiveServer, gateway: AsgiThread, notes: Notes) -> None:
    iam, url = client(live, "iam"), f"{gateway.url}/prod/notes/{notes.alice.identity_id}/x"
    assert call("GET", url, notes.alice.credentials).status_code == 200
    iam.put_role_policy(RoleName=notes.auth_role, PolicyName="closed", PolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Action": "execute-api:*", "Resource": "*"}]}))
    try:
        assert call("GET", url, notes.alice.credentials).status_code == 403
    finally:
        iam.delete_role_policy(RoleName=notes.auth_role, PolicyName="closed")
    assert call("GET", url, notes.alice.credentials).status_code == 200


def test_conditions_see_the_request_context(live: LiveServer, gateway: AsgiThread, notes: Notes) -> None:
    """aws:SourceIp is the gateway's peer (127.0.0.1 here): a Deny outside 10.0.0.0/8 applies."""
    iam, url = client(live, "iam"), f"{gateway.url}/prod/notes/{notes.bob.identity_id}"
    iam.put_role_policy(RoleName=notes.auth_role, PolicyName="office-only", PolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Action": INVOKE, "Resource": "*",
                                                "Condition": {"NotIpAddress": {"aws:SourceIp": "10.0.0.0/8"}}}]}))
    try:
        assert error_of(call("GET", url, notes.bob.credentials))[:2] == (403, "AccessDeniedException")
    finally:
        iam.delete_role_policy(RoleName=notes.auth_role, PolicyName="office-only")


def test_presigned_urls_work_and_their_signature_is_not_forwarded(gateway: AsgiThread, notes: Notes,
                                                                 upstream: Any) -> None:
    url = presigned_url("GET", f"{gateway.url}/prod/notes/{notes.alice.identity_id}?page=2", notes.alice.credentials)
    assert "X-Amz-Security-Token=" in url
    assert httpx.get(url).status_code == 200
    seen = upstream[0].last()
    assert seen.query == "page=2"
    assert seen.context["cognitoIdentityId"] == notes.alice.identity_id

