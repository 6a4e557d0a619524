"""The real AWS SDKs for JavaScript (v3 and v2) in Node, against a live idpool.

Each flow is the one the Cognito Developer Guide documents for developer-authenticated
identities (authentication-flow.md, developer-authenticated-identities.md): the backend
gets a token with GetOpenIdTokenForDeveloperIdentity (boto3 here), the client SDK turns
it into temporary credentials, and those credentials sign further calls that IAM policy
evaluation allows or denies. The scripts live in tests/js (sdk-v3.mjs, sdk-v2.mjs).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from tests.sdk.node import run_node
from tests.sdk.scenario import ACCOUNT, Scenario, build_scenario
from tests.support import LiveServer

pytestmark = [pytest.mark.slow, pytest.mark.catalogue("P03")]

ENHANCED_SESSION = "CognitoIdentityCredentials"  # GetCredentialsForIdentity's RoleSessionName
V2_BASIC_SESSION = "web-identity"  # aws-sdk v2 WebIdentityCredentials' default RoleSessionName


@pytest.fixture(scope="module")
def scenario(live: LiveServer) -> Scenario:
    return build_scenario(live)


@pytest.fixture(scope="module")
def v3(scenario: Scenario) -> Any:
    return run_node("sdk-v3.mjs", scenario.node_input())


@pytest.fixture(scope="module")
def v2(scenario: Scenario) -> Any:
    return run_node("sdk-v2.mjs", scenario.node_input(roleArn=scenario.role_arn(scenario.auth_role)))


def assert_temporary(expiration: str | None, access_key_id: str) -> None:
    """Issued credentials: an ASIA key that expires within the hour GetCredentialsForIdentity grants."""
    assert access_key_id.startswith("ASIA")
    assert expiration is not None
    left = dt.datetime.fromisoformat(expiration.replace("Z", "+00:00")) - dt.datetime.now(dt.UTC)
    assert dt.timedelta(0) < left <= dt.timedelta(hours=1, minutes=1)


def assert_denied(outcome: dict[str, Any], code: str, action: str) -> None:
    assert outcome["ok"] is False, outcome
    assert outcome.get("name", outcome.get("code")) == code, outcome
    assert outcome["status"] == 400
    assert action in outcome["message"]


# --- v3: @aws-sdk/credential-providers ----------------------------------------------------------
def test_v3_from_cognito_identity_assumes_the_authenticated_role(v3: Any, scenario: Scenario) -> None:
    developer = v3["developer"]
    assert developer["identityId"] == scenario.identity_id
    assert developer["hasSecret"] and developer["hasSessionToken"]
    assert_temporary(developer["expiration"], developer["accessKeyId"])
    caller = developer["caller"]
    assert caller["Arn"] == scenario.assumed_arn(scenario.auth_role, ENHANCED_SESSION)
    assert caller["Account"] == ACCOUNT
    assert caller["UserId"].startswith("AROA") and caller["UserId"].endswith(f":{ENHANCED_SESSION}")


def test_v3_credentials_are_authorized_by_the_role_policy(v3: Any, scenario: Scenario) -> None:
    developer = v3["developer"]
    assert developer["describe"] == {"ok": True, "IdentityPoolId": scenario.pool_id}
    assert_denied(developer["list"], "AccessDeniedException", "cognito-identity:ListIdentityPools")


def test_v3_from_cognito_identity_pool_gets_a_guest_the_unauthenticated_role(v3: Any, scenario: Scenario) -> None:
    guest = v3["guest"]
    assert guest["identityId"].startswith("us-east-1:")
    assert guest["identityId"] != scenario.identity_id
    assert_temporary(guest["expiration"], guest["accessKeyId"])
    assert guest["caller"]["Arn"] == scenario.assumed_arn(scenario.unauth_role, ENHANCED_SESSION)
    assert_denied(guest["describe"], "AccessDeniedException", "cognito-identity:DescribeIdentityPool")


def test_v3_reports_a_forged_token_as_not_authorized(v3: Any) -> None:
    assert v3["badToken"]["ok"] is False
    assert v3["badToken"]["name"] == "NotAuthorizedException"
    assert v3["badToken"]["status"] == 400


def test_v3_finds_idpool_through_the_standard_endpoint_variables(scenario: Scenario) -> None:
    """No endpoint in code: AWS_ENDPOINT_URL_COGNITO_IDENTITY / _STS alone (docs/AWS_REFERENCE.md §7)."""
    result = run_node("sdk-v3.mjs", scenario.node_input(endpoint=None), env={
        "AWS_ENDPOINT_URL_COGNITO_IDENTITY": scenario.endpoint, "AWS_ENDPOINT_URL_STS": scenario.endpoint})
    assert result["developer"]["caller"]["Arn"] == scenario.assumed_arn(scenario.auth_role, ENHANCED_SESSION)
    assert result["guest"]["caller"]["Arn"] == scenario.assumed_arn(scenario.unauth_role, ENHANCED_SESSION)


# --- v2: aws-sdk AWS.CognitoIdentityCredentials --------------------------------------------------
def test_v2_enhanced_flow_assumes_the_authenticated_role(v2: Any, scenario: Scenario) -> None:
    enhanced = v2["enhanced"]
    assert enhanced["identityId"] == scenario.identity_id
    assert enhanced["hasSessionToken"]
    assert_temporary(enhanced["expireTime"], enhanced["accessKeyId"])
    assert enhanced["caller"]["Arn"] == scenario.assumed_arn(scenario.auth_role, ENHANCED_SESSION)
    assert enhanced["describe"] == {"ok": True, "IdentityPoolId": scenario.pool_id}
    assert_denied(enhanced["list"], "AccessDeniedException", "cognito-identity:ListIdentityPools")


def test_v2_basic_flow_goes_through_sts_with_its_own_session_name(v2: Any, scenario: Scenario) -> None:
    """RoleArn set: GetOpenIdToken, then STS AssumeRoleWithWebIdentity as "web-identity"."""
    basic = v2["basic"]
    expected = scenario.assumed_arn(scenario.auth_role, V2_BASIC_SESSION)
    assert basic["assumed"]["Arn"] == expected
    assert basic["subject"] == scenario.identity_id
    assert basic["accessKeyId"].startswith("ASIA") and basic["hasSessionToken"]
    assert basic["caller"]["Arn"] == expected
    assert basic["describe"] == {"ok": True, "IdentityPoolId": scenario.pool_id}
    assert_denied(basic["list"], "AccessDeniedException", "cognito-identity:ListIdentityPools")


def test_v2_guest_gets_the_unauthenticated_role(v2: Any, scenario: Scenario) -> None:
    guest = v2["guest"]
    assert guest["identityId"].startswith("us-east-1:") and guest["identityId"] != scenario.identity_id
    assert guest["caller"]["Arn"] == scenario.assumed_arn(scenario.unauth_role, ENHANCED_SESSION)
    assert_denied(guest["describe"], "AccessDeniedException", "cognito-identity:DescribeIdentityPool")
