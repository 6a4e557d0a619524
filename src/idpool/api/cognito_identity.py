"""Amazon Cognito Identity (2014-06-30) over awsJson1_1: unpack, call, pack.

Operation semantics live in ``idpool.identity_pools``; this module only translates.
"""

from __future__ import annotations

from typing import Any, Mapping

from idpool import errors
from idpool.api.context import CallContext, Handler, ResourceOf
from idpool.identity_pools.pools import PoolConfig
from idpool.model import CognitoProvider, Identity, IdentityPool, MappingRule, PrincipalTagMap, RoleMapping

SERVICE = "cognito-identity"

# Domain error -> wire error code (status comes from the protocol's table).
ERRORS: dict[type[errors.IdpoolError], str] = {
    errors.InvalidParameter: "InvalidParameterException",
    errors.NotAuthorized: "NotAuthorizedException",
    errors.ResourceNotFound: "ResourceNotFoundException",
    errors.ResourceConflict: "ResourceConflictException",
    errors.LimitExceeded: "LimitExceededException",
    errors.DeveloperUserAlreadyRegistered: "DeveloperUserAlreadyRegisteredException",
    errors.InvalidIdentityPoolConfiguration: "InvalidIdentityPoolConfigurationException",
    errors.ConcurrentModification: "ConcurrentModificationException",
    errors.TooManyRequests: "TooManyRequestsException",
    errors.ExternalService: "ExternalServiceException",
    errors.AccessDenied: "AccessDeniedException",
    errors.ServiceUnavailable: "InternalErrorException",
    errors.ExpiredCredentials: "ExpiredTokenException",
}
INTERNAL_ERROR = "InternalErrorException"


# --- packing -----------------------------------------------------------------------------
def pack_pool(pool: IdentityPool) -> dict[str, Any]:
    out: dict[str, Any] = {
        "IdentityPoolId": pool.pool_id,
        "IdentityPoolName": pool.name,
        "AllowUnauthenticatedIdentities": pool.allow_unauthenticated,
        "AllowClassicFlow": bool(pool.allow_classic_flow),
        "SupportedLoginProviders": dict(pool.supported_login_providers),
        "OpenIdConnectProviderARNs": list(pool.open_id_connect_provider_arns),
        "CognitoIdentityProviders": [
            {"ProviderName": p.provider_name, "ClientId": p.client_id, "ServerSideTokenCheck": p.server_side_token_check}
            for p in pool.cognito_identity_providers
        ],
        "SamlProviderARNs": list(pool.saml_provider_arns),
        "IdentityPoolTags": dict(pool.tags),
    }
    if pool.developer_provider_name:
        out["DeveloperProviderName"] = pool.developer_provider_name
    return out


def pack_identity(identity: Identity) -> dict[str, Any]:
    return {
        "IdentityId": identity.identity_id,
        "Logins": sorted({login.provider for login in identity.logins}),
        "CreationDate": identity.created_at,
        "LastModifiedDate": identity.last_modified_at,
    }


def pack_role_mapping(mapping: RoleMapping) -> dict[str, Any]:
    out: dict[str, Any] = {"Type": mapping.type}
    if mapping.ambiguous_role_resolution:
        out["AmbiguousRoleResolution"] = mapping.ambiguous_role_resolution
    if mapping.rules:
        out["RulesConfiguration"] = {
            "Rules": [
                {"Claim": r.claim, "MatchType": r.match_type, "Value": r.value, "RoleARN": r.role_arn}
                for r in mapping.rules
            ]
        }
    return out


def unpack_role_mapping(raw: Mapping[str, Any]) -> RoleMapping:
    rules = (raw.get("RulesConfiguration") or {}).get("Rules") or []
    return RoleMapping(
        type=raw["Type"],
        ambiguous_role_resolution=raw.get("AmbiguousRoleResolution"),
        rules=tuple(MappingRule(r["Claim"], r["MatchType"], r["Value"], r["RoleARN"]) for r in rules),
    )


