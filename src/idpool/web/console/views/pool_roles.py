"""A pool's roles and role mappings, and its principal tag attribute maps.

Roles: the authenticated and unauthenticated role, and per provider a role mapping of type
Token (the role from the token's ``cognito:preferred_role``-style claims) or Rules (claim
rules in order, first match wins), each with what to do when nothing decides
(AmbiguousRoleResolution): all of it one SetIdentityPoolRoles call (Cognito Identity API
Reference, SetIdentityPoolRoles; Developer Guide, "Role-based access control"). A rule
row left empty is dropped; a mapping whose provider is cleared is removed.

Principal tags: per provider, which token claims become session tags
(SetPrincipalTagAttributeMap; Developer Guide, "Using attributes for access control").
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from starlette.responses import Response

from idpool.web.console import forms
from idpool.web.console.client import ConsoleError
from idpool.web.console.page import Page
from idpool.web.console.views.pools import describe, pool_url

MATCH_TYPES = ("Equals", "Contains", "StartsWith", "NotEqual")
RESOLUTIONS = ("AuthenticatedRole", "Deny")
EMPTY_RULE_ROWS = 2
MAX_MAPPINGS = 10  # RoleMappings: at most 10 providers (botocore model)


def show_roles(page: Page) -> Response:
    pool = describe(page)
    current = page.api.call("cognito-identity", "GetIdentityPoolRoles", IdentityPoolId=pool["IdentityPoolId"])
    mappings = [{"provider": provider, **_mapping_rows(mapping)} for provider, mapping in
                (current.get("RoleMappings") or {}).items()]
    return _render(page, pool, dict(current.get("Roles") or {}), mappings)


def set_roles(page: Page) -> Response:
    pool = describe(page)
    roles = {kind: arn for kind in ("authenticated", "unauthenticated") if (arn := page.field(kind).strip())}
    mappings = _mappings_from_form(page)
    try:
        page.api.call("cognito-identity", "SetIdentityPoolRoles", IdentityPoolId=pool["IdentityPoolId"],
                      Roles=roles, RoleMappings={m["provider"]: _mapping_param(m) for m in mappings})
    except ConsoleError as error:
        return _render(page, pool, roles, mappings, error=error, status=error.status)
    return page.redirect(pool_url(pool["IdentityPoolId"], "/roles"), "Roles and role mappings saved.")


def show_tags(page: Page) -> Response:
    pool = describe(page)
    maps = []
    for provider in providers_of(pool):
        found = page.api.call("cognito-identity", "GetPrincipalTagAttributeMap",
                              IdentityPoolId=pool["IdentityPoolId"], IdentityProviderName=provider)
        maps.append({"provider": provider, "use_defaults": found.get("UseDefaults", False),
                     "tags": forms.pairs_text(found.get("PrincipalTags") or {})})
    return page.render("pool_tags.html", pool=pool, maps=maps, tab="tags")


def set_tags(page: Page) -> Response:
    pool = describe(page)
    provider = page.field("provider")
    try:
        page.api.call("cognito-identity", "SetPrincipalTagAttributeMap", IdentityPoolId=pool["IdentityPoolId"],
                      IdentityProviderName=provider, UseDefaults=page.checked("use_defaults"),
                      PrincipalTags=forms.pairs(page.field("tags"), "Principal tags"))
    except ConsoleError as error:
        maps = [{"provider": provider, "use_defaults": page.checked("use_defaults"), "tags": page.field("tags")}]
        return page.render("pool_tags.html", status=error.status, pool=pool, maps=maps, tab="tags", error=error)
    return page.redirect(pool_url(pool["IdentityPoolId"], "/principal-tags"), f"Principal tags for {provider} saved.")


def providers_of(pool: Mapping[str, Any]) -> list[str]:
    """The providers a mapping may name: the developer provider first, then the others."""
    names = [pool["DeveloperProviderName"]] if pool.get("DeveloperProviderName") else []
    names += list(pool.get("SupportedLoginProviders") or {})
    names += [f"{p['ProviderName']}:{p['ClientId']}" for p in pool.get("CognitoIdentityProviders") or []]
    names += list(pool.get("OpenIdConnectProviderARNs") or []) + list(pool.get("SamlProviderARNs") or [])
    return names


def _render(page: Page, pool: Mapping[str, Any], roles: Mapping[str, str], mappings: list[dict[str, Any]], *,
            error: ConsoleError | None = None, status: int = 200) -> Response:
    try:
        existing = [role["Arn"] for role in page.api.call("iam", "ListRoles", MaxItems=1000)["Roles"]]
    except ConsoleError:
        existing = None
    for mapping in mappings:
        mapping["rules"] = list(mapping["rules"]) + [_blank_rule() for _ in range(EMPTY_RULE_ROWS)]
    new = {"provider": "", "type": "Token", "ambiguous": "AuthenticatedRole",
           "rules": [_blank_rule() for _ in range(EMPTY_RULE_ROWS + 1)]}
    return page.render("pool_roles.html", status=status, pool=pool, roles=roles, mappings=mappings + [new],
                       existing=existing, providers=providers_of(pool), match_types=MATCH_TYPES,
                       resolutions=RESOLUTIONS, tab="roles", error=error)


def _blank_rule() -> dict[str, str]:
    return {"claim": "", "match": "Equals", "value": "", "role": ""}


def _mapping_rows(mapping: Mapping[str, Any]) -> dict[str, Any]:
    rules = (mapping.get("RulesConfiguration") or {}).get("Rules") or []
    return {"type": mapping["Type"], "ambiguous": mapping.get("AmbiguousRoleResolution") or "AuthenticatedRole",
            "rules": [{"claim": r["Claim"], "match": r["MatchType"], "value": r["Value"], "role": r["RoleARN"]}
                      for r in rules]}


def _mappings_from_form(page: Page) -> list[dict[str, Any]]:
    """Mapping ``i`` is ``m<i>_provider``, ``m<i>_type``, ``m<i>_ambiguous`` and rule rows
    ``m<i>_claim`` / ``_match`` / ``_value`` / ``_role`` (repeated, in order)."""
    mappings = []
    for i in range(forms.count(page.field("mapping_count"), MAX_MAPPINGS)):
        provider = page.field(f"m{i}_provider").strip()
        if not provider:
            continue
        cells = zip(page.fields(f"m{i}_claim"), page.fields(f"m{i}_match"), page.fields(f"m{i}_value"),
                    page.fields(f"m{i}_role"), strict=False)
        rules = [{"claim": c.strip(), "match": m, "value": v.strip(), "role": r.strip()}
                 for c, m, v, r in cells if c.strip() or v.strip() or r.strip()]
        mappings.append({"provider": provider, "type": page.field(f"m{i}_type", "Token"),
                         "ambiguous": page.field(f"m{i}_ambiguous", "AuthenticatedRole"), "rules": rules})
    return mappings


def _mapping_param(mapping: Mapping[str, Any]) -> dict[str, Any]:
    param: dict[str, Any] = {"Type": mapping["type"], "AmbiguousRoleResolution": mapping["ambiguous"]}
    if mapping["type"] == "Rules":
        param["RulesConfiguration"] = {"Rules": [
            {"Claim": r["claim"], "MatchType": r["match"], "Value": r["value"], "RoleARN": r["role"]}
            for r in mapping["rules"]]}
    return param
