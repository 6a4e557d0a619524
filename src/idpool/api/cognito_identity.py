"""Amazon Cognito Identity (2014-06-30) over awsJson1_1: unpack, call, pack.

Operation semantics live in ``idpool.identity_pools``; this module only translates.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from idpool import errors
from idpool.api.audit import Audited, login_providers
from idpool.api.context import Call, Operation, ServiceApi
from idpool.arns import pool_arn
from idpool.identity_pools.credentials import EnhancedFlow
from idpool.identity_pools.identities import IdentityService
from idpool.identity_pools.pools import PoolConfig, PoolService
from idpool.model import CognitoProvider, Identity, IdentityPool, MappingRule, PrincipalTagMap, RoleMapping
from idpool.protocols.wire_errors import ErrorTable, WireError
from idpool.sigv4 import AuthFailure

# Every failure as Cognito Identity's awsJson1_1 front end names it. Client errors are 400:
# the real service answers NotAuthorized and ResourceNotFound with 400 although the Smithy
# model (aws-sdk-js-v3 cognito-identity.json) says 403/404 (amplify-js#2443,
# aws-sdk-js-v3#3113, amplify-js#13650); botocore's model carries no statuses for this
# service. Authentication failures are 400 too, as Coral's JSON stack answers them
# (UnrecognizedClientException / InvalidSignatureException from cognito-idp:
# aws/aws-sdk-php#2444; MissingAuthenticationTokenException: DynamoDB, same stack).
# AccessDeniedException 400: AWS API Reference, "Common Errors".
ERRORS = ErrorTable(
    "cognito-identity",
    {
        errors.InvalidParameter: WireError("InvalidParameterException", 400),
        errors.NotAuthorized: WireError("NotAuthorizedException", 400),
        errors.ResourceNotFound: WireError("ResourceNotFoundException", 400),
        errors.ResourceConflict: WireError("ResourceConflictException", 400),
        errors.LimitExceeded: WireError("LimitExceededException", 400),
        errors.DeveloperUserAlreadyRegistered: WireError("DeveloperUserAlreadyRegisteredException", 400),
        errors.InvalidIdentityPoolConfiguration: WireError("InvalidIdentityPoolConfigurationException", 400),
        errors.ConcurrentModification: WireError("ConcurrentModificationException", 400),
        errors.TooManyRequests: WireError("TooManyRequestsException", 400),
        errors.ExternalService: WireError("ExternalServiceException", 400),
        errors.AccessDenied: WireError("AccessDeniedException", 400),
        errors.ExpiredCredentials: WireError("ExpiredTokenException", 400),
        errors.RequestTooLarge: WireError("RequestEntityTooLargeException", 413),
        errors.RequestTimeout: WireError("RequestTimeoutException", 408),
        errors.UnsupportedOperation: WireError("UnknownOperationException", 400),
        errors.ServiceUnavailable: WireError("ServiceUnavailableException", 503, sender_fault=False),
        errors.InternalFailure: WireError("InternalErrorException", 500, sender_fault=False),
        AuthFailure.MISSING_TOKEN: WireError("MissingAuthenticationTokenException", 400),
        AuthFailure.INCOMPLETE_SIGNATURE: WireError("IncompleteSignatureException", 400),
        AuthFailure.UNSUPPORTED_ALGORITHM: WireError("IncompleteSignatureException", 400),
        AuthFailure.SIGNATURE_MISMATCH: WireError("InvalidSignatureException", 400),
        AuthFailure.EXPIRED_REQUEST: WireError("InvalidSignatureException", 400),
        AuthFailure.UNKNOWN_KEY: WireError("UnrecognizedClientException", 400),
        AuthFailure.INVALID_TOKEN: WireError("UnrecognizedClientException", 400),
        AuthFailure.EXPIRED_TOKEN: WireError("ExpiredTokenException", 400),
    },
    codec_codes={"UnknownOperationException": 400, "SerializationException": 400, "ValidationException": 400},
)


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
        cognito_identity_providers=tuple(unpack_cognito_provider(c) for c in p.get("CognitoIdentityProviders") or ()),
        saml_provider_arns=tuple(p.get("SamlProviderARNs") or ()),
        tags=p.get("IdentityPoolTags"),
    )


def unpack_cognito_provider(raw: Mapping[str, Any]) -> CognitoProvider:
    # The model makes both members optional, but a user pool provider means nothing without
    # them: refused as a bad parameter, not a KeyError (found by tests/fuzz, P05).
    if not raw.get("ProviderName") or not raw.get("ClientId"):
        raise errors.InvalidParameter("Each CognitoIdentityProviders entry needs a ProviderName and a ClientId.")
    return CognitoProvider(raw["ProviderName"], raw["ClientId"], bool(raw.get("ServerSideTokenCheck", False)))


def pack_tag_map(pool_id: str, provider: str, entry: PrincipalTagMap) -> dict[str, Any]:
    return {
        "IdentityPoolId": pool_id,
        "IdentityProviderName": provider,
        "UseDefaults": entry.use_defaults,
        "PrincipalTags": dict(entry.tags),
    }


# --- pools -------------------------------------------------------------------------------
class CognitoIdentityApi(ServiceApi):
    """Cognito Identity's operations over the identity-pool services (its narrow ports)."""

    service = "cognito-identity"
    errors = ERRORS

    def __init__(self, pools: PoolService, identities: IdentityService, enhanced: EnhancedFlow, region: str) -> None:
        self._pools = pools
        self._identities = identities
        self._enhanced = enhanced
        self._region = region

    def create_identity_pool(self, call: Call, p: Mapping[str, Any]) -> Mapping[str, Any]:
        return pack_pool(self._pools.create(call.account_id, unpack_config(p)))

    def describe_identity_pool(self, call: Call, p: Mapping[str, Any]) -> Mapping[str, Any]:
        return pack_pool(self._pools.get(call.account_id, p["IdentityPoolId"]))

    def update_identity_pool(self, call: Call, p: Mapping[str, Any]) -> Mapping[str, Any]:
        return pack_pool(self._pools.update(call.account_id, p["IdentityPoolId"], unpack_config(p)))

    def delete_identity_pool(self, call: Call, p: Mapping[str, Any]) -> Mapping[str, Any]:
        self._pools.delete(call.account_id, p["IdentityPoolId"])
        return {}

    def list_identity_pools(self, call: Call, p: Mapping[str, Any]) -> Mapping[str, Any]:
        pools, token = self._pools.list_pools(call.account_id, p["MaxResults"], p.get("NextToken"))
        out: dict[str, Any] = {
            "IdentityPools": [{"IdentityPoolId": x.pool_id, "IdentityPoolName": x.name} for x in pools]
        }
        if token:
            out["NextToken"] = token
        return out

    def tag_resource(self, call: Call, p: Mapping[str, Any]) -> Mapping[str, Any]:
        self._pools.tag(call.account_id, p["ResourceArn"], p["Tags"])
        return {}

    def untag_resource(self, call: Call, p: Mapping[str, Any]) -> Mapping[str, Any]:
        self._pools.untag(call.account_id, p["ResourceArn"], p["TagKeys"])
        return {}

    def list_tags_for_resource(self, call: Call, p: Mapping[str, Any]) -> Mapping[str, Any]:
        return {"Tags": dict(self._pools.tags(call.account_id, p["ResourceArn"]))}

    def set_identity_pool_roles(self, call: Call, p: Mapping[str, Any]) -> Mapping[str, Any]:
        mappings = {k: unpack_role_mapping(v) for k, v in (p.get("RoleMappings") or {}).items()}
        # Giving a pool a role passes the role to the service: iam:PassRole on each
        # (IAM User Guide, "Grant a user permissions to pass a role to an AWS service").
        for role_arn in _roles_passed(p["Roles"], mappings):
            call.authorize("iam:PassRole", role_arn)
        self._pools.set_roles(call.account_id, p["IdentityPoolId"], p["Roles"], mappings)
        return {}

    def get_identity_pool_roles(self, call: Call, p: Mapping[str, Any]) -> Mapping[str, Any]:
        pool = self._pools.get(call.account_id, p["IdentityPoolId"])
        out: dict[str, Any] = {"IdentityPoolId": pool.pool_id, "Roles": dict(pool.roles)}
        if pool.role_mappings:
            out["RoleMappings"] = {k: pack_role_mapping(v) for k, v in pool.role_mappings.items()}
        return out

    def set_principal_tag_attribute_map(self, call: Call, p: Mapping[str, Any]) -> Mapping[str, Any]:
        entry = self._pools.set_principal_tag_map(
            call.account_id, p["IdentityPoolId"], p["IdentityProviderName"],
            bool(p.get("UseDefaults", False)), p.get("PrincipalTags") or {},
        )
        return pack_tag_map(p["IdentityPoolId"], p["IdentityProviderName"], entry)

    def get_principal_tag_attribute_map(self, call: Call, p: Mapping[str, Any]) -> Mapping[str, Any]:
        entry = self._pools.principal_tag_map(call.account_id, p["IdentityPoolId"], p["IdentityProviderName"])
        return pack_tag_map(p["IdentityPoolId"], p["IdentityProviderName"], entry)

    def get_open_id_token_for_developer_identity(self, call: Call, p: Mapping[str, Any]) -> Mapping[str, Any]:
        issued = self._identities.token_for_developer_identity(
            call.account_id, p["IdentityPoolId"], p["Logins"], p.get("IdentityId"),
            p.get("PrincipalTags"), p.get("TokenDuration"),
        )
        call.notes["identityCreated"] = issued.created
        if issued.login is not None:  # which developer user the token speaks for (an id, not a secret)
            call.notes["developerUserIdentifier"] = issued.login.subject
        return {"IdentityId": issued.identity_id, "Token": issued.token}

    def lookup_developer_identity(self, call: Call, p: Mapping[str, Any]) -> Mapping[str, Any]:
        identity_id, users, token = self._identities.lookup(
            call.account_id, p["IdentityPoolId"], p.get("IdentityId"), p.get("DeveloperUserIdentifier"),
            p.get("MaxResults"), p.get("NextToken"),
        )
        out: dict[str, Any] = {"IdentityId": identity_id, "DeveloperUserIdentifierList": users}
        if token:
            out["NextToken"] = token
        return out

    def merge_developer_identities(self, call: Call, p: Mapping[str, Any]) -> Mapping[str, Any]:
        identity_id = self._identities.merge(
            call.account_id, p["IdentityPoolId"], p["DeveloperProviderName"],
            p["SourceUserIdentifier"], p["DestinationUserIdentifier"],
        )
        return {"IdentityId": identity_id}

    def unlink_developer_identity(self, call: Call, p: Mapping[str, Any]) -> Mapping[str, Any]:
        self._identities.unlink_developer(
            call.account_id, p["IdentityId"], p["IdentityPoolId"], p["DeveloperProviderName"], p["DeveloperUserIdentifier"]
        )
        return {}

    def describe_identity(self, call: Call, p: Mapping[str, Any]) -> Mapping[str, Any]:
        return pack_identity(self._identities.describe(call.account_id, p["IdentityId"]))

    def list_identities(self, call: Call, p: Mapping[str, Any]) -> Mapping[str, Any]:
        found, token = self._identities.list_identities(
            call.account_id, p["IdentityPoolId"], p["MaxResults"], p.get("NextToken"), bool(p.get("HideDisabled"))
        )
        out: dict[str, Any] = {"IdentityPoolId": p["IdentityPoolId"], "Identities": [pack_identity(i) for i in found]}
        if token:
            out["NextToken"] = token
        return out

    def delete_identities(self, call: Call, p: Mapping[str, Any]) -> Mapping[str, Any]:
        """Authorized per identity, on its pool (Service Authorization Reference: DeleteIdentities
        acts on identitypool): a grant on one pool deletes that pool's identities; the others
        come back unprocessed with ``AccessDenied``, and a call that may delete none is denied."""
        decisions: dict[str, errors.AccessDenied | None] = {}

        def may_delete(pool_id: str) -> bool:
            if pool_id not in decisions:
                try:
                    call.authorize("cognito-identity:DeleteIdentities", self._pool_arn(call, pool_id))
                    decisions[pool_id] = None
                except errors.AccessDenied as denied:
                    decisions[pool_id] = denied
            return decisions[pool_id] is None

        unprocessed = self._identities.delete(call.account_id, p["IdentityIdsToDelete"], may_delete)
        denials = [d for d in decisions.values() if d is not None]
        if denials and len(denials) == len(decisions):
            raise denials[0]
        return {"UnprocessedIdentityIds": [{"IdentityId": i, "ErrorCode": code} for i, code in unprocessed]}

    def get_id(self, call: Call, p: Mapping[str, Any]) -> Mapping[str, Any]:
        return {"IdentityId": self._identities.get_id(p["IdentityPoolId"], p.get("Logins"))}

    def get_open_id_token(self, call: Call, p: Mapping[str, Any]) -> Mapping[str, Any]:
        issued = self._identities.get_open_id_token(p["IdentityId"], p.get("Logins"))
        return {"IdentityId": issued.identity_id, "Token": issued.token}

    def unlink_identity(self, call: Call, p: Mapping[str, Any]) -> Mapping[str, Any]:
        self._identities.unlink_identity(p["IdentityId"], p["Logins"], p["LoginsToRemove"])
        return {}

    def get_credentials_for_identity(self, call: Call, p: Mapping[str, Any]) -> Mapping[str, Any]:
        creds = self._enhanced.credentials_for_identity(p["IdentityId"], p.get("Logins"), p.get("CustomRoleArn"))
        call.notes["roleArn"] = creds.role_arn  # which role the pool chose (audit log)
        return {
            "IdentityId": creds.identity_id,
            "Credentials": {
                "AccessKeyId": creds.access_key_id,
                "SecretKey": creds.secret_access_key,
                "SessionToken": creds.session_token,
                "Expiration": creds.expiration,
            },
        }

    # --- what each signed operation is authorized on (Service Authorization Reference) ---------
    def resource(self, operation: str, call: Call, p: Mapping[str, Any]) -> str | None:
        if operation in ("CreateIdentityPool", "ListIdentityPools"):
            return "*"  # no resource type
        if operation == "DeleteIdentities":
            return None  # per identity, in the handler
        if operation in ("TagResource", "UntagResource", "ListTagsForResource"):
            return str(p["ResourceArn"])
        if operation == "DescribeIdentity":
            return self._identity_pool_arn(call, p["IdentityId"])
        return self._pool_arn(call, p["IdentityPoolId"])

    def _pool_arn(self, call: Call, pool_id: str) -> str:
        return pool_arn(self._region, call.account_id, pool_id)

    def _identity_pool_arn(self, call: Call, identity_id: str) -> str:
        """DescribeIdentity is authorized on the identity's pool; an unknown identity on any pool."""
        try:
            identity = self._identities.describe(call.account_id, identity_id)
        except errors.ResourceNotFound:
            return self._pool_arn(call, "*")
        return self._pool_arn(call, identity.pool_id)


