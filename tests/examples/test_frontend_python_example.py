"""examples/frontend-python: the terminal frontend signs in to examples/backend-python,
gets credentials through idpool.credentials from the backend's token endpoint, and reads
and writes its user's notes through the gateway with SigV4."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.examples.support import NotesApp, backend_app, example, notes_app
from tests.gateway.support import AsgiThread
from tests.support import LiveServer

PASSWORD = "correct horse battery"


@pytest.fixture(scope="module")
def servers(live: LiveServer, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[NotesApp, AsgiThread]]:
    tmp = Path(tmp_path_factory.mktemp("frontend"))
    notes = notes_app(live, tmp / "notes.db")
    backend = backend_app(live, notes, tmp / "users.db")
    for user in ("alice", "bob"):
        assert httpx.post(f"{backend.url}/signup", json={"username": user, "password": PASSWORD}).status_code == 201
    yield notes, backend
    backend.stop()
    notes.stop()


def run(servers: tuple[NotesApp, AsgiThread], capsys: pytest.CaptureFixture[str], user: str, *command: str) -> object:
    notes, backend = servers
    example("frontend-python", "notes").main(backend.url, notes.base, user, PASSWORD, *command)
    return json.loads(capsys.readouterr().out)


def test_write_read_and_list_own_notes(live: LiveServer, servers: tuple[NotesApp, AsgiThread],
                                       capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ENDPOINT_URL", live.url)  # what switches the frontend from AWS to idpool
    assert run(servers, capsys, "alice", "write", "plan", "buy", "milk") == {"id": "plan", "text": "buy milk"}
    assert run(servers, capsys, "alice", "read", "plan") == {"id": "plan", "text": "buy milk"}
    assert run(servers, capsys, "bob", "write", "plan", "sleep") == {"id": "plan", "text": "sleep"}
    assert run(servers, capsys, "alice", "list") == {"notes": [{"id": "plan", "text": "buy milk"}]}
    assert run(servers, capsys, "bob", "list") == {"notes": [{"id": "plan", "text": "sleep"}]}


def test_a_wrong_password_stops_before_any_credentials(live: LiveServer, servers: tuple[NotesApp, AsgiThread],
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ENDPOINT_URL", live.url)
    notes, backend = servers
    with pytest.raises(httpx.HTTPStatusError) as refused:
        example("frontend-python", "notes").main(backend.url, notes.base, "alice", "wrong password!", "list")
    assert refused.value.response.status_code == 401