def unpack_config(p: Mapping[str, Any]) -> PoolConfig:
    return PoolConfig(
        name=p["IdentityPoolName"],
        allow_unauthenticated=p["AllowUnauthenticatedIdentities"],
        allow_classic_flow=p.get("AllowClassicFlow"),
        supported_login_providers=p.get("SupportedLoginProviders") or {},
        developer_provider_name=p.get("DeveloperProviderName"),
        open_id_connect_provider_arns=tuple(p.get("OpenIdConnectProviderARNs") or ()),
        cognito_identity_providers=tuple(
            CognitoProvider(c["ProviderName"], c["ClientId"], bool(c.get("ServerSideTokenCheck", False)))
            for c in p.get("CognitoIdentityProviders") or ()
        ),
        saml_provider_arns=tuple(p.get("SamlProviderARNs") or ()),
        tags=p.get("IdentityPoolTags"),
    )


def pack_tag_map(pool_id: str, provider: str, entry: PrincipalTagMap) -> dict[str, Any]:
    return {
        "IdentityPoolId": pool_id,
        "IdentityProviderName": provider,
        "UseDefaults": entry.use_defaults,
        "PrincipalTags": dict(entry.tags),
    }


# --- pools -------------------------------------------------------------------------------
def create_identity_pool(ctx: CallContext, p: Mapping[str, Any]) -> Mapping[str, Any]:
    return pack_pool(ctx.services.pools.create(ctx.account_id, unpack_config(p)))


def describe_identity_pool(ctx: CallContext, p: Mapping[str, Any]) -> Mapping[str, Any]:
    return pack_pool(ctx.services.pools.get(ctx.account_id, p["IdentityPoolId"]))


def update_identity_pool(ctx: CallContext, p: Mapping[str, Any]) -> Mapping[str, Any]:
    return pack_pool(ctx.services.pools.update(ctx.account_id, p["IdentityPoolId"], unpack_config(p)))


def delete_identity_pool(ctx: CallContext, p: Mapping[str, Any]) -> Mapping[str, Any]:
    ctx.services.pools.delete(ctx.account_id, p["IdentityPoolId"])
    return {}


def list_identity_pools(ctx: CallContext, p: Mapping[str, Any]) -> Mapping[str, Any]:
    pools, token = ctx.services.pools.list_pools(ctx.account_id, p["MaxResults"], p.get("NextToken"))
    out: dict[str, Any] = {
        "IdentityPools": [{"IdentityPoolId": x.pool_id, "IdentityPoolName": x.name} for x in pools]
    }
    if token:
        out["NextToken"] = token
    return out


def tag_resource(ctx: CallContext, p: Mapping[str, Any]) -> Mapping[str, Any]:
    ctx.services.pools.tag(ctx.account_id, p["ResourceArn"], p["Tags"])
    return {}


def untag_resource(ctx: CallContext, p: Mapping[str, Any]) -> Mapping[str, Any]:
    ctx.services.pools.untag(ctx.account_id, p["ResourceArn"], p["TagKeys"])
    return {}


def list_tags_for_resource(ctx: CallContext, p: Mapping[str, Any]) -> Mapping[str, Any]:
    return {"Tags": dict(ctx.services.pools.tags(ctx.account_id, p["ResourceArn"]))}


def set_identity_pool_roles(ctx: CallContext, p: Mapping[str, Any]) -> Mapping[str, Any]:
    mappings = {k: unpack_role_mapping(v) for k, v in (p.get("RoleMappings") or {}).items()}
    ctx.services.pools.set_roles(ctx.account_id, p["IdentityPoolId"], p["Roles"], mappings)
    return {}


def get_identity_pool_roles(ctx: CallContext, p: Mapping[str, Any]) -> Mapping[str, Any]:
    pool = ctx.services.pools.get(ctx.account_id, p["IdentityPoolId"])
    out: dict[str, Any] = {"IdentityPoolId": pool.pool_id, "Roles": dict(pool.roles)}
    if pool.role_mappings:
        out["RoleMappings"] = {k: pack_role_mapping(v) for k, v in pool.role_mappings.items()}
    return out