def _roles_passed(roles: Mapping[str, str], mappings: Mapping[str, RoleMapping]) -> list[str]:
    arns = list(roles.values()) + [rule.role_arn for m in mappings.values() for rule in m.rules]
    return list(dict.fromkeys(arns))


# Operation -> handler method: every operation of the 2014-06-30 model.
HANDLERS: dict[str, Operation] = {
    "CreateIdentityPool": CognitoIdentityApi.create_identity_pool,
    "DescribeIdentityPool": CognitoIdentityApi.describe_identity_pool,
    "UpdateIdentityPool": CognitoIdentityApi.update_identity_pool,
    "DeleteIdentityPool": CognitoIdentityApi.delete_identity_pool,
    "ListIdentityPools": CognitoIdentityApi.list_identity_pools,
    "TagResource": CognitoIdentityApi.tag_resource,
    "UntagResource": CognitoIdentityApi.untag_resource,
    "ListTagsForResource": CognitoIdentityApi.list_tags_for_resource,
    "SetIdentityPoolRoles": CognitoIdentityApi.set_identity_pool_roles,
    "GetIdentityPoolRoles": CognitoIdentityApi.get_identity_pool_roles,
    "SetPrincipalTagAttributeMap": CognitoIdentityApi.set_principal_tag_attribute_map,
    "GetPrincipalTagAttributeMap": CognitoIdentityApi.get_principal_tag_attribute_map,
    "GetOpenIdTokenForDeveloperIdentity": CognitoIdentityApi.get_open_id_token_for_developer_identity,
    "LookupDeveloperIdentity": CognitoIdentityApi.lookup_developer_identity,
    "MergeDeveloperIdentities": CognitoIdentityApi.merge_developer_identities,
    "UnlinkDeveloperIdentity": CognitoIdentityApi.unlink_developer_identity,
    "DescribeIdentity": CognitoIdentityApi.describe_identity,
    "ListIdentities": CognitoIdentityApi.list_identities,
    "DeleteIdentities": CognitoIdentityApi.delete_identities,
    "GetId": CognitoIdentityApi.get_id,
    "GetOpenIdToken": CognitoIdentityApi.get_open_id_token,
    "UnlinkIdentity": CognitoIdentityApi.unlink_identity,
    "GetCredentialsForIdentity": CognitoIdentityApi.get_credentials_for_identity,
}



