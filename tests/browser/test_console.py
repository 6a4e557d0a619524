"""The console in a real Chromium (Debian's, headless): the tutorial's first step end to end,
a limited user, markup that stays inert, a forged form from another site, and the layout at
1280 and 390 pixels. Screenshots of the main pages go to tests/artifacts/ (not committed);
with IDPOOL_UPDATE_SCREENSHOTS=1 the run also rewrites the README's docs/images/console.png.
"""

from __future__ import annotations

import functools
import json
import os
import threading
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore import UNSIGNED
from botocore.config import Config

from idpool.app import build_services
from tests.support import ROOT_KEY, ROOT_SECRET, LiveServer, client, make_settings

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "tests" / "artifacts"
README_IMAGE = ROOT / "docs" / "images" / "console.png"
WIDE, NARROW = {"width": 1280, "height": 800}, {"width": 390, "height": 844}
TIMEOUT_MS = 20_000


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """A server of its own, so the pages show only what these tests made."""
    tmp = tmp_path_factory.mktemp("console")
    live = LiveServer(lambda port: build_services(make_settings(tmp, port=port, issuer=f"http://127.0.0.1:{port}")))
    live.start()
    yield live
    live.stop()


@pytest.fixture
def browser_page(chromium: Any, request: pytest.FixtureRequest) -> Iterator[Any]:
    viewport = getattr(request, "param", WIDE)
    context = chromium.new_context(viewport=viewport)
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    page.dialogs = []  # any alert() would land here: nothing may open one
    page.on("dialog", lambda dialog: (page.dialogs.append(dialog.message), dialog.dismiss()))
    yield page
    context.close()


def shot(page: Any, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"console-{name}.png"), full_page=True)


def sign_in(page: Any, url: str, key: str = ROOT_KEY, secret: str = ROOT_SECRET) -> None:
    """By keyboard, as someone who never touches the mouse would."""
    page.goto(f"{url}/")  # a browser on / is sent to the console
    assert page.url == f"{url}/console"
    page.get_by_label("Access key ID").focus()
    page.keyboard.type(key)
    page.keyboard.press("Tab")
    page.keyboard.type(secret)
    page.keyboard.press("Enter")
    page.wait_for_url(f"{url}/console/pools")


def fits(page: Any) -> bool:
    """Nothing wider than the window: no sideways scrolling of the page itself."""
    return bool(page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"))


def unlabelled(page: Any) -> list[str]:
    """Form controls a screen reader could not name."""
    return list(page.evaluate("""() => Array.from(document.querySelectorAll('input, select, textarea'))
        .filter(el => el.type !== 'hidden' && !(el.labels && el.labels.length) && !el.getAttribute('aria-label'))
        .map(el => el.name || el.id)"""))


def test_the_tutorials_first_step_then_a_token_from_the_api(server: LiveServer, browser_page: Any) -> None:
    page, url = browser_page, server.url
    sign_in(page, url)
    page.get_by_role("heading", name="Manage Identity Pools").wait_for()
    page.get_by_role("link", name="Create new identity pool").click()
    page.get_by_label("Identity pool name").fill("Notes App")
    page.get_by_label("Enable access to unauthenticated identities").check()
    page.locator("summary", has_text="Authentication providers").click()
    page.get_by_role("tab", name="Custom").click()
    page.get_by_label("Developer provider name").fill("login.notes.app")
    shot(page, "create-pool")
    if os.environ.get("IDPOOL_UPDATE_SCREENSHOTS") == "1":
        README_IMAGE.parent.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(README_IMAGE))
    page.get_by_role("button", name="Create Pool").click()

    # the roles step: AWS's two roles, created as proposed
    page.get_by_text("Your Cognito identities require access to your resources").wait_for()
    assert page.get_by_label("Role name").first.input_value() == "Cognito_NotesAppAuth_Role"
    shot(page, "roles-step")
    page.get_by_role("button", name="Allow").click()
    page.get_by_text("Roles assigned to the pool.").wait_for()
    pool_id = page.locator(".pool-id code").inner_text()
    assert page.get_by_label("Developer provider name").get_attribute("readonly") is not None
    shot(page, "pool")

    # the backend asks the API for a user's token; the frontend turns it into credentials
    issued = client(server, "cognito-identity").get_open_id_token_for_developer_identity(
        IdentityPoolId=pool_id, Logins={"login.notes.app": "alice"})
    public = boto3.client("cognito-identity", endpoint_url=server.url, region_name="us-east-1",
                          config=Config(signature_version=UNSIGNED))
    creds = public.get_credentials_for_identity(
        IdentityId=issued["IdentityId"], Logins={"cognito-identity.amazonaws.com": issued["Token"]})["Credentials"]
    caller = client(server, "sts", key=creds["AccessKeyId"], secret=creds["SecretKey"],
                    token=creds["SessionToken"]).get_caller_identity()["Arn"]
    assert caller.endswith(":assumed-role/Cognito_NotesAppAuth_Role/CognitoIdentityCredentials")

    # and that identity is found in the console by its developer user id
    page.get_by_role("navigation", name="Identity pool").get_by_role("link", name="Identities").click()
    page.get_by_label("Developer user ID").fill("alice")
    page.get_by_label("Developer user ID").press("Enter")
    page.get_by_role("heading", name=f"Identity {issued['IdentityId']}").wait_for()
    assert page.locator(".user-ids").inner_text().strip().startswith("alice")
    shot(page, "identity")
    page.goto(f"{url}/console/pools/{pool_id}/identities")
    shot(page, "identities")
    page.goto(f"{url}/console/pools/{pool_id}/code")
    assert pool_id in page.locator("#backend-boto3").inner_text()
    shot(page, "sample-code")
    assert page.dialogs == []


