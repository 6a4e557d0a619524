"""examples/backend-node, the tutorial's backend in TypeScript, type-checked, built with
esbuild and run by node against a real idpool, with least-privileged backend keys; its
answer becomes credentials through idpool.credentials."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from idpool.credentials import CognitoIdentityCredentials
from tests.api.support import ACCOUNT, DEV, claims_of, name
from tests.libs.support import App, new_app, token_only_keys
from tests.sdk.node import unavailable
from tests.support import LiveServer

pytestmark = pytest.mark.slow

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "backend-node"


def npm(*args: str) -> None:
    done = subprocess.run(["npm", *args], cwd=EXAMPLE, capture_output=True, text=True, timeout=180, check=False)
    assert done.returncode == 0, f"npm {' '.join(args)}:\n{done.stdout[-3000:]}{done.stderr[-3000:]}"


@pytest.fixture(scope="module")
def app(live: LiveServer) -> App:
    return new_app(live)


@pytest.fixture(scope="module")
def backend(live: LiveServer, app: App) -> Iterator[str]:
    if shutil.which("node") is None or shutil.which("npm") is None:
        unavailable("node and npm are needed for the Node example (apt-get install nodejs npm)")
    if not (EXAMPLE / "node_modules" / "@aws-sdk" / "client-cognito-identity").is_dir():
        unavailable(f"the example's npm packages are not installed: run `npm ci` in {EXAMPLE}")
    npm("run", "--silent", "check")  # tsc --noEmit: the example type-checks
    npm("run", "--silent", "build")  # esbuild: dist/server.mjs
    keys = token_only_keys(live, app.pool_id)
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(APP_IDENTITY_POOL_ID=app.pool_id, APP_DEVELOPER_PROVIDER_NAME=DEV, APP_PORT="0",
               APP_TOKEN_SECONDS="600", AWS_ENDPOINT_URL_COGNITO_IDENTITY=live.url,
               AWS_ACCESS_KEY_ID=keys["AccessKeyId"], AWS_SECRET_ACCESS_KEY=keys["SecretAccessKey"],
               AWS_CONFIG_FILE="/nonexistent", AWS_SHARED_CREDENTIALS_FILE="/nonexistent")
    process = subprocess.Popen(["node", "dist/server.mjs"], cwd=EXAMPLE, env=env, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True)
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        found = re.search(r"listening on (http://\S+)", line)
        assert found, f"the example did not start: {line!r} {process.stderr.read() if process.stderr else ''}"
        yield found.group(1)
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_login_returns_a_token_that_buys_credentials(live: LiveServer, app: App, backend: str) -> None:
    username = name("nina").lower()
    assert httpx.post(f"{backend}/signup", json={"username": username, "password": "node password"}).status_code == 201
    login = httpx.post(f"{backend}/login", json={"username": username, "password": "node password"})
    assert login.status_code == 200, login.text
    body = login.json()
    assert set(body) == {"identityId", "token", "expiresAt"}
    _, claims = claims_of(body["token"])
    assert claims["sub"] == body["identityId"] and claims["exp"] - claims["iat"] == 600 and claims["amr"][1] == DEV
    again = httpx.post(f"{backend}/login", json={"username": username, "password": "node password"}).json()
    assert again["identityId"] == body["identityId"]  # the same user, the same identity
    creds = CognitoIdentityCredentials(identity_id=body["identityId"], token=body["token"], endpoint_url=live.url)
    arn = creds.session().client("sts", endpoint_url=live.url).get_caller_identity()["Arn"]
    assert arn == f"arn:aws:sts::{ACCOUNT}:assumed-role/{app.auth_role}/CognitoIdentityCredentials"


def test_wrong_passwords_are_refused_then_limited(backend: str) -> None:
    username = name("otto").lower()
    httpx.post(f"{backend}/signup", json={"username": username, "password": "node password"})
    assert httpx.post(f"{backend}/signup", json={"username": username, "password": "other password"}).status_code == 409
    for _ in range(5):
        assert httpx.post(f"{backend}/login", json={"username": username, "password": "wrong guess"}).status_code == 401
    assert httpx.post(f"{backend}/login", json={"username": username, "password": "node password"}).status_code == 429
    assert httpx.post(f"{backend}/login", content=b"x", headers={"Content-Type": "text/plain"}).status_code == 415
    assert httpx.post(f"{backend}/login", json={"username": "x"}).status_code == 400
    assert httpx.get(f"{backend}/login").status_code == 404
