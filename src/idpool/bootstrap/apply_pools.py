"""``idpool apply``, identity pools: create or update each pool of the file
(CreateIdentityPool, UpdateIdentityPool, TagResource, UntagResource), then, once the roles
exist, its roles and role mappings (SetIdentityPoolRoles) and principal tags
(SetPrincipalTagAttributeMap).

A pool is found by the file's ``id`` first, then by name. UpdateIdentityPool replaces the
whole configuration (Cognito API Reference), so an update sends what the pool has now with
the file's keys on top: a key the file leaves out keeps its value.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from idpool.arns import pool_arn
from idpool.bootstrap.aws import PAGE, Clients, call, pages
from idpool.bootstrap.document import Document, MappingSpec, PoolSpec
from idpool.bootstrap.errors import BootstrapError
from idpool.bootstrap.refs import Resolver
from idpool.bootstrap.report import CREATE, DELETE, UPDATE, Report

# file key -> (API member, value when the description leaves it out)
_CONFIG: dict[str, tuple[str, Any]] = {
    "allow_unauthenticated": ("AllowUnauthenticatedIdentities", False),
    "allow_classic_flow": ("AllowClassicFlow", False),
    "developer_provider_name": ("DeveloperProviderName", None),
    "supported_login_providers": ("SupportedLoginProviders", {}),
    "cognito_identity_providers": ("CognitoIdentityProviders", []),
    "open_id_connect_provider_arns": ("OpenIdConnectProviderARNs", []),
    "saml_provider_arns": ("SamlProviderARNs", []),
}
_FILE_NAMES = {"allow_unauthenticated": "allow_unauthenticated_identities"}


def name_of(spec: PoolSpec) -> str:
    return f'identity pool "{spec.name}"'


def match(document: Document, clients: Clients) -> list[str | None]:
    """For each pool of the file, the id of the account's pool it describes, or None."""
    listing = list(pages("list identity pools", clients.cognito, "list_identity_pools", "IdentityPools",
                         MaxResults=PAGE))
    ids = {pool["IdentityPoolId"] for pool in listing}
    claimed = {spec.id for spec in document.pools if spec.id in ids}
    found: list[str | None] = []
    for spec in document.pools:
        if spec.id in ids:
            found.append(spec.id)
            continue
        named = [p["IdentityPoolId"] for p in listing if p["IdentityPoolName"] == spec.name and p["IdentityPoolId"] not in claimed]
        if len(named) > 1:
            raise BootstrapError(f"{name_of(spec)}: {len(named)} pools of this account have that name; "
                                 "give the file the id of the one to manage")
        found.append(named[0] if named else None)
        claimed.update(named)
    return found


def apply_config(spec: PoolSpec, pool_id: str | None, clients: Clients, account_id: str, report: Report) -> str:
    """Create or update the pool's configuration and tags; returns its id (a placeholder for
    a pool a dry run would create)."""
    resource = name_of(spec)
    report.resource(resource)
    if pool_id is None:
        return _create(spec, clients, report)
    current = call(f"{resource}: describe", clients.cognito.describe_identity_pool, IdentityPoolId=pool_id)
    desired = dict(_config(current))
    differences = [] if spec.name == current["IdentityPoolName"] else [f"name {current['IdentityPoolName']!r} -> {spec.name!r}"]
    for key, (member, _) in _CONFIG.items():
        wanted = _api_value(key, getattr(spec, key))
        if wanted is not None and wanted != desired[member]:
            differences.append(f"{_FILE_NAMES.get(key, key)} {_show(desired[member])} -> {_show(wanted)}")
            desired[member] = wanted
    if differences:
        report.change(UPDATE, resource, ", ".join(differences))
        if not report.dry_run:
            params = {k: v for k, v in desired.items() if v is not None}
            call(f"{resource}: update", clients.cognito.update_identity_pool, IdentityPoolId=pool_id,
                 IdentityPoolName=spec.name, **params)
    _apply_tags(spec, pool_id, current.get("IdentityPoolTags") or {}, clients, account_id, report)
    return pool_id


def _create(spec: PoolSpec, clients: Clients, report: Report) -> str:
    resource = name_of(spec)
    moved = f" (the file's id {spec.id} is not in this account: a new id is chosen)" if spec.id else ""
    report.change(CREATE, resource, "create" + moved)
    if report.dry_run:
        return f"<id of the new pool {spec.name}>"
    params: dict[str, Any] = {"AllowUnauthenticatedIdentities": bool(spec.allow_unauthenticated)}
    for key, (member, _) in _CONFIG.items():
        value = _api_value(key, getattr(spec, key))
        if value is not None and key != "allow_unauthenticated":
            params[member] = value
    if spec.tags:
        params["IdentityPoolTags"] = dict(spec.tags)
    created = call(f"{resource}: create", clients.cognito.create_identity_pool, IdentityPoolName=spec.name, **params)
    return str(created["IdentityPoolId"])


