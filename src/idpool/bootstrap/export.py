"""``idpool export``: an account's identity pools, roles and users (and, on request, the
pools' identities with their logins) as a bootstrap file, read through the AWS APIs only.

So it reads idpool and a real AWS account alike. What the APIs do not give is not in the
file: secrets (users' access keys are only counted), a login's user id for providers other
than the pool's developer provider (ListIdentities names the provider only), managed policy
attachments (only inline policies are read), and service-linked roles (path
``/aws-service-role/``: no API creates them). Pool ids inside policies become
``{{pool:NAME}}`` and roles the file holds are named, not ARN'd, so the file applies to
another account or server as well as it imports into one.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from typing import Any

import yaml

from idpool.arns import partition_of, role_arn
from idpool.bootstrap.aws import PAGE, Clients, call, cognito_pages, missing, pages, policy_value
from idpool.bootstrap.refs import with_pool_references

SERVICE_LINKED = "/aws-service-role/"
HEADER = "# idpool bootstrap file (format 1): `idpool apply` or `idpool import` it. See docs/BOOTSTRAP.md.\n"
_NOT_A_PROVIDER = ("InvalidParameterException", "ResourceNotFoundException")


def export(clients: Clients, *, identities: bool = False, warn: Callable[[str], None] | None = None) -> dict[str, Any]:
    """The account as a bootstrap document (a plain mapping, as ``document.parse`` takes)."""
    warn = warn or (lambda _: None)
    account_id = clients.account_id()
    described = sorted(
        (call("describe identity pool", clients.cognito.describe_identity_pool, IdentityPoolId=p["IdentityPoolId"])
         for p in pages("list identity pools", clients.cognito, "list_identity_pools", "IdentityPools", MaxResults=PAGE)),
        key=lambda d: (d["IdentityPoolName"], d["IdentityPoolId"]))
    names = Counter(d["IdentityPoolName"] for d in described)
    references = {d["IdentityPoolId"]: d["IdentityPoolName"] for d in described if names[d["IdentityPoolName"]] == 1}
    roles = [_role(r, clients, references) for r in _roles(clients)]
    partition = partition_of(clients.region)
    role_names = {role_arn(account_id, r["name"], r["path"], partition=partition): r["name"] for r in roles}
    document: dict[str, Any] = {
        "version": 1,
        "source": {"account_id": account_id, "region": clients.region, "exported_at": _time(dt.datetime.now(dt.UTC))},
        "identity_pools": [_pool(d, clients, role_names, identities, warn) for d in described],
        "roles": roles,
        "users": [_user(u, clients, references) for u in _users(clients)],
    }
    return document


def dump(document: Mapping[str, Any]) -> str:
    """YAML, keys in the format's order, timestamps and other look-alikes quoted as text."""
    return HEADER + yaml.safe_dump(dict(document), sort_keys=False, allow_unicode=True, width=120)


# --- identity pools -----------------------------------------------------------------------------
def _pool(d: Mapping[str, Any], clients: Clients, role_names: Mapping[str, str], with_identities: bool,
          warn: Callable[[str], None]) -> dict[str, Any]:
    pool_id = d["IdentityPoolId"]
    entry: dict[str, Any] = {
        "name": d["IdentityPoolName"], "id": pool_id,
        "allow_unauthenticated_identities": bool(d["AllowUnauthenticatedIdentities"]),
        "allow_classic_flow": bool(d.get("AllowClassicFlow", False)),
    }
    if d.get("DeveloperProviderName"):
        entry["developer_provider_name"] = d["DeveloperProviderName"]
    optional = {
        "supported_login_providers": dict(d.get("SupportedLoginProviders") or {}),
        "cognito_identity_providers": [
            {"provider_name": p["ProviderName"], "client_id": p["ClientId"],
             "server_side_token_check": bool(p.get("ServerSideTokenCheck", False))}
            for p in d.get("CognitoIdentityProviders") or []],
        "open_id_connect_provider_arns": list(d.get("OpenIdConnectProviderARNs") or []),
        "saml_provider_arns": list(d.get("SamlProviderARNs") or []),
        "tags": dict(d.get("IdentityPoolTags") or {}),
    }  # fmt: skip
    entry.update({key: value for key, value in optional.items() if value})
    got = call(f"identity pool {pool_id}: get roles", clients.cognito.get_identity_pool_roles, IdentityPoolId=pool_id)
    entry["roles"] = {kind: role_names.get(arn, arn) for kind, arn in (got.get("Roles") or {}).items()}
    mappings = {provider: _mapping(m, role_names) for provider, m in (got.get("RoleMappings") or {}).items()}
    if mappings:
        entry["role_mappings"] = mappings
    tags = dict(_principal_tags(d, clients))
    if tags:
        entry["principal_tags"] = tags
    if with_identities:
        entry["identities"] = list(_identities(d, clients, warn))
    return entry


def _mapping(m: Mapping[str, Any], role_names: Mapping[str, str]) -> dict[str, Any]:
    out: dict[str, Any] = {"type": m["Type"], "ambiguous_role_resolution": m.get("AmbiguousRoleResolution", "Deny")}
    rules = (m.get("RulesConfiguration") or {}).get("Rules") or []
    if rules:
        out["rules"] = [{"claim": r["Claim"], "match_type": r["MatchType"], "value": r["Value"],
                         "role": role_names.get(r["RoleARN"], r["RoleARN"])} for r in rules]
    return out


