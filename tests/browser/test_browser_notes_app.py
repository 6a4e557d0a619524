"""The sample app end to end in Chromium: examples/frontend-web served by
examples/backend-python, the notes API behind the gateway. Sign up, sign in, credentials
(fromCognitoIdentity), who the user is (STS GetCallerIdentity), write and read an own
note, 403 from the gateway on another user's note, a guest limited to the public page.
Tokens last 2 seconds and the page replaces its credentials once they are 2 seconds old
(credentials from GetCredentialsForIdentity always last an hour, as on AWS), so each
refresh happens with an expired token: the page must ask the backend for a new one."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.examples.support import NotesApp, backend_app, build_page, notes_app
from tests.gateway.support import ACCOUNT, AsgiThread
from tests.support import LiveServer

pytestmark = pytest.mark.slow
PAGE_TIMEOUT_MS = 30_000
TOKEN_SECONDS = 2
PASSWORD = "correct horse battery"


@pytest.fixture(scope="module")
def servers(live: LiveServer, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[NotesApp, AsgiThread]]:
    tmp = Path(tmp_path_factory.mktemp("notes-app"))
    page = build_page(Path(tmp_path_factory.mktemp("page")))
    notes = notes_app(live, tmp / "notes.db")
    backend = backend_app(live, notes, tmp / "users.db", token_seconds=TOKEN_SECONDS, page=page,
                          credentials_seconds=TOKEN_SECONDS)
    yield notes, backend
    backend.stop()
    notes.stop()


@pytest.fixture
def browser_page(chromium: Any, servers: tuple[NotesApp, AsgiThread]) -> Iterator[tuple[Any, list[str]]]:
    context = chromium.new_context()
    page = context.new_page()
    page.set_default_timeout(PAGE_TIMEOUT_MS)
    tokens: list[str] = []
    page.on("response", lambda r: tokens.append(r.url) if r.url.endswith("/token") and r.ok else None)
    page.goto(servers[1].url)
    yield page, tokens
    context.close()


def status(page: Any) -> tuple[str, Any]:
    code, _, body = page.locator("#status").text_content().partition("\n")
    return code, json.loads(body)


def act(page: Any, button: str) -> tuple[str, Any]:
    page.evaluate("() => { document.getElementById('status').textContent = '' }")
    page.get_by_role("button", name=button, exact=True).click()
    page.wait_for_function("() => document.getElementById('status').textContent !== ''")
    return status(page)


def enter(page: Any, username: str, button: str) -> None:
    page.locator("#username").fill(username)
    page.locator("#password").fill(PASSWORD)
    page.get_by_role("button", name=button, exact=True).click()
    page.wait_for_selector("body[data-ready=true]")


def test_sign_up_write_read_and_refused_another_users_note(browser_page: tuple[Any, list[str]], chromium: Any,
                                                           servers: tuple[NotesApp, AsgiThread]) -> None:
    page, tokens = browser_page
    notes, backend = servers
    enter(page, "alice", "Sign up")
    assert page.locator("#who").text_content() == \
        f"arn:aws:sts::{ACCOUNT}:assumed-role/{notes.user_role}/CognitoIdentityCredentials"
    alice = page.locator("#identity").text_content()
    assert alice.startswith("us-east-1:")

    page.locator("#note-id").fill("groceries")
    page.locator("#note-text").fill("milk, eggs")
    assert act(page, "Save") == ("200", {"id": "groceries", "text": "milk, eggs"})
    page.wait_for_selector("#notes li")
    assert page.locator("#notes li").all_text_contents() == ["groceries: milk, eggs"]

    asked = len(tokens)
    time.sleep(TOKEN_SECONDS + 1)  # the token has expired, and the credentials are due for replacement
    page.locator("#note-text").fill("")
    assert act(page, "Read") == ("200", {"id": "groceries", "text": "milk, eggs"})
    assert page.locator("#note-text").input_value() == "milk, eggs"
    assert len(tokens) == asked + 1  # new credentials, from a new token

    # bob, in another browser, signs up and signs in; alice's note is not his
    other = chromium.new_context()
    try:
        bob = other.new_page()
        bob.set_default_timeout(PAGE_TIMEOUT_MS)
        bob.goto(backend.url)
        enter(bob, "bob", "Sign up")
        bob.locator("#owner").fill(alice)
        bob.locator("#note-id").fill("groceries")
        code, body = act(bob, "Read")
        assert code == "403" and "is not authorized to perform: execute-api:Invoke" in body["Message"]
        bob.locator("#owner").fill(bob.locator("#identity").text_content())
        assert act(bob, "Read")[0] == "404"  # his own path: allowed, and he has no such note
    finally:
        other.close()
    assert len(tokens) >= 2  # the identity, then the token the credentials were made of


def test_sign_in_again_finds_the_same_notes(browser_page: tuple[Any, list[str]]) -> None:
    page, _ = browser_page
    page.locator("#username").fill("carol")
    page.locator("#password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_function("() => document.getElementById('status').textContent !== ''")
    assert "wrong username or password" in page.locator("#status").text_content()
    enter(page, "carol", "Sign up")
    page.locator("#note-text").fill("hello")
    assert act(page, "Save")[0] == "200"
    identity = page.locator("#identity").text_content()
    page.goto(page.url)  # a new page load: sign in again, as the same user
    enter(page, "carol", "Sign in")
    assert page.locator("#identity").text_content() == identity
    assert act(page, "Refresh list") == ("200", {"notes": [{"id": "first", "text": "hello"}]})


def test_a_guest_reads_only_the_public_page(browser_page: tuple[Any, list[str]],
                                            servers: tuple[NotesApp, AsgiThread]) -> None:
    page, tokens = browser_page
    page.get_by_role("button", name="Continue as guest").click()
    page.wait_for_selector("body[data-ready=true]")
    assert page.locator("#who").text_content().endswith(f"assumed-role/{servers[0].guest_role}/CognitoIdentityCredentials")
    code, body = act(page, "Read the public page")
    assert code == "200" and "guests" in body["text"]
    code, body = act(page, "Refresh list")
    assert code == "403" and "execute-api:Invoke" in body["Message"]
    assert tokens == []  # a guest never asks the backend for a token
