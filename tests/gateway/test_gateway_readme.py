"""The README's "Authorized requests to your own API", run as written: its notes service
behind the gateway, its role policy on the role, its Python frontend, and its middleware
block (the TypeScript frontend runs in tests/gateway/test_gateway_node.py)."""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from tests.gateway import readme
from tests.gateway.support import (
    ACCOUNT,
    COGNITO,
    DEVELOPER,
    REGION,
    AsgiThread,
    call,
    credentials_for,
    in_process_gateway,
    trust,
)
from tests.support import LiveServer, client


def readme_app() -> Any:
    namespace: dict[str, Any] = {}
    exec(compile(readme.service(), "README.md: notes.py", "exec"), namespace)
    return namespace["app"]


@pytest.fixture(scope="module")
def notes_gateway(live: LiveServer) -> Iterator[AsgiThread]:
    service = AsgiThread(readme_app()).start()
    gateway = in_process_gateway(live, service.url)
    yield gateway
    gateway.stop()
    service.stop()


@pytest.fixture(scope="module")
def alice(live: LiveServer) -> dict[str, str]:
    """The walkthrough's state for one user: a pool, its authenticated role with the
    README's policy, and alice's IdentityId and token from the backend."""
    cognito, iam = client(live, "cognito-identity"), client(live, "iam")
    pool_id = cognito.create_identity_pool(IdentityPoolName=f"readme_{uuid.uuid4().hex[:8]}",
                                           AllowUnauthenticatedIdentities=False,
                                           DeveloperProviderName=DEVELOPER)["IdentityPoolId"]
    role = f"readme-auth-{uuid.uuid4().hex[:8]}"
    iam.create_role(RoleName=role, AssumeRolePolicyDocument=trust(pool_id, "authenticated"))
    iam.put_role_policy(RoleName=role, PolicyName="notes", PolicyDocument=readme.role_policy())
    cognito.set_identity_pool_roles(IdentityPoolId=pool_id, Roles={"authenticated": f"arn:aws:iam::{ACCOUNT}:role/{role}"})
    issued = cognito.get_open_id_token_for_developer_identity(IdentityPoolId=pool_id, Logins={DEVELOPER: "alice"})
    return {"identity_id": issued["IdentityId"], "token": issued["Token"], "pool_id": pool_id}


def test_the_readme_policy_is_per_identity() -> None:
    statement = json.loads(readme.role_policy())["Statement"][0]
    assert statement["Action"] == "execute-api:Invoke"
    assert statement["Resource"].endswith(f"/notes/${{{COGNITO}:sub}}")


def test_the_python_frontend_runs_as_written(live: LiveServer, notes_gateway: AsgiThread, alice: dict[str, str],
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ENDPOINT_URL_COGNITO_IDENTITY", live.url)  # as the walkthrough's banner exports
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    namespace: dict[str, Any] = {"identity_id": alice["identity_id"], "token": alice["token"]}
    exec(compile(readme.python_frontend(f"{notes_gateway.url}/prod"), "README.md: frontend", "exec"), namespace)
    assert namespace["mine"]["caller"] == alice["identity_id"]


def test_the_middleware_block_runs_as_written(live: LiveServer, alice: dict[str, str],
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    settings = live.services.settings
    assert settings.master_key is not None
    for name, value in {"IDPOOL_DATA_DIR": str(settings.data_dir), "IDPOOL_MASTER_KEY": settings.master_key,
                        "IDPOOL_ACCOUNT_ID": ACCOUNT, "IDPOOL_REGION": REGION}.items():
        monkeypatch.setenv(name, value)
    for name in [n for n in os.environ if n.startswith("IDPOOL_ROOT_")]:
        monkeypatch.delenv(name)
    namespace: dict[str, Any] = {"app": readme_app()}
    exec(compile(readme.middleware(), "README.md: middleware", "exec"), namespace)
    server = AsgiThread(namespace["app"]).start()
    try:
        credentials = credentials_for(live.url, alice["identity_id"], alice["token"])
        mine = call("POST", f"{server.url}/prod/notes/{alice['identity_id']}", credentials,
                    body=b'{"text": "inside the app"}', headers={"Content-Type": "application/json"})
        assert mine.status_code == 200, mine.text
        assert mine.json() == {"owner": alice["identity_id"], "notes": ["inside the app"], "caller": alice["identity_id"]}
        assert call("GET", f"{server.url}/prod/notes/someone-else", credentials).status_code == 403
    finally:
        server.stop()
        namespace["store"].close()
