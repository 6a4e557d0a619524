"""STS role sessions: AssumeRoleWithWebIdentity (idpool's own OpenID tokens) and AssumeRole.

Facts: STS API Reference. Trust policies are evaluated with the
``cognito-identity.amazonaws.com:aud|sub|amr`` keys; principal tags in the token become
session tags, which needs ``sts:TagSession`` in the trust policy. Session tags and the
session policies (``Policy``, ``PolicyArns``) travel in the session token (``issue``). Each
use of a role is recorded for GetRole's RoleLastUsed, at most once an hour per role (IAM tracks
it with a delay too: IAM User Guide, "Viewing role access").
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from idpool import arns, errors, storage
from idpool.clock import Clock
from idpool.ids import new_access_key_id, new_secret_access_key
from idpool.keys.errors import TokenExpired, TokenInvalid
from idpool.keys.sealing import Sealer
from idpool.model import Role
from idpool.policy import Request, cached_policy, evaluate_trust
from idpool.policy.document import PolicyDocument
from idpool.storage import Store
from idpool.sts.issue import NO_SESSION_POLICIES, Issued, PolicyArnResolver, SessionPolicies, seal
from idpool.sts.session_tokens import Session
from idpool.sts.web_identity import tags_from_claims
from idpool.wellknown import COGNITO_IDENTITY

DEFAULT_DURATION = 3600
LAST_USED_EVERY = dt.timedelta(hours=1)


class TokenVerifier(Protocol):
    def verify(self, token: str, *, now: dt.datetime) -> dict[str, Any]: ...


@dataclass(frozen=True)
class WebIdentityResult:
    issued: Issued
    subject: str
    audience: str
    provider: str


class StsService:
    def __init__(self, store: Store, clock: Clock, sealer: Sealer, tokens: TokenVerifier,
                 check_subject: Callable[[Mapping[str, Any]], None] | None = None, *, region: str = "us-east-1",
                 policy_arns: PolicyArnResolver | None = None) -> None:
        """``check_subject(claims)`` may refuse a validly signed token whose identity is
        gone or whose developer login was unlinked (raises ``InvalidIdentityToken``).
        ``region``: the server's, which decides the partition of every ARN. ``policy_arns``:
        resolves PolicyArns (without it, PolicyArns are refused)."""
        self._store, self._clock, self._sealer, self._tokens = store, clock, sealer, tokens
        self._check_subject = check_subject
        self._policy_arns = policy_arns
        self.region = region
        self.partition = arns.partition_of(region)

    # --- AssumeRoleWithWebIdentity -------------------------------------------------------------
    def assume_role_with_web_identity(
        self, role_arn: str, session_name: str, token: str, duration: int | None = None,
        policies: SessionPolicies = NO_SESSION_POLICIES,
    ) -> WebIdentityResult:
        return self.assume_role_for_claims(role_arn, session_name, self._verify_token(token), duration, policies)

    def assume_role_for_claims(
        self, role_arn: str, session_name: str, claims: Mapping[str, Any], duration: int | None = None,
        policies: SessionPolicies = NO_SESSION_POLICIES, *, mapped_tags: Mapping[str, str] | None = None,
    ) -> WebIdentityResult:
        """The web identity exchange for claims already verified (the enhanced flow has
        checked the token and its identity; doing it twice would cost a signature check and
        several reads). ``mapped_tags``: session tags the identity pool derives from the
        claims (SetPrincipalTagAttributeMap), on top of the principal tags the token carries."""
        policies.check()
        role = self._role(role_arn, "sts:AssumeRoleWithWebIdentity")
        seconds = self._duration(role, duration)
        tags = {**tags_from_claims(claims), **(mapped_tags or {})}
        context = self._web_identity_context(claims, tags)
        principal = {"Federated": COGNITO_IDENTITY}
        self._trust(role, "sts:AssumeRoleWithWebIdentity", principal, context)
        if tags:
            self._trust(role, "sts:TagSession", principal, context)
        web_identity = {"sub": claims["sub"], "aud": claims["aud"], "amr": list(claims.get("amr") or []),
                        "provider": COGNITO_IDENTITY}
        issued = self._issue(role, session_name, seconds, "web-identity", policies, tags, web_identity, None)
        return WebIdentityResult(issued, str(claims["sub"]), str(claims["aud"]), COGNITO_IDENTITY)

    def _verify_token(self, token: str) -> dict[str, Any]:
        try:
            claims = self._tokens.verify(token, now=self._clock.now())
        except TokenExpired as exc:
            raise errors.ExpiredToken("Token expired: the web identity token that was passed is expired.",
                                      detail=exc.reason) from None
        except TokenInvalid as exc:
            raise errors.InvalidIdentityToken("The web identity token that was passed could not be validated.",
                                              detail=exc.reason) from None
        if not isinstance(claims.get("sub"), str) or not isinstance(claims.get("aud"), str):
            raise errors.InvalidIdentityToken("The web identity token that was passed could not be validated.",
                                              detail="sub and aud must be strings")
        if self._check_subject is not None:
            self._check_subject(claims)
        return claims

    @staticmethod
    def _web_identity_context(claims: Mapping[str, Any], tags: Mapping[str, str]) -> dict[str, Any]:
        context: dict[str, Any] = {
            f"{COGNITO_IDENTITY}:aud": claims["aud"],
            f"{COGNITO_IDENTITY}:sub": claims["sub"],
            f"{COGNITO_IDENTITY}:amr": list(claims.get("amr") or []),
            "aws:FederatedProvider": COGNITO_IDENTITY,
        }
        for key, value in tags.items():
            context[f"aws:RequestTag/{key}"] = value
            context[f"aws:PrincipalTag/{key}"] = value
        if tags:
            context["aws:TagKeys"] = list(tags)
        return context

    # --- AssumeRole ---------------------------------------------------------------------------------
    def assume_role(self, caller_arn: str, caller_account: str, role_arn: str, session_name: str,
                    duration: int | None = None, policies: SessionPolicies = NO_SESSION_POLICIES,
                    tags: Mapping[str, str] | None = None) -> Issued:
        policies.check()
        role = self._role(role_arn, "sts:AssumeRole", caller_arn)
        seconds = self._duration(role, duration)
        context: dict[str, Any] = {"aws:PrincipalArn": caller_arn, "aws:PrincipalAccount": caller_account}
        for key, value in (tags or {}).items():
            context[f"aws:RequestTag/{key}"] = value
        principal = {"AWS": caller_arn}
        self._trust(role, "sts:AssumeRole", principal, context, caller_arn)
        if tags:
            self._trust(role, "sts:TagSession", principal, context, caller_arn)
        return self._issue(role, session_name, seconds, "assume-role", policies, dict(tags or {}), None, caller_arn)

    # --- shared -----------------------------------------------------------------------------------------
    def _role(self, role_arn: str, action: str, caller: str | None = None) -> Role:
        parts = arns.iam_arn_parts(role_arn, self.partition)
        if parts is None or parts[1] != "role":
            raise errors.StsValidationError(f"{role_arn} is invalid")
        try:
            role = self._store.get_role(parts[0], parts[3])
        except storage.NotFound:
            raise self._denied(action, role_arn, caller, "the role does not exist") from None
        exact = role.arn_in(self.partition)
        if role_arn not in (exact, arns.role_arn(role.account_id, role.name, partition=self.partition)):
            raise self._denied(action, role_arn, caller, "the role's path or name case differs")
        return role

    @staticmethod
    def _duration(role: Role, duration: int | None) -> int:
        seconds = duration or DEFAULT_DURATION
        if seconds > role.max_session_duration:
            raise errors.StsValidationError(
                "The requested DurationSeconds exceeds the MaxSessionDuration set for this role.",
                detail=f"{seconds} > {role.max_session_duration} for {role.name}")
        return seconds

    def _trust(self, role: Role, action: str, principal: Mapping[str, str], context: Mapping[str, Any],
               caller: str | None = None) -> None:
        now = self._clock.now()
        full = {**context, "aws:CurrentTime": now, "aws:EpochTime": int(now.timestamp())}
        trust: PolicyDocument = cached_policy(role.trust_policy, "trust")
        arn = role.arn_in(self.partition)
        decision = evaluate_trust(Request(action=action, resource=arn, context=full, principal=principal), trust)
        if not decision.allowed:
            raise self._denied(action, arn, caller, f"trust policy of role {role.name}: {decision.reason}")

    @staticmethod
    def _denied(action: str, role_arn: str, caller: str | None, why: str) -> errors.AccessDenied:
        who = f"User: {caller} is not authorized to perform: {action} on resource: {role_arn}" if caller else \
            f"Not authorized to perform {action}"
        return errors.AccessDenied(who, detail=why)

    def _issue(self, role: Role, session_name: str, seconds: int, source: str, policies: SessionPolicies,
               tags: Mapping[str, str], web_identity: Mapping[str, Any] | None, caller: str | None) -> Issued:
        now = self._clock.now().replace(microsecond=0)
        session = Session(
            access_key_id=new_access_key_id("ASIA"), secret_access_key=new_secret_access_key(),
            account_id=role.account_id, role_name=role.name, role_id=role.role_id, role_path=role.path,
            session_name=session_name, issued_at=now, expires_at=now + dt.timedelta(seconds=seconds),
            source=source, session_policy=policies.policy or None, tags=dict(tags), web_identity=web_identity,
            source_arn=caller, partition=self.partition,
            managed_policy_ids=self.policy_ids(role.account_id, policies.policy_arns),
        )
        issued = seal(self._sealer, session)
        if role.last_used_at is None or role.last_used_at < now - LAST_USED_EVERY:
            self._store.record_role_use(role.role_id, now, self.region, now - LAST_USED_EVERY)
        return issued

    def policy_ids(self, account_id: str, policy_arns: tuple[str, ...]) -> tuple[str, ...]:
        """The ids of the managed session policies ``policy_arns`` name."""
        if not policy_arns:
            return ()
        if self._policy_arns is None:
            raise errors.StsValidationError("PolicyArns are not supported here.")
        return self._policy_arns(account_id, policy_arns)
