"""Identity pools: "Manage Identity Pools", "Create new identity pool", edit, delete.

The create form has the controls of the tutorial's first step (Amazon Cognito Developer
Guide, "Developer authenticated identities"; the console it describes): "Identity pool
name", "Enable access to unauthenticated identities", the basic (classic) flow, the
"Authentication providers" section with its "Custom" tab for the "Developer provider name",
tags, and "Create Pool", after which the roles step follows (``setup``). Editing sends the
whole configuration again (UpdateIdentityPool replaces it); the developer provider name,
which can never change once set, is shown locked.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from starlette.responses import Response

from idpool.web.console import forms
from idpool.web.console.client import ConsoleError
from idpool.web.console.page import Page

PAGE_SIZE = 60  # ListIdentityPools' MaxResults at most


def pool_url(pool_id: str, rest: str = "") -> str:
    return f"/console/pools/{pool_id}{rest}"


def list_pools(page: Page) -> Response:
    page.section = "pools"
    token = page.query.get("next") or None
    try:
        found = page.api.call("cognito-identity", "ListIdentityPools", MaxResults=PAGE_SIZE, NextToken=token)
    except ConsoleError as error:
        if not error.denied and error.code != "InvalidParameterException":
            raise
        return page.render("pools.html", status=error.status, pools=[], next_token=None, paged=bool(token),
                           error=error)
    return page.render("pools.html", pools=found["IdentityPools"], next_token=found.get("NextToken"),
                       paged=bool(token))


def new_pool(page: Page) -> Response:
    page.section = "pools"
    return page.render("pool_form.html", pool=None, values=_blank(), locked_developer=None)


def create_pool(page: Page) -> Response:
    page.section = "pools"
    values = _values(page)
    try:
        created = page.api.call("cognito-identity", "CreateIdentityPool", **_config(values))
    except ConsoleError as error:
        return page.render("pool_form.html", status=error.status, pool=None, values=values,
                           locked_developer=None, error=error)
    return page.redirect(pool_url(created["IdentityPoolId"], "/roles/setup"),
                         f"Identity pool {created['IdentityPoolName']} created. Now set up its IAM roles.")


def show_pool(page: Page) -> Response:
    pool = describe(page)
    return page.render("pool_form.html", pool=pool, values=_from_pool(pool),
                       locked_developer=pool.get("DeveloperProviderName"), tab="details")


def update_pool(page: Page) -> Response:
    pool = describe(page)
    values = _values(page)
    locked = pool.get("DeveloperProviderName")
    try:
        page.api.call("cognito-identity", "UpdateIdentityPool", IdentityPoolId=pool["IdentityPoolId"], **_config(values))
    except ConsoleError as error:
        return page.render("pool_form.html", status=error.status, pool=pool, values=values,
                           locked_developer=locked, tab="details", error=error)
    return page.redirect(pool_url(pool["IdentityPoolId"]), "Changes saved.")


def confirm_delete_pool(page: Page) -> Response:
    pool = describe(page)
    return page.render("confirm.html", pool=pool, tab="delete", title=f"Delete identity pool {pool['IdentityPoolName']}",
                       warning="The pool, every identity in it and their logins are deleted. Tokens it issued stop "
                               "buying credentials. This cannot be undone.",
                       action=pool_url(pool["IdentityPoolId"], "/delete"), button="Delete pool",
                       back=pool_url(pool["IdentityPoolId"]))


def delete_pool(page: Page) -> Response:
    pool_id = page.params["pool_id"]
    page.api.call("cognito-identity", "DeleteIdentityPool", IdentityPoolId=pool_id)
    return page.redirect("/console/pools", f"Identity pool {pool_id} deleted.")


def describe(page: Page) -> Mapping[str, Any]:
    """The pool named in the URL, for every page of a pool (and its sub-navigation)."""
    page.section = "pools"
    return page.api.call("cognito-identity", "DescribeIdentityPool", IdentityPoolId=page.params["pool_id"])


# --- the form's values ----------------------------------------------------------------------
def _blank() -> dict[str, Any]:
    return {"name": "", "allow_unauthenticated": False, "allow_classic_flow": False, "developer": "",
            "login_providers": "", "oidc": "", "saml": "", "cognito": "", "tags": ""}


def _values(page: Page) -> dict[str, Any]:
    return {
        "name": page.field("name").strip(),
        "allow_unauthenticated": page.checked("allow_unauthenticated"),
        "allow_classic_flow": page.checked("allow_classic_flow"),
        "developer": page.field("developer").strip(),
        "login_providers": page.field("login_providers"),
        "oidc": page.field("oidc"),
        "saml": page.field("saml"),
        "cognito": page.field("cognito"),
        "tags": page.field("tags"),
    }


def _from_pool(pool: Mapping[str, Any]) -> dict[str, Any]:
    cognito = [f"{p['ProviderName']},{p['ClientId']}" + (",check" if p.get("ServerSideTokenCheck") else "")
               for p in pool.get("CognitoIdentityProviders") or []]
    return {
        "name": pool["IdentityPoolName"],
        "allow_unauthenticated": pool["AllowUnauthenticatedIdentities"],
        "allow_classic_flow": bool(pool.get("AllowClassicFlow")),
        "developer": pool.get("DeveloperProviderName") or "",
        "login_providers": forms.pairs_text(pool.get("SupportedLoginProviders") or {}),
        "oidc": "\n".join(pool.get("OpenIdConnectProviderARNs") or []),
        "saml": "\n".join(pool.get("SamlProviderARNs") or []),
        "cognito": "\n".join(cognito),
        "tags": forms.pairs_text(pool.get("IdentityPoolTags") or {}),
    }


def _config(values: Mapping[str, Any]) -> dict[str, Any]:
    """The form as CreateIdentityPool / UpdateIdentityPool parameters."""
    return {
        "IdentityPoolName": values["name"],
        "AllowUnauthenticatedIdentities": values["allow_unauthenticated"],
        "AllowClassicFlow": values["allow_classic_flow"],
        "DeveloperProviderName": values["developer"] or None,
        "SupportedLoginProviders": forms.pairs(values["login_providers"], "Public providers"),
        "OpenIdConnectProviderARNs": forms.lines(values["oidc"]),
        "SamlProviderARNs": forms.lines(values["saml"]),
        "CognitoIdentityProviders": _cognito_providers(values["cognito"]),
        "IdentityPoolTags": forms.pairs(values["tags"], "Tags"),
    }


def _cognito_providers(text: str) -> list[dict[str, Any]]:
    providers = []
    for number, line in enumerate(forms.lines(text), start=1):
        parts = [part.strip() for part in line.split(",")]
        if len(parts) not in (2, 3) or not all(parts[:2]) or (len(parts) == 3 and parts[2] != "check"):
            raise forms.invalid(f"Amazon Cognito user pools, line {number}: write provider name,app client id[,check].")
        providers.append({"ProviderName": parts[0], "ClientId": parts[1], "ServerSideTokenCheck": len(parts) == 3})
    return providers