def set_principal_tag_attribute_map(ctx: CallContext, p: Mapping[str, Any]) -> Mapping[str, Any]:
    entry = ctx.services.pools.set_principal_tag_map(
        ctx.account_id, p["IdentityPoolId"], p["IdentityProviderName"],
        bool(p.get("UseDefaults", False)), p.get("PrincipalTags") or {},
    )
    return pack_tag_map(p["IdentityPoolId"], p["IdentityProviderName"], entry)


def get_principal_tag_attribute_map(ctx: CallContext, p: Mapping[str, Any]) -> Mapping[str, Any]:
    entry = ctx.services.pools.principal_tag_map(ctx.account_id, p["IdentityPoolId"], p["IdentityProviderName"])
    return pack_tag_map(p["IdentityPoolId"], p["IdentityProviderName"], entry)


# --- developer authenticated identities -------------------------------------------------
def get_open_id_token_for_developer_identity(ctx: CallContext, p: Mapping[str, Any]) -> Mapping[str, Any]:
    issued = ctx.services.identities.token_for_developer_identity(
        ctx.account_id, p["IdentityPoolId"], p["Logins"], p.get("IdentityId"),
        p.get("PrincipalTags"), p.get("TokenDuration"),
    )
    return {"IdentityId": issued.identity_id, "Token": issued.token}


def lookup_developer_identity(ctx: CallContext, p: Mapping[str, Any]) -> Mapping[str, Any]:
    identity_id, users, token = ctx.services.identities.lookup(
        ctx.account_id, p["IdentityPoolId"], p.get("IdentityId"), p.get("DeveloperUserIdentifier"),
        p.get("MaxResults"), p.get("NextToken"),
    )
    out: dict[str, Any] = {"IdentityId": identity_id, "DeveloperUserIdentifierList": users}
    if token:
        out["NextToken"] = token
    return out


def merge_developer_identities(ctx: CallContext, p: Mapping[str, Any]) -> Mapping[str, Any]:
    identity_id = ctx.services.identities.merge(
        ctx.account_id, p["IdentityPoolId"], p["DeveloperProviderName"],
        p["SourceUserIdentifier"], p["DestinationUserIdentifier"],
    )
    return {"IdentityId": identity_id}


def unlink_developer_identity(ctx: CallContext, p: Mapping[str, Any]) -> Mapping[str, Any]:
    ctx.services.identities.unlink_developer(
        ctx.account_id, p["IdentityId"], p["IdentityPoolId"], p["DeveloperProviderName"], p["DeveloperUserIdentifier"]
    )
    return {}


# --- identities ----------------------------------------------------------------------------
def describe_identity(ctx: CallContext, p: Mapping[str, Any]) -> Mapping[str, Any]:
    return pack_identity(ctx.services.identities.describe(ctx.account_id, p["IdentityId"]))


def list_identities(ctx: CallContext, p: Mapping[str, Any]) -> Mapping[str, Any]:
    found, token = ctx.services.identities.list_identities(
        ctx.account_id, p["IdentityPoolId"], p["MaxResults"], p.get("NextToken"), bool(p.get("HideDisabled"))
    )
    out: dict[str, Any] = {"IdentityPoolId": p["IdentityPoolId"], "Identities": [pack_identity(i) for i in found]}
    if token:
        out["NextToken"] = token
    return out


def delete_identities(ctx: CallContext, p: Mapping[str, Any]) -> Mapping[str, Any]:
    unprocessed = ctx.services.identities.delete(ctx.account_id, p["IdentityIdsToDelete"])
    return {"UnprocessedIdentityIds": [{"IdentityId": i, "ErrorCode": code} for i, code in unprocessed]}