def _providers(p: Mapping[str, Any], r: Mapping[str, Any], call: Call) -> dict[str, Any]:
    return {"loginProviders": login_providers(p)}


def _role_arns(p: Mapping[str, Any], r: Mapping[str, Any], call: Call) -> dict[str, Any]:
    return {"roles": dict(p.get("Roles") or {}), "roleMappingProviders": sorted(p.get("RoleMappings") or {})}


def _access_key(p: Mapping[str, Any], r: Mapping[str, Any], call: Call) -> dict[str, Any]:
    creds = r.get("Credentials") or {}
    return {"accessKeyId": creds.get("AccessKeyId"), "expiration": creds.get("Expiration")}


_POOL = ("IdentityPoolId",)
_POOL_CONFIG = ("IdentityPoolId", "IdentityPoolName", "AllowUnauthenticatedIdentities", "AllowClassicFlow",
                "DeveloperProviderName", "SupportedLoginProviders", "OpenIdConnectProviderARNs", "SamlProviderARNs")
# What the audit log records: every pool change, identity lifecycle event and token or
# credentials issued (api/audit.py).
AUDIT: dict[str, Audited] = {
    "CreateIdentityPool": Audited(_POOL_CONFIG, ("IdentityPoolId",)),
    "UpdateIdentityPool": Audited(_POOL_CONFIG),
    "DeleteIdentityPool": Audited(_POOL),
    "TagResource": Audited(("ResourceArn", "Tags")),
    "UntagResource": Audited(("ResourceArn", "TagKeys")),
    "SetIdentityPoolRoles": Audited(_POOL, more_request=_role_arns),
    "SetPrincipalTagAttributeMap": Audited(("IdentityPoolId", "IdentityProviderName", "UseDefaults", "PrincipalTags")),
    "GetOpenIdTokenForDeveloperIdentity": Audited(
        ("IdentityPoolId", "IdentityId", "TokenDuration"), ("IdentityId",), more_request=_providers,
        issues="token"),
    "MergeDeveloperIdentities": Audited(
        ("IdentityPoolId", "DeveloperProviderName", "SourceUserIdentifier", "DestinationUserIdentifier"),
        ("IdentityId",)),
    "UnlinkDeveloperIdentity": Audited(
        ("IdentityId", "IdentityPoolId", "DeveloperProviderName", "DeveloperUserIdentifier")),
    "DeleteIdentities": Audited(("IdentityIdsToDelete",), ("UnprocessedIdentityIds",)),
    "GetId": Audited(_POOL, ("IdentityId",), more_request=_providers),
    "GetOpenIdToken": Audited(("IdentityId",), ("IdentityId",), more_request=_providers, issues="token"),
    "UnlinkIdentity": Audited(("IdentityId", "LoginsToRemove"), more_request=_providers),
    "GetCredentialsForIdentity": Audited(
        ("IdentityId", "CustomRoleArn"), ("IdentityId",), more_request=_providers, more_response=_access_key,
        issues="credentials"),
}

CognitoIdentityApi.operations = HANDLERS
CognitoIdentityApi.audit = AUDIT
