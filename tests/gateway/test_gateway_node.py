"""Node signs the requests: the README's TypeScript frontend (``@smithy/signature-v4`` with
``fromCognitoIdentity``), bundled by esbuild and run by tests/js/gateway.mjs, and a guest
with ``fromCognitoIdentityPool``, through the gateway to a real upstream."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.gateway import readme
from tests.gateway.support import REGION, AsgiThread, Notes, Upstream
from tests.sdk.node import JS_DIR, NODE_MODULES, require_packages, run_node
from tests.support import LiveServer

pytestmark = pytest.mark.slow

JS_PACKAGES = ("esbuild", "@smithy/signature-v4", "@aws-crypto/sha256-js", "@aws-sdk/credential-providers")


def bundle_readme_frontend(live: LiveServer, gateway: AsgiThread, out: Path) -> Path:
    """The README's api.ts, pointed at the test's servers, bundled for Node."""
    require_packages(*JS_PACKAGES)
    source = out / "api.ts"
    source.write_text(readme.typescript_frontend(live.url, f"{gateway.url}/prod"))
    bundled = out / "api.cjs"  # CommonJS: its dependencies may require() Node built-ins
    subprocess.run([str(NODE_MODULES / ".bin" / "esbuild"), str(source), "--bundle", "--format=cjs", "--platform=node",
                    "--log-level=warning", f"--outfile={bundled}"],
                   cwd=JS_DIR, env={**os.environ, "NODE_PATH": str(NODE_MODULES)}, check=True, timeout=120)
    return bundled


@pytest.fixture(scope="module")
def from_node(live: LiveServer, gateway: AsgiThread, notes: Notes, tmp_path_factory: pytest.TempPathFactory) -> Any:
    module = bundle_readme_frontend(live, gateway, tmp_path_factory.mktemp("readme-ts"))
    return run_node("gateway.mjs", {
        "module": str(module), "endpoint": live.url, "gateway": f"{gateway.url}/prod", "region": REGION,
        "identityPoolId": notes.pool_id, "identityId": notes.alice.identity_id, "token": notes.alice.token,
        "otherId": notes.bob.identity_id,
    })


def test_the_readme_typescript_reaches_its_own_notes(from_node: Any, notes: Notes,
                                                     upstream: tuple[Upstream, AsgiThread]) -> None:
    assert from_node["own"]["status"] == 200, from_node["own"]
    seen = next(s for s in reversed(upstream[0].seen) if s.method == "POST")
    assert seen.path == f"/notes/{notes.alice.identity_id}/today"
    body = json.dumps({"text": "from node"}, separators=(",", ":")).encode()
    assert (seen.body_length, seen.body_sha256) == (len(body), hashlib.sha256(body).hexdigest())
    assert seen.header("x-amz-content-sha256") == [hashlib.sha256(body).hexdigest()]  # streamed, hash stated
    assert seen.context["cognitoIdentityId"] == notes.alice.identity_id
    assert seen.context["userArn"] == notes.assumed_arn(notes.auth_role)


def test_the_readme_typescript_is_denied_anothers_notes(from_node: Any, notes: Notes) -> None:
    other = from_node["other"]
    assert (other["status"], other["errorType"]) == (403, "AccessDeniedException")
    assert other["body"]["Message"] == (
        f"User: {notes.assumed_arn(notes.auth_role)} is not authorized to perform: execute-api:Invoke on resource: "
        f"arn:aws:execute-api:us-east-1:123456789012:api/prod/GET/notes/{notes.bob.identity_id}/today")


def test_a_guest_from_node_gets_only_the_public_pages(from_node: Any, upstream: tuple[Upstream, AsgiThread]) -> None:
    assert from_node["guestPublic"]["status"] == 200
    assert any(s.path == "/public/about" and s.query == "lang=en" for s in upstream[0].seen)
    assert (from_node["guestNotes"]["status"], from_node["guestNotes"]["errorType"]) == (403, "AccessDeniedException")
    assert from_node["unsigned"] == {"status": 403, "errorType": "MissingAuthenticationTokenException",
                                     "body": {"message": "Missing Authentication Token"}}
