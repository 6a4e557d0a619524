"""The AWS SDK for JavaScript v3 in a real Chromium, on another origin than idpool.

The page does the enhanced flow for a developer-authenticated identity
(fromCognitoIdentity, then STS GetCallerIdentity with the credentials), a guest flow
(fromCognitoIdentityPool), and provokes one error of each wire kind. That works only if
idpool answers CORS preflights for the SDK's headers (`authorization` included, which
`*` does not cover) and puts CORS headers on errors too: otherwise the browser hides
the response and the SDK sees a network failure instead of the service's error code.
Chromium's own network log (DevTools protocol) shows the preflights.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from tests.sdk.scenario import Scenario, build_scenario
from tests.support import LiveServer

pytestmark = [pytest.mark.slow, pytest.mark.catalogue("P03")]

PAGE_TIMEOUT_MS = 60_000
ENHANCED_SESSION = "CognitoIdentityCredentials"


@dataclass
class NetworkLog:
    """Requests and responses to idpool as Chromium saw them (preflights included)."""
    endpoint: str
    requests: list[dict[str, Any]] = field(default_factory=list)
    responses: list[dict[str, Any]] = field(default_factory=list)

    def on_request(self, event: dict[str, Any]) -> None:
        if event["request"]["url"].startswith(self.endpoint):
            self.requests.append({"method": event["request"]["method"],
                                  "headers": _lower(event["request"]["headers"])})

    def on_response(self, event: dict[str, Any]) -> None:
        if event["response"]["url"].startswith(self.endpoint):
            self.responses.append({"type": event["type"], "status": event["response"]["status"],
                                   "headers": _lower(event["response"]["headers"])})


@dataclass
class PageRun:
    result: dict[str, Any]
    network: NetworkLog


def _lower(headers: dict[str, str]) -> dict[str, str]:
    return {k.lower(): v for k, v in headers.items()}


@pytest.fixture(scope="module")
def scenario(live: LiveServer) -> Scenario:
    return build_scenario(live)


@pytest.fixture(scope="module")
def page_run(chromium: Any, page_origin: str, scenario: Scenario) -> Iterator[PageRun]:
    context = chromium.new_context()
    try:
        page = context.new_page()
        page.set_default_timeout(PAGE_TIMEOUT_MS)
        network = NetworkLog(scenario.endpoint)
        cdp = context.new_cdp_session(page)
        cdp.on("Network.requestWillBeSent", network.on_request)
        cdp.on("Network.responseReceived", network.on_response)
        cdp.send("Network.enable")
        page.goto(f"{page_origin}/index.html")
        page.evaluate("input => window.runFlow(input)",
                      scenario.node_input(roleArn=scenario.role_arn(scenario.auth_role)))
        page.wait_for_function("() => window.flowResult !== undefined", timeout=PAGE_TIMEOUT_MS)
        result = page.evaluate("() => window.flowResult")
        assert "failed" not in result, result["failed"]
        yield PageRun(result, network)
    finally:
        context.close()


def test_page_gets_the_assumed_role_from_another_origin(page_run: PageRun, page_origin: str,
                                                        scenario: Scenario) -> None:
    result = page_run.result
    assert result["origin"] == page_origin != scenario.endpoint
    assert result["caller"]["Arn"] == scenario.assumed_arn(scenario.auth_role, ENHANCED_SESSION)
    assert result["describe"] == {"ok": True, "IdentityPoolId": scenario.pool_id}


def test_guest_in_the_page_gets_the_unauthenticated_role(page_run: PageRun, scenario: Scenario) -> None:
    guest = page_run.result["guest"]
    assert guest["identityId"].startswith("us-east-1:") and guest["identityId"] != scenario.identity_id
    assert guest["caller"]["Arn"] == scenario.assumed_arn(scenario.unauth_role, ENHANCED_SESSION)


def test_preflights_allow_the_sdk_signing_headers(page_run: PageRun) -> None:
    preflights = [r for r in page_run.network.requests if r["method"] == "OPTIONS"]
    requested = [set(map(str.strip, p["headers"].get("access-control-request-headers", "").split(",")))
                 for p in preflights]
    # A signed call with temporary credentials asks for all of these; an awsJson call for x-amz-target.
    assert any({"authorization", "x-amz-date", "x-amz-security-token"} <= names for names in requested)
    assert any("x-amz-target" in names for names in requested)
    answered = [r for r in page_run.network.responses if r["type"] == "Preflight"]
    assert answered and all(r["status"] == 200 for r in answered)
    assert all(r["headers"].get("access-control-allow-origin") == "*" for r in answered)


def test_errors_reach_the_page_with_their_codes(page_run: PageRun) -> None:
    result = page_run.result
    assert (result["list"]["ok"], result["list"]["name"], result["list"]["status"]) == (
        False, "AccessDeniedException", 400)
    assert "cognito-identity:ListIdentityPools" in result["list"]["message"]
    assert (result["forged"]["ok"], result["forged"]["name"]) == (False, "NotAuthorizedException")
    # v3 names the exception after the model's shape, found by the wire code InvalidIdentityToken.
    assert (result["stsError"]["ok"], result["stsError"]["name"]) == (False, "InvalidIdentityTokenException")
    failed = [r for r in page_run.network.responses if r["type"] == "Fetch" and r["status"] >= 400]
    assert len(failed) >= 3
    assert all(r["headers"].get("access-control-allow-origin") == "*" for r in failed)


def test_the_bundle_is_the_browser_build(page_bundle: Path) -> None:
    """Built for browsers: fetch-based HTTP, and no Node built-in left to import."""
    bundle = (page_bundle / "app.js").read_text()
    assert 'from "node:' not in bundle and 'import("node:' not in bundle
    assert "FetchHttpHandler" in bundle and "NodeHttpHandler" not in bundle