def _apply_tags(spec: PoolSpec, pool_id: str, current: Mapping[str, str], clients: Clients, account_id: str,
                report: Report) -> None:
    if spec.tags is None or dict(spec.tags) == dict(current):
        return
    arn = pool_arn(clients.region, account_id, pool_id)
    changed = {k: v for k, v in spec.tags.items() if current.get(k) != v}
    dropped = [k for k in current if k not in spec.tags]
    if changed:
        report.change(UPDATE, name_of(spec), f"tags {', '.join(sorted(changed))}")
        if not report.dry_run:
            call(f"{name_of(spec)}: tag", clients.cognito.tag_resource, ResourceArn=arn, Tags=changed)
    if dropped:
        report.change(DELETE, name_of(spec), f"tags {', '.join(sorted(dropped))}")
        if not report.dry_run:
            call(f"{name_of(spec)}: untag", clients.cognito.untag_resource, ResourceArn=arn, TagKeys=dropped)


def apply_roles(spec: PoolSpec, pool_id: str, created: bool, clients: Clients, resolver: Resolver,
                report: Report) -> None:
    """SetIdentityPoolRoles when the file's roles or role mappings differ from the pool's."""
    if spec.roles is None and spec.role_mappings is None:
        return
    current: dict[str, Any] = {"Roles": {}, "RoleMappings": {}}
    if not (created and report.dry_run):
        got = call(f"{name_of(spec)}: get roles", clients.cognito.get_identity_pool_roles, IdentityPoolId=pool_id)
        current = {"Roles": got.get("Roles") or {}, "RoleMappings": got.get("RoleMappings") or {}}
    desired = dict(current)
    if spec.roles is not None:
        desired["Roles"] = {kind: resolver.role_arn(ref) for kind, ref in spec.roles.items()}
    if spec.role_mappings is not None:
        desired["RoleMappings"] = {p: _mapping(m, resolver) for p, m in spec.role_mappings.items()}
    what = [label for member, label in (("Roles", "roles"), ("RoleMappings", "role mappings"))
            if desired[member] != current[member]]
    if what:
        report.change(UPDATE, name_of(spec), " and ".join(what))
        if not report.dry_run:
            call(f"{name_of(spec)}: set roles", clients.cognito.set_identity_pool_roles, IdentityPoolId=pool_id,
                 **desired)


def apply_principal_tags(spec: PoolSpec, pool_id: str, created: bool, clients: Clients, report: Report) -> None:
    for provider, wanted in spec.principal_tags.items():
        current: tuple[bool, dict[str, str]] = (False, {})
        if not (created and report.dry_run):
            got = call(f"{name_of(spec)}: get principal tags of {provider}",
                       clients.cognito.get_principal_tag_attribute_map,
                       IdentityPoolId=pool_id, IdentityProviderName=provider)
            current = (bool(got.get("UseDefaults")), dict(got.get("PrincipalTags") or {}))
        if current != (wanted.use_defaults, dict(wanted.tags)):
            report.change(UPDATE, name_of(spec), f"principal tags of {provider}")
            if not report.dry_run:
                call(f"{name_of(spec)}: set principal tags of {provider}",
                     clients.cognito.set_principal_tag_attribute_map, IdentityPoolId=pool_id,
                     IdentityProviderName=provider, UseDefaults=wanted.use_defaults, PrincipalTags=dict(wanted.tags))


def _config(description: Mapping[str, Any]) -> dict[str, Any]:
    """The configuration members of DescribeIdentityPool's answer, absent ones as their default."""
    config = {member: description.get(member, default) for member, default in _CONFIG.values()}
    config["CognitoIdentityProviders"] = [
        {"ServerSideTokenCheck": False, **provider} for provider in config["CognitoIdentityProviders"]
    ]
    return config


def _api_value(key: str, value: Any) -> Any:
    if value is None:
        return None
    if key == "cognito_identity_providers":
        return [{"ProviderName": p.provider_name, "ClientId": p.client_id, "ServerSideTokenCheck": p.server_side_token_check}
                for p in value]
    if isinstance(value, tuple):
        return list(value)
    if isinstance(value, Mapping):
        return dict(value)
    return value


def _mapping(spec: MappingSpec, resolver: Resolver) -> dict[str, Any]:
    out: dict[str, Any] = {"Type": spec.type, "AmbiguousRoleResolution": spec.ambiguous_role_resolution}
    if spec.rules:
        out["RulesConfiguration"] = {"Rules": [
            {"Claim": r.claim, "MatchType": r.match_type, "Value": r.value, "RoleARN": resolver.role_arn(r.role)}
            for r in spec.rules]}
    return out


def _show(value: Any) -> str:
    if isinstance(value, bool):
        return str(value).lower()
    return "(none)" if value in (None, [], {}) else repr(value) if isinstance(value, str) else str(value)
