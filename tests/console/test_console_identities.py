"""A pool's identities in the console: identities made through the API found by developer user id
or identity id, merged, unlinked and deleted, paged; the API shows each change."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.console.support import ConsoleUser, text_of
from tests.support import LiveServer, client

PROVIDER = "login.browse"


@pytest.fixture
def pool(live: LiveServer) -> Iterator[str]:
    cognito = client(live, "cognito-identity")
    pool_id = cognito.create_identity_pool(IdentityPoolName="Browse", AllowUnauthenticatedIdentities=True,
                                           DeveloperProviderName=PROVIDER)["IdentityPoolId"]
    yield pool_id
    cognito.delete_identity_pool(IdentityPoolId=pool_id)


def _token(live: LiveServer, pool_id: str, user: str, identity_id: str | None = None) -> Any:
    params: dict[str, Any] = {"IdentityPoolId": pool_id, "Logins": {PROVIDER: user}}
    if identity_id:
        params["IdentityId"] = identity_id
    return client(live, "cognito-identity").get_open_id_token_for_developer_identity(**params)


def test_an_identity_from_the_api_is_found_by_user_and_by_id(root: ConsoleUser, live: LiveServer, pool: str) -> None:
    identity_id = _token(live, pool, "alice")["IdentityId"]
    _token(live, pool, "alice@work", identity_id)
    found = root.get(f"/console/pools/{pool}/identities", user="alice@work")
    assert found.status_code == 303
    page = root.open(found.headers["location"])
    text = text_of(page.text)
    assert f"Identity {identity_id}" in text
    assert "alice@work" in text and "alice" in text and "Enabled" in text and PROVIDER in text
    by_id = root.get(f"/console/pools/{pool}/identities", identity=identity_id)
    assert by_id.headers["location"].endswith(f"/identities/{identity_id}")
    missing = root.get(f"/console/pools/{pool}/identities", user="nobody")
    assert missing.status_code == 404
    assert "not found" in text_of(missing.text)


def test_merge_disables_the_source_and_moves_its_logins(root: ConsoleUser, live: LiveServer, pool: str) -> None:
    alice = _token(live, pool, "alice")["IdentityId"]
    bob = _token(live, pool, "bob")["IdentityId"]
    root.get(f"/console/pools/{pool}/identities/{alice}")
    merged = root.submit(f"/console/pools/{pool}/identities/{alice}/merge", {"source": "bob", "destination": "alice"})
    assert "The identity of bob was merged into this one." in merged.text
    cognito = client(live, "cognito-identity")
    users = cognito.lookup_developer_identity(IdentityPoolId=pool, IdentityId=alice)["DeveloperUserIdentifierList"]
    assert sorted(users) == ["alice", "bob"]
    listing = text_of(root.get(f"/console/pools/{pool}/identities").text)
    assert bob in listing and "Disabled" in listing
    hidden = text_of(root.get(f"/console/pools/{pool}/identities", hide_disabled="on").text)
    assert bob not in hidden and alice in hidden


def test_unlink_and_delete(root: ConsoleUser, live: LiveServer, pool: str) -> None:
    cognito = client(live, "cognito-identity")
    identity_id = _token(live, pool, "dave")["IdentityId"]
    _token(live, pool, "dave@home", identity_id)
    root.get(f"/console/pools/{pool}/identities/{identity_id}")
    page = root.submit(f"/console/pools/{pool}/identities/{identity_id}/unlink", {"user": "dave@home"})
    assert "Developer user dave@home unlinked." in page.text
    assert cognito.lookup_developer_identity(IdentityPoolId=pool, IdentityId=identity_id)["DeveloperUserIdentifierList"] == ["dave"]
    confirm = root.get(f"/console/pools/{pool}/identities/{identity_id}/delete")
    assert f"Delete identity {identity_id}?" in text_of(confirm.text)
    done = root.submit(f"/console/pools/{pool}/identities/{identity_id}/delete")
    assert f"Identity {identity_id} deleted." in done.text
    with pytest.raises(cognito.exceptions.ResourceNotFoundException):
        cognito.describe_identity(IdentityId=identity_id)


def test_identities_are_paged_60_at_a_time(root: ConsoleUser, live: LiveServer, pool: str) -> None:
    made = {_token(live, pool, f"user-{i:03d}")["IdentityId"] for i in range(65)}
    first = root.get(f"/console/pools/{pool}/identities").text
    assert first.count("<tr>\n    <td><a href=") == 60
    token = first.split("identities?next=")[1].split('"')[0]
    second = root.get(f"/console/pools/{pool}/identities?next={token}").text
    assert second.count("<tr>\n    <td><a href=") == 5
    shown = {line.split("/identities/")[1].split('"')[0] for line in (first + second).splitlines()
             if '/identities/us-east-1:' in line and "<td><a" in line}
    assert shown == made


@pytest.mark.catalogue("I05")
def test_a_developer_user_id_with_markup_stays_text(root: ConsoleUser, live: LiveServer, pool: str) -> None:
    hostile = "<img src=x onerror=alert(1)>"
    identity_id = _token(live, pool, hostile)["IdentityId"]
    page = root.get(f"/console/pools/{pool}/identities/{identity_id}")
    assert hostile not in page.text
    assert "&lt;img src=x onerror=alert(1)&gt;" in page.text


def test_an_identity_of_another_pool_is_not_shown_under_this_one(root: ConsoleUser, live: LiveServer, pool: str) -> None:
    cognito = client(live, "cognito-identity")
    other = cognito.create_identity_pool(IdentityPoolName="Other", AllowUnauthenticatedIdentities=False,
                                         DeveloperProviderName="login.other")["IdentityPoolId"]
    stranger = cognito.get_open_id_token_for_developer_identity(IdentityPoolId=other, Logins={"login.other": "eve"})
    page = root.get(f"/console/pools/{pool}/identities/{stranger['IdentityId']}")
    assert page.status_code == 404
    assert "is not in this identity pool" in text_of(page.text)
