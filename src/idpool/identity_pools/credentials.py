"""GetCredentialsForIdentity: the enhanced (simplified) flow.

"Functionally equivalent to calling GetOpenIdToken followed by AssumeRoleWithWebIdentity"
(API Reference): the identity's token goes to STS with the role the pool chooses, session
name ``CognitoIdentityCredentials``, for one hour. Role choice follows
role-based-access-control.md: guests get the unauthenticated role; authenticated
identities the authenticated role, unless a RoleMappings entry for their provider picks
another (Rules, first match wins; Token; AmbiguousRoleResolution). "Guest" is decided by
the identity and the token, never by the mere presence of ``Logins``: a guest that passes
its own GetOpenIdToken token (``amr: ["unauthenticated"]``) is still a guest. idpool also accepts a
mapping keyed by the pool's developer provider name, matching rules against the token's
claims and principal tags.

Guests get Cognito's scope-down as session policies (``scope_down``): whatever their role
allows, they reach only the services Cognito lists for unauthenticated identities.

When STS refuses (no role, a trust policy that does not accept the token, session tags
too large for a session), the wire says what AWS says, ``InvalidIdentityPoolConfigurationException``;
``detail`` (logs, console) says which role and which condition failed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from idpool import errors
from idpool.identity_pools.identities import IdentityService
from idpool.identity_pools.scope_down import GUEST_SCOPE_DOWN, guest_session_policy_arns
from idpool.model import IdentityPool, MappingRule, RoleMapping
from idpool.sts.issue import NO_SESSION_POLICIES, SessionPolicies
from idpool.sts.service import StsService
from idpool.sts.web_identity import tags_from_claims

SESSION_NAME = "CognitoIdentityCredentials"
CREDENTIAL_SECONDS = 3600  # "valid for a maximum of one hour", not configurable
INVALID_CONFIGURATION = "Invalid identity pool configuration. Check assigned IAM roles for this pool."


@dataclass(frozen=True)
class IdentityCredentials:
    identity_id: str
    access_key_id: str
    secret_access_key: str
    session_token: str
    expiration: dt.datetime
    role_arn: str = ""  # the role the credentials are for


class EnhancedFlow:
    def __init__(self, identities: IdentityService, sts: StsService) -> None:
        self._identities, self._sts = identities, sts

    def credentials_for_identity(
        self, identity_id: str, logins: Mapping[str, str] | None, custom_role_arn: str | None
    ) -> IdentityCredentials:
        identity, pool, claims = self._identities.authenticate_identity(identity_id, logins)
        if claims is None or not is_authenticated(identity.authenticated, claims):
            role_arn = self._default_role(pool, "unauthenticated")
            if custom_role_arn and custom_role_arn != role_arn:
                raise errors.NotAuthorized("CustomRoleArn is not allowed for unauthenticated identities.")
            claims = {"sub": identity.identity_id, "aud": pool.pool_id, "amr": ["unauthenticated"]}
            mapped: dict[str, str] = {}
            scope = SessionPolicies(GUEST_SCOPE_DOWN, guest_session_policy_arns(self._sts.partition))
        else:
            role_arn = self._authenticated_role(pool, claims, custom_role_arn)
            mapped = mapped_principal_tags(pool, claims)
            scope = NO_SESSION_POLICIES
        try:
            result = self._sts.assume_role_for_claims(role_arn, SESSION_NAME, claims, CREDENTIAL_SECONDS, scope,
                                                      mapped_tags=mapped)
        except (errors.AccessDenied, errors.StsValidationError) as exc:
            raise errors.InvalidIdentityPoolConfiguration(
                INVALID_CONFIGURATION, detail=f"STS refused role {role_arn}: {exc.detail or exc.message}") from None
        except errors.PackedPolicyTooLarge as exc:
            # Cognito reports what STS refuses inside this call as a pool configuration error;
            # here the cause is the identity's principal tags, so the message says so.
            raise errors.InvalidIdentityPoolConfiguration(
                f"{INVALID_CONFIGURATION} The principal tags of this identity do not fit in a session: {exc.message}",
                detail=f"role {role_arn}: {exc.detail or exc.message}") from None
        self._identities.note_used(identity)
        session = result.issued.session
        return IdentityCredentials(identity.identity_id, session.access_key_id, session.secret_access_key,
                                   result.issued.session_token, session.expires_at, role_arn)

    @staticmethod
    def _default_role(pool: IdentityPool, kind: str) -> str:
        role = pool.roles.get(kind)
        if not role:
            raise errors.InvalidIdentityPoolConfiguration(
                INVALID_CONFIGURATION, detail=f"identity pool {pool.pool_id} has no {kind} role (SetIdentityPoolRoles)")
        return role

    def _authenticated_role(self, pool: IdentityPool, claims: Mapping[str, Any], custom: str | None) -> str:
        mapping, provider = _mapping_for(pool, claims)
        if mapping is None:
            default = self._default_role(pool, "authenticated")
            if custom and custom != default:
                raise errors.NotAuthorized(
                    "CustomRoleArn is not allowed: no role mapping of this identity's provider offers it.")
            return default
        flat = claim_values(claims)
        if mapping.type == "Rules":
            matched = [rule.role_arn for rule in mapping.rules if _rule_matches(rule, flat)]
            if custom:
                if custom in matched:
                    return custom
                raise errors.NotAuthorized(f"CustomRoleArn is not allowed by the role mapping of {provider}.")
            if matched:
                return matched[0]
        elif custom:  # Type Token: developer tokens carry no cognito:roles claim to choose from
            raise errors.NotAuthorized(f"CustomRoleArn is not in the token of {provider}.")
        if mapping.ambiguous_role_resolution == "AuthenticatedRole":
            return self._default_role(pool, "authenticated")
        raise errors.NotAuthorized(
            "No role mapping rule matched and AmbiguousRoleResolution is Deny.",
            detail=f"role mapping of {provider} ({mapping.type}) gave no role")


def is_authenticated(identity_authenticated: bool, claims: Mapping[str, Any]) -> bool:
    """Whether a verified token speaks for an authenticated user: its ``amr`` says so and the
    identity has had a login linked. Anything else gets the guest's role (and only where the
    pool allows guests: ``IdentityService.authenticate_identity`` checks that)."""
    return identity_authenticated and "authenticated" in (claims.get("amr") or [])


def claim_values(claims: Mapping[str, Any]) -> dict[str, str]:
    """What rules and attribute maps can name: string claims, then the token's principal tags."""
    return {**{k: v for k, v in claims.items() if isinstance(v, str)}, **tags_from_claims(claims)}