def test_a_limited_user_is_told_it_is_not_allowed(server: LiveServer, browser_page: Any) -> None:
    iam = client(server, "iam")
    iam.create_user(UserName="browser-limited")
    iam.put_user_policy(UserName="browser-limited", PolicyName="list-only", PolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "cognito-identity:ListIdentityPools",
                                                "Resource": "*"}]}))
    key = iam.create_access_key(UserName="browser-limited")["AccessKey"]
    page = browser_page
    sign_in(page, server.url, key["AccessKeyId"], key["SecretAccessKey"])
    page.get_by_role("link", name="Create new identity pool").click()
    page.get_by_label("Identity pool name").fill("Not Allowed Here")
    page.get_by_role("button", name="Create Pool").click()
    alert = page.get_by_role("alert")
    alert.wait_for()
    assert "Not allowed" in alert.inner_text()
    assert "is not authorized to perform: cognito-identity:CreateIdentityPool" in alert.inner_text()
    shot(page, "not-allowed")
    pools = client(server, "cognito-identity").list_identity_pools(MaxResults=60)["IdentityPools"]
    assert "Not Allowed Here" not in [p["IdentityPoolName"] for p in pools]


@pytest.mark.catalogue("I05")
def test_markup_in_a_pool_name_and_tags_stays_inert(server: LiveServer, browser_page: Any) -> None:
    page = browser_page
    sign_in(page, server.url)
    page.goto(f"{server.url}/console/pools/new")
    hostile = "<script>window.__pwned = 1</script><img src=x onerror=\"window.__pwned = 2\">"
    page.get_by_label("Identity pool name").fill(hostile)
    page.get_by_label("Tags").fill(f"note={hostile}")
    page.get_by_role("button", name="Create Pool").click()
    page.get_by_role("alert").wait_for()  # the name breaks the model's pattern, and the error repeats it
    assert hostile in page.get_by_role("alert").inner_text()  # shown as text
    assert page.get_by_label("Identity pool name").input_value() == hostile  # kept in the form, as text
    # a tag may hold anything: stored, then shown on the pool's own page
    page.get_by_label("Identity pool name").fill("Inert App")
    page.get_by_role("button", name="Create Pool").click()
    page.get_by_role("button", name="Allow").wait_for()
    page.get_by_role("link", name="Details").click()
    assert hostile in page.get_by_label("Tags").input_value()
    assert page.evaluate("window.__pwned") is None
    assert page.dialogs == []


