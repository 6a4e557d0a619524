"""`idpool gateway` as a user runs it: a real process beside a real `idpool serve`, sharing
its data directory (SQLite) and master key, in front of a real upstream."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from botocore.credentials import Credentials

from tests.gateway.support import (
    ACCOUNT,
    AsgiThread,
    GatewayProcess,
    Upstream,
    build_notes,
    call,
    error_of,
    process_env,
    signed,
)
from tests.multinode.cluster import fresh_database
from tests.support import ROOT_KEY, ROOT_SECRET

pytestmark = pytest.mark.slow

ROOT_ENV = {"IDPOOL_ROOT_ACCESS_KEY_ID": ROOT_KEY, "IDPOOL_ROOT_SECRET_ACCESS_KEY": ROOT_SECRET}
MASTER_KEY = "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY="


@pytest.fixture
def upstream() -> Iterator[tuple[Upstream, AsgiThread]]:
    service = Upstream()
    server = AsgiThread(service.app()).start()
    yield service, server
    server.stop()


def test_gateway_and_serve_processes_share_one_store(serve: Any, tmp_path: Path, upstream: Any) -> None:
    data = tmp_path / "data"
    served = serve("--account-id", ACCOUNT, data_dir=data, env=ROOT_ENV)
    notes = build_notes(served)  # through the AWS APIs of the serve process
    gateway = GatewayProcess("--upstream", upstream[1].url, "--data-dir", str(data), "--account-id", ACCOUNT,
                             env=process_env(**ROOT_ENV))
    try:
        alice, bob = notes.alice, notes.bob
        own = call("GET", f"{gateway.url}/prod/notes/{alice.identity_id}", alice.credentials,
                   headers={"X-Idpool-Request-Context": '{"cognitoIdentityId": "forged"}'})
        assert own.status_code == 200, own.text
        assert upstream[0].last().context["cognitoIdentityId"] == alice.identity_id
        denied = call("GET", f"{gateway.url}/prod/notes/{bob.identity_id}", alice.credentials)
        assert error_of(denied)[:2] == (403, "AccessDeniedException")
        assert notes.assumed_arn(notes.auth_role) in denied.json()["Message"]
        assert error_of(httpx.get(f"{gateway.url}/prod/notes/{alice.identity_id}"))[2] == {
            "message": "Missing Authentication Token"}
        assert call("GET", f"{gateway.url}/prod/public/about", notes.guest.credentials).status_code == 200
        assert call("GET", f"{gateway.url}/prod/admin", Credentials(ROOT_KEY, ROOT_SECRET)).status_code == 200
        target, headers = signed("PUT", f"{gateway.url}/prod/notes/{alice.identity_id}/big", alice.credentials,
                                 body=b"z" * 200_000, state_hash=True)
        assert httpx.put(target, headers=headers, content=b"z" * 200_000).status_code == 200
        assert httpx.get(f"{gateway.url}/health").json() == {"status": "ok"}
    finally:
        assert gateway.stop() == 0  # SIGTERM: drained, exit 0


def test_the_gateway_logs_one_json_line_per_request(serve: Any, tmp_path: Path, upstream: Any) -> None:
    data = tmp_path / "data"
    served = serve("--account-id", ACCOUNT, data_dir=data, env=ROOT_ENV)
    notes = build_notes(served)
    gateway = GatewayProcess("--upstream", upstream[1].url, "--data-dir", str(data), "--account-id", ACCOUNT,
                             env=process_env(**ROOT_ENV))
    try:
        assert call("GET", f"{gateway.url}/prod/notes/{notes.bob.identity_id}", notes.alice.credentials).status_code == 403
        assert httpx.get(f"{gateway.url}/prod/x").status_code == 403
        lines = [json.loads(line) for line in gateway.logged().splitlines() if line.startswith("{")]
    finally:
        gateway.stop()
    denied, unsigned = (line for line in lines if line.get("apiId") == "api")
    assert (denied["status"], denied["error"], denied["caller"]) == (
        403, "AccessDeniedException", notes.assumed_arn(notes.auth_role))
    assert (unsigned["status"], unsigned["error"], unsigned["caller"]) == (403, "MissingAuthenticationTokenException", None)
    assert notes.alice.credentials.token not in json.dumps(lines)


@pytest.mark.postgres
def test_gateway_on_postgresql_shares_only_the_database_and_master_key(serve: Any, tmp_path: Path, upstream: Any,
                                                                       postgres_admin_url: str) -> None:
    """Each process has a data directory of its own: the database URL and IDPOOL_MASTER_KEY
    make them one installation, as for a cluster of serve nodes."""
    shared = {**ROOT_ENV, "IDPOOL_MASTER_KEY": MASTER_KEY}
    with fresh_database(postgres_admin_url) as url:
        served = serve("--account-id", ACCOUNT, "--database-url", url, data_dir=tmp_path / "serve", env=shared)
        notes = build_notes(served)
        gateway = GatewayProcess("--upstream", upstream[1].url, "--database-url", url, "--account-id", ACCOUNT,
                                 "--data-dir", str(tmp_path / "gateway"), env=process_env(**shared))
        try:
            mine = call("GET", f"{gateway.url}/prod/notes/{notes.alice.identity_id}", notes.alice.credentials)
            assert mine.status_code == 200, mine.text
            theirs = call("GET", f"{gateway.url}/prod/notes/{notes.alice.identity_id}", notes.bob.credentials)
            assert error_of(theirs)[:2] == (403, "AccessDeniedException")
        finally:
            assert gateway.stop() == 0
