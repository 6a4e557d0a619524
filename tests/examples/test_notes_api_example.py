"""examples/notes-api behind the gateway: two users each read and write their own notes
and are refused the other's (403 from the gateway, before the API sees the request); a
guest reads only the public page. Credentials come as a frontend gets them."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.examples.support import DEVELOPER, NotesApp, notes_app
from tests.gateway.support import Caller, call, credentials_for, public_cognito
from tests.support import LiveServer, client


@pytest.fixture(scope="module")
def app(live: LiveServer, tmp_path_factory: pytest.TempPathFactory) -> Iterator[NotesApp]:
    notes = notes_app(live, Path(tmp_path_factory.mktemp("notes")) / "notes.db")
    yield notes
    notes.stop()


def user(live: LiveServer, app: NotesApp, name: str) -> Caller:
    issued = client(live, "cognito-identity").get_open_id_token_for_developer_identity(
        IdentityPoolId=app.pool_id, Logins={DEVELOPER: name})
    return Caller(issued["IdentityId"], credentials_for(live.url, issued["IdentityId"], issued["Token"]),
                  issued["Token"])


def guest(live: LiveServer, app: NotesApp) -> Caller:
    identity = public_cognito(live.url).get_id(IdentityPoolId=app.pool_id)["IdentityId"]
    return Caller(identity, credentials_for(live.url, identity, None))


def put(app: NotesApp, who: Caller, owner: Caller, note: str, text: str) -> int:
    body = json.dumps({"text": text}).encode()
    return call("PUT", f"{app.base}/notes/{owner.identity_id}/{note}", who.credentials, body=body,
                headers={"Content-Type": "application/json"}).status_code


def test_each_user_reads_and_writes_only_own_notes(live: LiveServer, app: NotesApp) -> None:
    alice, bob = user(live, app, "alice"), user(live, app, "bob")
    assert put(app, alice, alice, "groceries", "milk, eggs") == 200
    assert put(app, bob, bob, "todo", "call mum") == 200
    read = call("GET", f"{app.base}/notes/{alice.identity_id}/groceries", alice.credentials)
    assert read.status_code == 200 and read.json() == {"id": "groceries", "text": "milk, eggs"}
    listed = call("GET", f"{app.base}/notes/{bob.identity_id}", bob.credentials)
    assert listed.json() == {"notes": [{"id": "todo", "text": "call mum"}]}

    refused = call("GET", f"{app.base}/notes/{bob.identity_id}/todo", alice.credentials)
    assert refused.status_code == 403 and refused.headers["x-amzn-errortype"].startswith("AccessDeniedException")
    assert f"assumed-role/{app.user_role}/" in refused.json()["Message"]
    assert "execute-api:Invoke on resource: " in refused.json()["Message"]
    assert put(app, alice, bob, "todo", "overwritten") == 403
    assert call("GET", f"{app.base}/notes/{alice.identity_id}", bob.credentials).status_code == 403
    assert call("GET", f"{app.base}/notes/{bob.identity_id}/todo", bob.credentials).json()["text"] == "call mum"


def test_a_guest_reads_only_the_public_page(live: LiveServer, app: NotesApp) -> None:
    visitor = guest(live, app)
    welcome = call("GET", f"{app.base}/public/welcome", visitor.credentials)
    assert welcome.status_code == 200 and "guests" in welcome.json()["text"]
    assert call("GET", f"{app.base}/notes/{visitor.identity_id}", visitor.credentials).status_code == 403
    assert put(app, visitor, visitor, "mine", "x") == 403
    assert call("PUT", f"{app.base}/public/welcome", visitor.credentials, body=b"{}").status_code == 403


def test_the_api_checks_the_callers_identity_itself(live: LiveServer, app: NotesApp) -> None:
    """Reached without the gateway (or behind a policy written too wide), the API still
    serves only the caller's own notes, as the gateway's context header names the caller."""
    alice = user(live, app, "alice")
    direct = httpx.get(f"{app.api.url}/notes/{alice.identity_id}",
                       headers={"X-Idpool-Request-Context": json.dumps({"cognitoIdentityId": "us-east-1:other"})})
    assert direct.status_code == 403
    assert httpx.get(f"{app.api.url}/notes/{alice.identity_id}").status_code == 403
    bad = call("PUT", f"{app.base}/notes/{alice.identity_id}/x", alice.credentials, body=b"not json")
    assert bad.status_code == 400 and bad.json() == {"error": "the body is not JSON"}
    assert call("GET", f"{app.base}/notes/{alice.identity_id}/nothing", alice.credentials).status_code == 404
