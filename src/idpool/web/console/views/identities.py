"""A pool's identities: browse, find, and act on one (unlink, merge, delete).

The list is ListIdentities' keyset paging (one indexed range read of at most 61 rows per
page, resumed after the last id: as fast on the millionth identity as on the first), read
through the identity service after ListIdentities is authorized, so each row can also say
whether the identity is disabled (merged into another), which no Cognito output carries.
Finding is LookupDeveloperIdentity (by developer user id) or DescribeIdentity (by identity
id); an identity's developer user ids are LookupDeveloperIdentity's answer, so a principal
allowed to list identities but not to look them up sees providers only, as through the API.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from starlette.responses import Response

from idpool.api.context import Call
from idpool.model import Identity
from idpool.web.console.client import ConsoleError
from idpool.web.console.page import Page
from idpool.web.console.views.pools import describe, pool_url

PAGE_SIZE = 60  # ListIdentities' MaxResults at most


def identity_url(pool_id: str, identity_id: str, rest: str = "") -> str:
    return pool_url(pool_id, f"/identities/{identity_id}{rest}")


def list_identities(page: Page) -> Response:
    pool = describe(page)
    pool_id = pool["IdentityPoolId"]
    user, wanted = page.query.get("user", "").strip(), page.query.get("identity", "").strip()
    try:
        if user:
            found = page.api.call("cognito-identity", "LookupDeveloperIdentity", IdentityPoolId=pool_id,
                                  DeveloperUserIdentifier=user, MaxResults=1)
            return page.redirect(identity_url(pool_id, found["IdentityId"]))
        if wanted:
            return page.redirect(identity_url(pool_id, wanted))
    except ConsoleError as error:
        return _render_list(page, pool, error=error, status=error.status)
    return _render_list(page, pool)


def _render_list(page: Page, pool: Mapping[str, Any], *, error: ConsoleError | None = None,
                 status: int = 200) -> Response:
    pool_id = pool["IdentityPoolId"]
    token = page.query.get("next") or None
    hide = page.query.get("hide_disabled") == "on"

    def read(call: Call) -> tuple[list[Identity], str | None]:
        return page.services.identities.list_identities(call.account_id, pool_id, PAGE_SIZE, token, hide)

    identities: list[Identity] = []
    next_token = None
    try:
        identities, next_token = page.api.read("cognito-identity", "ListIdentities", read, IdentityPoolId=pool_id,
                                               MaxResults=PAGE_SIZE, NextToken=token, HideDisabled=hide)
    except ConsoleError as failed:
        if error is None:
            error, status = failed, failed.status
    return page.render("identities.html", status=status, pool=pool, identities=identities, next_token=next_token,
                       hide_disabled=hide, paged=bool(token), tab="identities", error=error,
                       user=page.query.get("user", ""), wanted=page.query.get("identity", ""))


def show_identity(page: Page, error: ConsoleError | None = None, status: int = 200) -> Response:
    pool = describe(page)
    identity = _identity(page, pool)
    developer = pool.get("DeveloperProviderName")
    user_ids: list[str] | None = None
    if developer:
        try:
            found = page.api.call("cognito-identity", "LookupDeveloperIdentity", IdentityPoolId=pool["IdentityPoolId"],
                                  IdentityId=identity.identity_id, MaxResults=PAGE_SIZE)
            user_ids = list(found["DeveloperUserIdentifierList"])
        except ConsoleError as lookup:
            if not lookup.denied:
                raise
    providers = sorted({login.provider for login in identity.logins})
    return page.render("identity.html", status=status, pool=pool, identity=identity, providers=providers,
                       user_ids=user_ids, developer=developer, tab="identities", error=error)


def unlink(page: Page) -> Response:
    pool = describe(page)
    identity_id, user = page.params["identity_id"], page.field("user")
    try:
        page.api.call("cognito-identity", "UnlinkDeveloperIdentity", IdentityId=identity_id,
                      IdentityPoolId=pool["IdentityPoolId"], DeveloperProviderName=pool.get("DeveloperProviderName", ""),
                      DeveloperUserIdentifier=user)
    except ConsoleError as error:
        return show_identity(page, error, error.status)
    return page.redirect(identity_url(pool["IdentityPoolId"], identity_id), f"Developer user {user} unlinked.")


def merge(page: Page) -> Response:
    pool = describe(page)
    try:
        merged = page.api.call(
            "cognito-identity", "MergeDeveloperIdentities", IdentityPoolId=pool["IdentityPoolId"],
            DeveloperProviderName=pool.get("DeveloperProviderName", ""),
            SourceUserIdentifier=page.field("source").strip(), DestinationUserIdentifier=page.field("destination"))
    except ConsoleError as error:
        return show_identity(page, error, error.status)
    return page.redirect(identity_url(pool["IdentityPoolId"], merged["IdentityId"]),
                         f"The identity of {page.field('source').strip()} was merged into this one.")


def confirm_delete(page: Page) -> Response:
    pool = describe(page)
    identity = _identity(page, pool)
    return page.render("confirm.html", pool=pool, tab="identities", title=f"Delete identity {identity.identity_id}",
                       warning="The identity and its logins are deleted; the same user signing in again gets a new "
                               "IdentityId. Credentials already issued stay valid until they expire.",
                       action=identity_url(pool["IdentityPoolId"], identity.identity_id, "/delete"),
                       button="Delete identity", back=identity_url(pool["IdentityPoolId"], identity.identity_id))


def delete(page: Page) -> Response:
    pool = describe(page)
    identity_id = page.params["identity_id"]
    result = page.api.call("cognito-identity", "DeleteIdentities", IdentityIdsToDelete=[identity_id])
    for unprocessed in result.get("UnprocessedIdentityIds") or []:
        raise ConsoleError(unprocessed["ErrorCode"], f"Identity {unprocessed['IdentityId']} was not deleted.",
                           403 if unprocessed["ErrorCode"] == "AccessDenied" else 500)
    return page.redirect(pool_url(pool["IdentityPoolId"], "/identities"), f"Identity {identity_id} deleted.")


def _identity(page: Page, pool: Mapping[str, Any]) -> Identity:
    """The identity in the URL, read after DescribeIdentity is authorized; it must be this pool's."""
    identity_id = page.params["identity_id"]

    def read(call: Call) -> Identity:
        return page.services.identities.describe(call.account_id, identity_id)

    identity = page.api.read("cognito-identity", "DescribeIdentity", read, IdentityId=identity_id)
    if identity.pool_id != pool["IdentityPoolId"]:
        raise ConsoleError("ResourceNotFoundException", f"Identity '{identity_id}' is not in this identity pool.", 404)
    return identity
