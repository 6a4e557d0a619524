"""The README's TypeScript frontend in a real Chromium, on another origin than the gateway:
credentials from ``fromCognitoIdentity`` (idpool's endpoint), requests signed by
``@smithy/signature-v4`` and sent with ``fetch``. That works only if the gateway answers the
CORS preflight that the signing headers cause, and lets the page read every answer,
refusals included; Chromium's own network log (DevTools protocol) shows the preflight."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.gateway import readme
from tests.gateway.support import AsgiThread, Notes, Upstream, build_notes, running_gateway, running_upstream
from tests.sdk.node import JS_DIR, NODE_MODULES, require_packages
from tests.support import LiveServer

pytestmark = pytest.mark.slow

PAGE_DIR = Path(__file__).resolve().parent / "page"
PAGE_TIMEOUT_MS = 60_000


@pytest.fixture(scope="module")
def upstream() -> Iterator[tuple[Upstream, AsgiThread]]:
    with running_upstream() as pair:
        yield pair


@pytest.fixture(scope="module")
def gateway(live: LiveServer, upstream: tuple[Upstream, AsgiThread]) -> Iterator[AsgiThread]:
    with running_gateway(live, upstream[1].url) as server:
        yield server


@pytest.fixture(scope="module")
def gateway_page(page_bundle: Path, live: LiveServer, gateway: AsgiThread,
                 tmp_path_factory: pytest.TempPathFactory) -> str:
    """gateway.html and gateway.js (the page and the README's api.ts, bundled for browsers),
    beside the SDK page on the app's origin."""
    require_packages("esbuild", "@smithy/signature-v4", "@aws-crypto/sha256-js", "@aws-sdk/credential-providers")
    build = tmp_path_factory.mktemp("gateway-page")
    shutil.copy(PAGE_DIR / "gateway.mjs", build / "gateway.mjs")
    (build / "api.ts").write_text(readme.typescript_frontend(live.url, f"{gateway.url}/prod"))
    subprocess.run([str(NODE_MODULES / ".bin" / "esbuild"), str(build / "gateway.mjs"), "--bundle", "--format=esm",
                    "--platform=browser", "--target=chrome120", "--external:node:*", "--log-level=warning",
                    f"--outfile={page_bundle / 'gateway.js'}"],
                   cwd=JS_DIR, env={**os.environ, "NODE_PATH": str(NODE_MODULES)}, check=True, timeout=120)
    shutil.copy(PAGE_DIR / "gateway.html", page_bundle / "gateway.html")
    return "gateway.html"


@pytest.fixture(scope="module")
def notes(live: LiveServer) -> Notes:
    return build_notes(live)


@pytest.fixture(scope="module")
def page_run(chromium: Any, page_origin: str, gateway_page: str, gateway: AsgiThread,
             notes: Notes) -> Iterator[tuple[dict[str, Any], list[dict[str, Any]]]]:
    context = chromium.new_context()
    try:
        page = context.new_page()
        page.set_default_timeout(PAGE_TIMEOUT_MS)
        seen: list[dict[str, Any]] = []
        cdp = context.new_cdp_session(page)
        cdp.on("Network.responseReceived", lambda event: seen.append(
            {"type": event["type"], "url": event["response"]["url"], "status": event["response"]["status"],
             "headers": {k.lower(): v for k, v in event["response"]["headers"].items()}}))
        cdp.send("Network.enable")
        page.goto(f"{page_origin}/{gateway_page}")
        page.evaluate("input => window.runGateway(input)", {
            "gateway": f"{gateway.url}/prod", "identityId": notes.alice.identity_id, "token": notes.alice.token,
            "otherId": notes.bob.identity_id})
        page.wait_for_function("() => window.gatewayResult !== undefined", timeout=PAGE_TIMEOUT_MS)
        result = page.evaluate("() => window.gatewayResult")
        assert "failed" not in result, result["failed"]
        yield result, [r for r in seen if r["url"].startswith(gateway.url)]
    finally:
        context.close()


def test_the_page_reaches_its_own_notes_from_another_origin(page_run: Any, page_origin: str, gateway: AsgiThread,
                                                            notes: Notes, upstream: tuple[Upstream, AsgiThread]) -> None:
    result, _ = page_run
    assert result["origin"] == page_origin and not gateway.url.startswith(page_origin)
    assert result["own"]["status"] == 200, result["own"]
    seen = next(s for s in reversed(upstream[0].seen) if s.method == "POST")
    body = json.dumps({"text": "from the page"}, separators=(",", ":")).encode()
    assert (seen.path, seen.body_sha256) == (f"/notes/{notes.alice.identity_id}/today", hashlib.sha256(body).hexdigest())
    assert seen.context["cognitoIdentityId"] == notes.alice.identity_id


def test_refusals_reach_the_page_with_their_messages(page_run: Any, notes: Notes) -> None:
    result, _ = page_run
    assert (result["other"]["status"], result["other"]["errorType"]) == (403, "AccessDeniedException")
    assert result["other"]["body"]["Message"].startswith(f"User: {notes.assumed_arn(notes.auth_role)} is not authorized")
    assert result["unsigned"]["body"] == {"message": "Missing Authentication Token"}


def test_the_gateway_answered_the_preflight(page_run: Any) -> None:
    _, responses = page_run
    preflights = [r for r in responses if r["type"] == "Preflight"]
    assert preflights and all(r["status"] == 204 for r in preflights)
    assert all(r["headers"].get("access-control-allow-origin") == "*" for r in responses)