def _principal_tags(d: Mapping[str, Any], clients: Clients) -> Iterator[tuple[str, dict[str, Any]]]:
    providers = [*(d.get("SupportedLoginProviders") or {}), *(p["ProviderName"] for p in d.get("CognitoIdentityProviders") or []),
                 *(d.get("OpenIdConnectProviderARNs") or []), *(d.get("SamlProviderARNs") or [])]
    if d.get("DeveloperProviderName"):
        providers.append(d["DeveloperProviderName"])
    for provider in providers:
        got = missing(f"identity pool {d['IdentityPoolId']}: principal tags of {provider}",
                      clients.cognito.get_principal_tag_attribute_map, absent=_NOT_A_PROVIDER,
                      IdentityPoolId=d["IdentityPoolId"], IdentityProviderName=provider)
        if got and (got.get("UseDefaults") or got.get("PrincipalTags")):
            yield provider, {"use_defaults": bool(got.get("UseDefaults")), "tags": dict(got.get("PrincipalTags") or {})}


def _identities(d: Mapping[str, Any], clients: Clients, warn: Callable[[str], None]) -> Iterator[dict[str, Any]]:
    pool_id, developer = d["IdentityPoolId"], d.get("DeveloperProviderName")
    listed = list(cognito_pages(f"identity pool {pool_id}: list identities", clients.cognito.list_identities,
                                "Identities", IdentityPoolId=pool_id, MaxResults=PAGE, HideDisabled=False))
    enabled = {i["IdentityId"] for i in cognito_pages(
        f"identity pool {pool_id}: list identities", clients.cognito.list_identities, "Identities",
        IdentityPoolId=pool_id, MaxResults=PAGE, HideDisabled=True)}
    unreadable = Counter(p for i in listed for p in i.get("Logins") or [] if p != developer)
    for provider, count in sorted(unreadable.items()):
        warn(f"identity pool {pool_id}: {count} logins of {provider} left out (the AWS APIs name a login's "
             "provider, never its user id, except for the pool's developer provider)")
    for identity in sorted(listed, key=lambda i: i["IdentityId"]):
        entry: dict[str, Any] = {"id": identity["IdentityId"]}
        if developer and developer in (identity.get("Logins") or []):
            entry["logins"] = {developer: sorted(cognito_pages(
                f"identity {identity['IdentityId']}: look up developer user ids", clients.cognito.lookup_developer_identity,
                "DeveloperUserIdentifierList", IdentityPoolId=pool_id, IdentityId=identity["IdentityId"], MaxResults=PAGE))}
        disabled = identity["IdentityId"] not in enabled
        created, modified = identity.get("CreationDate"), identity.get("LastModifiedDate")
        if disabled:
            entry["disabled"] = True
        elif not identity.get("Logins") and created and modified and modified > created:
            # no login now, yet changed since it was made: its logins were unlinked. It stays
            # authenticated, as it was: no guest credentials for it after the move.
            entry["authenticated"] = True
        entry.update({key: _time(value) for key, value in (("created", created), ("last_modified", modified)) if value})
        yield entry


# --- IAM ----------------------------------------------------------------------------------------
def _roles(clients: Clients) -> Iterator[Mapping[str, Any]]:
    for listed in sorted(pages("list roles", clients.iam, "list_roles", "Roles"), key=lambda r: r["RoleName"].lower()):
        if not listed["Path"].startswith(SERVICE_LINKED):
            yield call(f'role "{listed["RoleName"]}": get', clients.iam.get_role, RoleName=listed["RoleName"])["Role"]


def _role(role: Mapping[str, Any], clients: Clients, references: Mapping[str, str]) -> dict[str, Any]:
    name = role["RoleName"]
    entry: dict[str, Any] = {"name": name, "id": role["RoleId"], "path": role["Path"]}
    if role.get("Description"):
        entry["description"] = role["Description"]
    entry["max_session_duration"] = int(role.get("MaxSessionDuration", 3600))
    tags = {t["Key"]: t["Value"] for t in role.get("Tags") or []}
    if tags:
        entry["tags"] = tags
    entry["trust_policy"] = with_pool_references(policy_value(role["AssumeRolePolicyDocument"]), references)
    entry["policies"] = {
        policy: with_pool_references(policy_value(call(f'role "{name}": get inline policy {policy!r}', clients.iam.get_role_policy,
                                                 RoleName=name, PolicyName=policy)["PolicyDocument"]), references)
        for policy in sorted(pages(f'role "{name}": list inline policies', clients.iam, "list_role_policies",
                                   "PolicyNames", RoleName=name))
    }
    if role.get("CreateDate"):
        entry["created"] = _time(role["CreateDate"])
    return entry


def _users(clients: Clients) -> list[Mapping[str, Any]]:
    return sorted(pages("list users", clients.iam, "list_users", "Users"), key=lambda u: u["UserName"].lower())


def _user(user: Mapping[str, Any], clients: Clients, references: Mapping[str, str]) -> dict[str, Any]:
    name = user["UserName"]
    entry: dict[str, Any] = {"name": name, "id": user["UserId"], "path": user["Path"]}
    entry["policies"] = {
        policy: with_pool_references(policy_value(call(f'user "{name}": get inline policy {policy!r}', clients.iam.get_user_policy,
                                                 UserName=name, PolicyName=policy)["PolicyDocument"]), references)
        for policy in sorted(pages(f'user "{name}": list inline policies', clients.iam, "list_user_policies",
                                   "PolicyNames", UserName=name))
    }
    keys = len(list(pages(f'user "{name}": list access keys', clients.iam, "list_access_keys", "AccessKeyMetadata",
                          UserName=name)))
    if keys:
        entry["access_keys"] = keys
    if user.get("CreateDate"):
        entry["created"] = _time(user["CreateDate"])
    return entry


def _time(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")
