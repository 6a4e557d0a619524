"""What a newcomer meets first, as a client meets it: a browser on /, a client pointed at
idpool for a service it does not serve, a client whose region differs from the server's."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from botocore.exceptions import ClientError

from tests.support import client

SERVED = ("cognito-identity", "sts", "iam")
BROWSER_ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"


def test_a_browser_on_root_is_sent_to_the_console(live: Any) -> None:
    answer = httpx.get(live.url + "/", headers={"Accept": BROWSER_ACCEPT})
    assert answer.status_code == 302
    assert answer.headers["location"] == "/console"  # relative: never built from the Host header
    assert httpx.head(live.url + "/", headers={"Accept": BROWSER_ACCEPT}).status_code == 302
    page = httpx.get(live.url + "/", headers={"Accept": BROWSER_ACCEPT}, follow_redirects=True)
    assert page.status_code == 200
    assert page.headers["content-type"] == "text/html; charset=utf-8"
    assert "frame-ancestors 'none'" in page.headers["content-security-policy"]
    text = page.text
    assert "Access key ID" in text and "Secret access key" in text  # the console's sign-in form
    for endpoint in ("/.well-known/openid-configuration", "/.well-known/jwks_uri", "/health"):
        assert f"{live.url}{endpoint}" in text  # the configured URL, never the Host header
    for service in SERVED:
        assert service in text
    assert f"export AWS_ENDPOINT_URL_COGNITO_IDENTITY={live.url}" in text  # how to point the AWS CLI at it


@pytest.mark.catalogue("I07")
def test_the_console_names_the_configured_url_not_the_host_header(live: Any) -> None:
    page = httpx.get(live.url + "/console", headers={"Accept": "text/html", "Host": "evil.example"})
    assert page.status_code == 200
    assert "evil.example" not in page.text
    redirect = httpx.get(live.url + "/", headers={"Accept": "text/html", "Host": "evil.example"})
    assert "evil.example" not in redirect.headers["location"]


@pytest.mark.parametrize("headers, query", [
    ({}, ""),  # curl, an SDK probing: no HTML asked for
    ({"Accept": "application/json"}, ""),
    ({"Accept": "text/html"}, "Action=GetCallerIdentity&Version=2011-06-15"),  # a Query call by GET
    ({"Accept": "text/html", "X-Amz-Target": "AWSCognitoIdentityService.ListIdentityPools"}, ""),
])
def test_other_requests_to_root_keep_the_aws_behaviour(live: Any, headers: dict[str, str], query: str) -> None:
    answer = httpx.get(f"{live.url}/?{query}" if query else f"{live.url}/", headers=headers)
    assert answer.status_code in (400, 403)
    assert "text/html" not in answer.headers["content-type"]
    assert b"<html" not in answer.content


def _error(call: Any) -> dict[str, Any]:
    with pytest.raises(ClientError) as caught:
        call()
    error: dict[str, Any] = caught.value.response["Error"]
    return error


def _names_what_is_served(message: str) -> bool:
    return all(f"({service})" in message for service in SERVED)


def test_a_json_request_for_another_service_names_what_is_served(live: Any) -> None:
    error = _error(lambda: client(live, "dynamodb").list_tables())
    assert error["Code"] == "UnknownOperationException"
    assert _names_what_is_served(error["Message"]) and "DynamoDB_20120810.ListTables" in error["Message"]


def test_a_query_request_signed_for_another_service_names_what_is_served(live: Any) -> None:
    error = _error(lambda: client(live, "ec2").describe_regions())
    assert error["Code"] == "InvalidAction"
    assert _names_what_is_served(error["Message"]) and "ec2" in error["Message"]


def test_an_s3_request_names_what_is_served(live: Any) -> None:
    error = _error(lambda: client(live, "s3").list_buckets())
    assert _names_what_is_served(error["Message"]) and "s3" in error["Message"]


def test_an_action_of_no_served_model_names_what_is_served(live: Any) -> None:
    answer = httpx.post(live.url + "/", data={"Action": "ListBuckets"})
    assert answer.status_code == 400
    assert "<Code>InvalidAction</Code>" in answer.text
    assert _names_what_is_served(answer.text) and "ListBuckets" in answer.text


def test_an_action_of_ours_without_version_is_still_asked_for_its_version(live: Any) -> None:
    answer = httpx.post(live.url + "/", data={"Action": "GetCallerIdentity"})
    assert "<Code>MissingParameter</Code>" in answer.text  # AWS's answer, unchanged


@pytest.mark.parametrize("service, call", [
    ("cognito-identity", lambda c: c.list_identity_pools(MaxResults=5)),
    ("sts", lambda c: c.get_caller_identity()),
])
def test_a_client_in_another_region_is_told_the_servers_region(live: Any, service: str, call: Any) -> None:
    error = _error(lambda: call(client(live, service, region="eu-west-1")))
    assert "Credential should be scoped to a valid region, not 'eu-west-1'" in error["Message"]
    assert "us-east-1" in error["Message"]