# --- public operations -----------------------------------------------------------------------
def get_id(ctx: CallContext, p: Mapping[str, Any]) -> Mapping[str, Any]:
    return {"IdentityId": ctx.services.identities.get_id(p["IdentityPoolId"], p.get("Logins"))}


def get_open_id_token(ctx: CallContext, p: Mapping[str, Any]) -> Mapping[str, Any]:
    issued = ctx.services.identities.get_open_id_token(p["IdentityId"], p.get("Logins"))
    return {"IdentityId": issued.identity_id, "Token": issued.token}


def unlink_identity(ctx: CallContext, p: Mapping[str, Any]) -> Mapping[str, Any]:
    ctx.services.identities.unlink_identity(p["IdentityId"], p["Logins"], p["LoginsToRemove"])
    return {}


def get_credentials_for_identity(ctx: CallContext, p: Mapping[str, Any]) -> Mapping[str, Any]:
    creds = ctx.services.credentials_for_identity(p["IdentityId"], p.get("Logins"), p.get("CustomRoleArn"))
    return {
        "IdentityId": creds.identity_id,
        "Credentials": {
            "AccessKeyId": creds.access_key_id,
            "SecretKey": creds.secret_access_key,
            "SessionToken": creds.session_token,
            "Expiration": creds.expiration,
        },
    }


HANDLERS: dict[str, Handler] = {
    "CreateIdentityPool": create_identity_pool,
    "DescribeIdentityPool": describe_identity_pool,
    "UpdateIdentityPool": update_identity_pool,
    "DeleteIdentityPool": delete_identity_pool,
    "ListIdentityPools": list_identity_pools,
    "TagResource": tag_resource,
    "UntagResource": untag_resource,
    "ListTagsForResource": list_tags_for_resource,
    "SetIdentityPoolRoles": set_identity_pool_roles,
    "GetIdentityPoolRoles": get_identity_pool_roles,
    "SetPrincipalTagAttributeMap": set_principal_tag_attribute_map,
    "GetPrincipalTagAttributeMap": get_principal_tag_attribute_map,
    "GetOpenIdTokenForDeveloperIdentity": get_open_id_token_for_developer_identity,
    "LookupDeveloperIdentity": lookup_developer_identity,
    "MergeDeveloperIdentities": merge_developer_identities,
    "UnlinkDeveloperIdentity": unlink_developer_identity,
    "DescribeIdentity": describe_identity,
    "ListIdentities": list_identities,
    "DeleteIdentities": delete_identities,
    "GetId": get_id,
    "GetOpenIdToken": get_open_id_token,
    "UnlinkIdentity": unlink_identity,
    "GetCredentialsForIdentity": get_credentials_for_identity,
}


# --- the resource each signed operation is authorized against ------------------------------
def _pool_resource(ctx: CallContext, p: Mapping[str, Any]) -> str:
    return ctx.services.pool_arn(ctx.account_id, p["IdentityPoolId"])


def _any_pool(ctx: CallContext, p: Mapping[str, Any]) -> str:
    return ctx.services.pool_arn(ctx.account_id, "*")


def _identity_pool_resource(ctx: CallContext, p: Mapping[str, Any]) -> str:
    """DescribeIdentity is authorized on the identity's pool (service authorization reference)."""
    try:
        identity = ctx.services.identities.describe(ctx.account_id, p["IdentityId"])
    except errors.ResourceNotFound:
        return _any_pool(ctx, p)
    return ctx.services.pool_arn(ctx.account_id, identity.pool_id)


def resource_for(operation: str) -> ResourceOf:
    if operation in ("CreateIdentityPool", "ListIdentityPools"):
        return lambda ctx, p: "*"  # no resource type (service authorization reference)
    if operation == "DeleteIdentities":
        return _any_pool
    if operation in ("TagResource", "UntagResource", "ListTagsForResource"):
        return lambda ctx, p: str(p["ResourceArn"])
    if operation == "DescribeIdentity":
        return _identity_pool_resource
    return _pool_resource
