"""Signing in and out, the session cookie, CSRF and the headers every console page carries."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from idpool.app import build_services
from idpool.clock import FixedClock
from tests.console.support import ConsoleUser, text_of
from tests.support import ROOT_KEY, ROOT_SECRET, LiveServer, client, make_settings


def _cookies(answer: httpx.Response) -> list[str]:
    return answer.headers.get_list("set-cookie")


def test_the_sign_in_form_has_the_contract_labels(visitor: ConsoleUser) -> None:
    page = visitor.get("/console")
    assert page.status_code == 200
    assert '<label for="access_key_id">Access key ID</label>' in page.text
    assert '<label for="secret_access_key">Secret access key</label>' in page.text
    assert ">Sign in</button>" in page.text
    assert 'type="hidden" name="csrf"' in page.text  # the sign-in form is protected too


def test_root_signs_in_and_lands_on_the_pool_list(visitor: ConsoleUser) -> None:
    page = visitor.sign_in()
    assert str(page.url).endswith("/console/pools")
    assert page.status_code == 200
    assert "<h1>Manage Identity Pools</h1>" in page.text
    assert "Create new identity pool" in page.text


@pytest.mark.catalogue("I08")
@pytest.mark.parametrize("key, secret", [
    (ROOT_KEY, ROOT_SECRET + "x"),       # right key, wrong secret
    ("AKIANOSUCHKEY0000000", ROOT_SECRET),  # unknown key
    ("ASIATEMPORARY0000000", ROOT_SECRET),  # temporary keys never sign in
    (ROOT_KEY, ""),
])
def test_a_bad_key_pair_is_refused_with_one_message(visitor: ConsoleUser, key: str, secret: str) -> None:
    page = visitor.sign_in(key, secret)
    assert page.status_code == 401
    assert "The access key ID or the secret access key is not valid." in page.text
    assert visitor.get("/console/pools").status_code == 303  # still not signed in


@pytest.mark.catalogue("I06")
def test_the_session_cookies_are_http_only_strict_and_scoped(visitor: ConsoleUser) -> None:
    before = _cookies(visitor.get("/console"))
    assert [c.split("=")[0] for c in before] == ["idpool_console_signin"]  # the sign-in form's own
    signed = visitor.submit("/console/sign-in", {"access_key_id": ROOT_KEY, "secret_access_key": ROOT_SECRET},
                            follow=False)
    after = _cookies(signed)
    assert after[0].startswith("idpool_console=")
    assert after[1].startswith("idpool_console_signin=;") and "Max-Age=0" in after[1]
    for cookie in before + after:
        for attribute in ("HttpOnly", "SameSite=Strict", "Path=/console"):
            assert attribute in cookie
        assert "Secure" not in cookie  # this server's issuer is http://


@pytest.mark.catalogue("I06")
def test_a_request_without_the_session_cookie_leaves_it_alone(root: ConsoleUser, live: LiveServer) -> None:
    """A link or form from another site arrives without the SameSite=Strict cookie; its answer must
    not replace the signed-in session (that would sign the user out from afar)."""
    stranger = httpx.post(f"{live.url}/console/pools/new", data={"name": "FromElsewhere"})
    assert stranger.status_code == 303
    assert all(not c.startswith("idpool_console=") for c in _cookies(stranger))
    assert root.get("/console/pools").status_code == 200


@pytest.mark.catalogue("I05", "I06")
def test_every_page_forbids_framing_and_inline_script(root: ConsoleUser) -> None:
    for path in ("/console", "/console/pools", "/console/pools/new", "/console/iam/roles", "/console/keys"):
        page = root.get(path)
        policy = page.headers["content-security-policy"]
        assert "frame-ancestors 'none'" in policy
        assert "script-src 'self'" in policy and "unsafe-inline" not in policy and "unsafe-eval" not in policy
        assert page.headers["x-frame-options"] == "DENY"
        assert page.headers["cache-control"] == "no-store"
        assert "<script>" not in page.text and " on" + "click=" not in page.text  # no inline script to allow


def test_pages_need_a_signed_in_session(visitor: ConsoleUser) -> None:
    answer = visitor.get("/console/iam/users")
    assert answer.status_code == 303
    assert answer.headers["location"] == "/console?next=%2Fconsole%2Fiam%2Fusers"
    page = visitor.open("/console/iam/users")
    assert 'name="next" value="/console/iam/users"' in page.text
    signed = visitor.submit("/console/sign-in", {"access_key_id": ROOT_KEY, "secret_access_key": ROOT_SECRET})
    assert str(signed.url).endswith("/console/iam/users")


@pytest.mark.catalogue("I06")
@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/console/", "/\\evil.example", "/elsewhere"])
def test_next_never_leaves_the_console(visitor: ConsoleUser, target: str) -> None:
    visitor.get("/console", next=target)
    answer = visitor.submit("/console/sign-in", {"access_key_id": ROOT_KEY, "secret_access_key": ROOT_SECRET},
                            follow=False)
    assert answer.status_code == 303
    assert answer.headers["location"] == "/console/pools"


@pytest.mark.catalogue("I06")
def test_a_post_without_the_session_token_changes_nothing(root: ConsoleUser, live: LiveServer) -> None:
    root.get("/console/pools/new")
    forged = root.post("/console/pools/new", {"name": "ForgedPool", "developer": "login.forged"})
    assert forged.status_code == 403
    assert "This form was refused" in forged.text
    wrong = root.post("/console/pools/new", {"csrf": "x" * 43, "name": "ForgedPool"})
    assert wrong.status_code == 403
    names = [p["IdentityPoolName"] for p in client(live, "cognito-identity").list_identity_pools(MaxResults=60)["IdentityPools"]]
    assert "ForgedPool" not in names


@pytest.mark.catalogue("I06")
def test_a_post_from_another_site_is_refused_even_with_a_token(root: ConsoleUser, live: LiveServer) -> None:
    root.get("/console/pools/new")
    token = root.csrf
    for headers in ({"origin": "https://evil.example"}, {"sec-fetch-site": "cross-site"}):
        answer = root.http.post("/console/pools/new", data={"csrf": token, "name": "CrossSitePool"}, headers=headers)
        assert answer.status_code == 403
    names = [p["IdentityPoolName"] for p in client(live, "cognito-identity").list_identity_pools(MaxResults=60)["IdentityPools"]]
    assert "CrossSitePool" not in names


@pytest.mark.catalogue("I06")
def test_another_sessions_token_is_worth_nothing(live: LiveServer) -> None:
    alice, mallory = ConsoleUser(live), ConsoleUser(live)
    alice.sign_in()
    mallory.sign_in()
    mallory.get("/console/pools/new")
    alice.get("/console/pools/new")
    answer = alice.post("/console/pools/new", {"csrf": mallory.csrf, "name": "StolenTokenPool"})
    assert answer.status_code == 403


def test_signing_in_renews_the_token(visitor: ConsoleUser) -> None:
    before = visitor.get("/console")
    token = visitor.csrf
    visitor.submit("/console/sign-in", {"access_key_id": ROOT_KEY, "secret_access_key": ROOT_SECRET})
    assert visitor.csrf != token
    assert before.status_code == 200


def test_sign_out_ends_the_session(root: ConsoleUser) -> None:
    root.get("/console/pools")
    page = root.submit("/console/sign-out")
    assert "You have signed out." in page.text
    assert root.get("/console/pools").status_code == 303


def test_a_tampered_cookie_is_no_session(root: ConsoleUser, live: LiveServer) -> None:
    value = root.http.cookies["idpool_console"]
    flipped = value[:-3] + ("A" if value[-3] != "A" else "B") + value[-2:]
    root.http.cookies.clear()
    root.http.cookies.set("idpool_console", flipped, domain="127.0.0.1", path="/console")
    assert root.get("/console/pools").status_code == 303


@pytest.mark.catalogue("S16")
def test_a_deactivated_key_ends_its_console_sessions(live: LiveServer) -> None:
    iam = client(live, "iam")
    iam.create_user(UserName="console-deactivated")
    key = iam.create_access_key(UserName="console-deactivated")["AccessKey"]
    user = ConsoleUser(live)
    user.sign_in(key["AccessKeyId"], key["SecretAccessKey"])
    assert user.get("/console/pools").status_code in (200, 403)  # signed in (whatever it may see)
    iam.update_access_key(UserName="console-deactivated", AccessKeyId=key["AccessKeyId"], Status="Inactive")
    answer = user.get("/console/pools")
    assert answer.status_code == 303
    assert "Your session has ended" in user.open("/console/pools").text


# --- time: a server on a clock the test moves --------------------------------------------------
@pytest.fixture
def clocked(tmp_path: Path) -> Iterator[tuple[LiveServer, FixedClock]]:
    clock = FixedClock(dt.datetime.now(dt.UTC))
    server = LiveServer(lambda port: build_services(make_settings(tmp_path, port=port), clock=clock))
    server.start()
    yield server, clock
    server.stop()


def test_an_idle_session_expires_after_30_minutes(clocked: tuple[LiveServer, FixedClock]) -> None:
    server, clock = clocked
    user = ConsoleUser(server)
    user.sign_in()
    for _ in range(4):  # used every 29 minutes: kept alive past 30 minutes in all
        clock.advance(29 * 60)
        assert user.get("/console/pools").status_code == 200
    clock.advance(30 * 60 + 1)
    assert user.get("/console/pools").status_code == 303
    assert "Your session has ended; sign in again." in text_of(user.open("/console/pools").text)


def test_a_session_lasts_12_hours_at_most(clocked: tuple[LiveServer, FixedClock]) -> None:
    server, clock = clocked
    user = ConsoleUser(server)
    user.sign_in()
    for _ in range(24):
        clock.advance(29 * 60)
        user.get("/console/pools")
    assert user.page is not None and user.page.status_code == 200  # 11 h 36 min
    clock.advance(29 * 60)
    assert user.get("/console/pools").status_code == 303


@pytest.mark.catalogue("I08")
def test_failed_sign_ins_are_throttled_per_address(clocked: tuple[LiveServer, FixedClock]) -> None:
    server, _ = clocked
    user = ConsoleUser(server)
    for _ in range(10):
        assert user.sign_in(ROOT_KEY, "wrong-secret-0000000000").status_code == 401
    refused = user.sign_in()  # even the right secret, for now
    assert refused.status_code == 429
    assert "Too many failed sign-ins" in refused.text