@pytest.mark.catalogue("I06")
def test_a_form_posted_from_another_site_changes_nothing(server: LiveServer, browser_page: Any,
                                                         tmp_path: Path) -> None:
    page = browser_page
    sign_in(page, server.url)
    (tmp_path / "evil.html").write_text(f"""<!doctype html><html><body>
<form id="f" method="post" action="{server.url}/console/pools/new">
<input name="name" value="Forged Pool"><input name="developer" value="login.forged"></form>
<script>document.getElementById("f").submit()</script></body></html>""")
    handler = functools.partial(_Quiet, directory=str(tmp_path))
    evil = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=evil.serve_forever, daemon=True).start()
    try:
        # another site: "localhost" is not 127.0.0.1 for cookies, origins or SameSite
        page.goto(f"http://localhost:{evil.server_address[1]}/evil.html")
        page.wait_for_url(f"{server.url}/console**")
        assert "/console/pools/" not in page.url  # not the roles step of a new pool
    finally:
        evil.shutdown()
        evil.server_close()
    pools = client(server, "cognito-identity").list_identity_pools(MaxResults=60)["IdentityPools"]
    assert "Forged Pool" not in [p["IdentityPoolName"] for p in pools]
    # the same browser, still signed in, posting without the page's token: refused as well
    answer = page.context.request.post(f"{server.url}/console/pools/new", form={"name": "Forged Pool"})
    assert answer.status == 403


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.mark.parametrize("browser_page", [WIDE, NARROW], indirect=True, ids=["1280px", "390px"])
def test_pages_fit_the_window_and_every_control_has_a_label(server: LiveServer, browser_page: Any) -> None:
    page = browser_page
    width = page.viewport_size["width"]
    cognito = client(server, "cognito-identity")
    pool_id = cognito.create_identity_pool(IdentityPoolName=f"Layout {width}", AllowUnauthenticatedIdentities=True,
                                           DeveloperProviderName="login.layout")["IdentityPoolId"]
    cognito.get_open_id_token_for_developer_identity(IdentityPoolId=pool_id, Logins={"login.layout": "someone"})
    sign_in(page, server.url)
    paths = ["/console/pools", "/console/pools/new", f"/console/pools/{pool_id}", f"/console/pools/{pool_id}/roles/setup",
             f"/console/pools/{pool_id}/identities", f"/console/pools/{pool_id}/roles",
             f"/console/pools/{pool_id}/principal-tags", f"/console/pools/{pool_id}/code", "/console/iam/roles",
             "/console/iam/roles/new", "/console/iam/users", "/console/iam/simulate", "/console/keys"]
    for path in paths:
        page.goto(server.url + path)
        assert fits(page), f"{path} is wider than {width} px"
        assert unlabelled(page) == [], path
    for name, path in (("pools", "/console/pools"), ("keys", "/console/keys"), ("simulator", "/console/iam/simulate")):
        page.goto(server.url + path)
        shot(page, f"{name}-{width}")


def test_the_provider_tabs_work_by_keyboard(server: LiveServer, browser_page: Any) -> None:
    page = browser_page
    sign_in(page, server.url)
    page.goto(f"{server.url}/console/pools/new")
    page.locator("summary", has_text="Authentication providers").click()
    custom = page.get_by_role("tab", name="Custom")
    assert custom.get_attribute("aria-selected") == "true"
    assert page.get_by_label("Developer provider name").is_visible()
    custom.focus()
    page.keyboard.press("ArrowRight")
    public = page.get_by_role("tab", name="Public providers")
    assert public.get_attribute("aria-selected") == "true"
    assert page.evaluate("document.activeElement.id") == "tab-public"
    assert page.get_by_label("Supported login providers").is_visible()
    assert not page.get_by_label("Developer provider name").is_visible()


def test_a_json_editor_says_where_a_document_breaks(server: LiveServer, browser_page: Any) -> None:
    page = browser_page
    sign_in(page, server.url)
    page.goto(f"{server.url}/console/iam/roles/new")
    editor = page.get_by_label("Trust policy")
    editor.fill('{\n  "Version": "2012-10-17",\n  "Statement": [}\n}')
    status = page.locator("#trust-status")
    assert status.inner_text().startswith("Line 3, column 17")  # as typed, before anything is sent
    assert editor.get_attribute("aria-invalid") == "true"
    page.get_by_label("Role name").fill("BrokenTrust")
    page.get_by_role("button", name="Create role").click()
    page.locator("pre.excerpt").wait_for()  # the server says the same, with the line quoted
    assert page.locator("#trust-status").inner_text().startswith("Line 3, column 17")
