"""The Python frontend's way to the gateway: ``idpool.credentials`` turns the backend's
IdentityId and token into refreshable credentials, and botocore's SigV4Auth signs each call
with them (issue #9 item 4, "from idpool.credentials")."""

from __future__ import annotations

from typing import Any

from idpool.credentials import CognitoIdentityCredentials
from tests.gateway.support import DEVELOPER, AsgiThread, Notes, call
from tests.support import LiveServer, client


def frontend_for(live: LiveServer, notes: Notes, user: str) -> CognitoIdentityCredentials:
    backend = client(live, "cognito-identity")  # the app's backend, with its own AWS keys

    def supplier() -> Any:
        return backend.get_open_id_token_for_developer_identity(IdentityPoolId=notes.pool_id, Logins={DEVELOPER: user})

    return CognitoIdentityCredentials(token_supplier=supplier, identity_pool_id=notes.pool_id, endpoint_url=live.url)


def test_idpool_credentials_sign_gateway_calls_for_their_own_identity(
    live: LiveServer, gateway: AsgiThread, notes: Notes
) -> None:
    alice = frontend_for(live, notes, "alice")
    creds = alice.session().get_credentials().get_frozen_credentials()
    own = call("PUT", f"{gateway.url}/prod/notes/{alice.identity_id}/todo", creds, body=b"milk")
    assert own.status_code == 200, own.text
    assert alice.identity_id == notes.alice.identity_id
    others = call("GET", f"{gateway.url}/prod/notes/{notes.bob.identity_id}/todo", creds)
    assert others.status_code == 403
    assert f"{notes.bob.identity_id}/todo" in others.json()["Message"]
