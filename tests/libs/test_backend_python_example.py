"""examples/backend-python against a real idpool: sign-up and sign-in of its own, a
session cookie that scripts cannot read, CSRF and rate limits, and the token endpoint
whose answer a frontend turns into credentials through idpool.credentials. The backend
signs with an IAM user's keys allowed GetOpenIdTokenForDeveloperIdentity and nothing else."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from idpool.credentials import CognitoIdentityCredentials
from idpool.developer import DeveloperIdentities
from tests.api.support import ACCOUNT, DEV, claims_of, name
from tests.libs.support import App, AppServer, load_example, new_app, session_with, token_only_keys
from tests.support import LiveServer


@pytest.fixture(scope="module")
def app(live: LiveServer) -> App:
    return new_app(live)


@pytest.fixture(scope="module")
def backend(live: LiveServer, app: App, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    keys = session_with(token_only_keys(live, app.pool_id))
    with pytest.MonkeyPatch.context() as patch:
        example = load_example(patch, "backend-python", "app")
        kit = DeveloperIdentities(app.pool_id, DEV, endpoint_url=live.url, session=keys)
        db = Path(tmp_path_factory.mktemp("backend")) / "users.db"
        server = AppServer(example.create_app(kit, example.Users(db), token_seconds=600))
        yield server.url
        server.stop()


def signed_up(backend: str, username: str, password: str = "correct horse battery") -> tuple[httpx.Client, str]:
    browser = httpx.Client(base_url=backend)
    answer = browser.post("/signup", json={"username": username, "password": password})
    assert answer.status_code == 201, answer.text
    return browser, answer.json()["csrfToken"]


def test_sign_up_then_token_then_credentials(live: LiveServer, app: App, backend: str) -> None:
    username = name("ann").lower()
    browser, csrf = signed_up(backend, username)
    cookie = next(h for h in browser.cookies.jar)
    assert cookie.name == "session" and cookie.has_nonstandard_attr("HttpOnly") and cookie.path == "/"
    assert "samesite=strict" in browser.post("/signin", json={
        "username": username, "password": "correct horse battery"}).headers["set-cookie"].lower()
    csrf = browser.get("/me").json()["csrfToken"]

    issued = browser.post("/token", headers={"X-CSRF-Token": csrf})
    assert issued.status_code == 200 and issued.headers["cache-control"] == "no-store"
    body = issued.json()
    assert set(body) == {"identityId", "token", "expiresAt"}
    _, claims = claims_of(body["token"])
    assert claims["sub"] == body["identityId"] and claims["exp"] - claims["iat"] == 600
    assert claims["amr"][1] == DEV and not claims["amr"][2].endswith(f":{username}")  # a stable id, not the name

    # the frontend: its backend is the token supplier
    creds = CognitoIdentityCredentials(token_supplier=lambda: browser.post("/token", headers={"X-CSRF-Token": csrf}).json(),
                                       region_name="us-east-1", endpoint_url=live.url)
    arn = creds.session().client("sts", endpoint_url=live.url).get_caller_identity()["Arn"]
    assert arn == f"arn:aws:sts::{ACCOUNT}:assumed-role/{app.auth_role}/CognitoIdentityCredentials"
    assert creds.identity_id == body["identityId"]  # the same user, the same identity

    other, other_csrf = signed_up(backend, name("ben").lower())
    assert other.post("/token", headers={"X-CSRF-Token": other_csrf}).json()["identityId"] != body["identityId"]


def test_the_token_endpoint_needs_the_session_and_its_csrf_token(backend: str) -> None:
    browser, csrf = signed_up(backend, name("cat").lower())
    assert httpx.post(f"{backend}/token", headers={"X-CSRF-Token": csrf}).status_code == 401  # no cookie
    assert browser.post("/token").status_code == 403
    assert browser.post("/token", headers={"X-CSRF-Token": csrf + "x"}).status_code == 403
    assert browser.post("/token", data={"csrf": csrf}).status_code == 403  # what a cross-site form could send
    assert browser.post("/signout", headers={"X-CSRF-Token": csrf}).status_code == 204
    assert browser.post("/token", headers={"X-CSRF-Token": csrf}).status_code == 401  # the session is gone


def test_bad_sign_ups_and_sign_ins(backend: str) -> None:
    username = name("dan").lower()
    signed_up(backend, username)
    again = httpx.post(f"{backend}/signup", json={"username": username, "password": "another password"})
    assert again.status_code == 409 and again.json() == {"error": "that username is taken"}
    for body in ({"username": "x", "password": "long enough"}, {"username": username, "password": "short"},
                 {"username": ["list"], "password": "long enough"}, ["not", "an", "object"]):
        assert httpx.post(f"{backend}/signin", json=body).status_code == 400
    assert httpx.post(f"{backend}/signin", content=b"{", headers={"Content-Type": "application/json"}).status_code == 400
    assert httpx.post(f"{backend}/signin", data={"username": username}).status_code == 415
    unknown = httpx.post(f"{backend}/signin", json={"username": name("nobody").lower(), "password": "whatever1"})
    assert unknown.status_code == 401 and unknown.json() == {"error": "wrong username or password"}


def test_failed_sign_ins_are_rate_limited_per_username(backend: str) -> None:
    username = name("eve").lower()
    signed_up(backend, username)
    for _ in range(5):
        assert httpx.post(f"{backend}/signin", json={"username": username, "password": "wrong guess"}).status_code == 401
    blocked = httpx.post(f"{backend}/signin", json={"username": username, "password": "correct horse battery"})
    assert blocked.status_code == 429 and int(blocked.headers["retry-after"]) > 0
    assert "too many failed sign-ins" in blocked.json()["error"]