def mapped_principal_tags(pool: IdentityPool, claims: Mapping[str, Any]) -> dict[str, str]:
    """Session tags from the pool's attribute map (SetPrincipalTagAttributeMap) for the
    providers the token names: tag key -> the value of the mapped claim. Claims are the
    token's string claims and its principal tags. DevAuth has no default mapping
    (provider-mappings.md: "Not applicable"), so UseDefaults adds nothing for it."""
    available = claim_values(claims)
    tags: dict[str, str] = {}
    for provider in claims.get("amr") or []:
        entry = pool.principal_tag_maps.get(provider)
        if entry is None:
            continue
        for tag, claim in entry.tags.items():
            if claim in available:
                tags[tag] = available[claim]
    return tags


def _mapping_for(pool: IdentityPool, claims: Mapping[str, Any]) -> tuple[RoleMapping | None, str | None]:
    for provider in claims.get("amr") or []:
        if provider in pool.role_mappings:
            return pool.role_mappings[provider], provider
    return None, None


def _rule_matches(rule: MappingRule, claims: Mapping[str, str]) -> bool:
    value = claims.get(rule.claim)
    if value is None:
        return False  # "If the match type is NotEqual and the claim doesn't exist, the rule is not evaluated"
    if rule.match_type == "Equals":
        return value == rule.value
    if rule.match_type == "Contains":
        return rule.value in value
    if rule.match_type == "StartsWith":
        return value.startswith(rule.value)
    if rule.match_type == "NotEqual":
        return value != rule.value
    return False
