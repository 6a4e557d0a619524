"""The policy authorizer: every signed call, as its principal, against IAM policies.

Root may do everything in its account. An IAM user is evaluated against its inline
policies; an assumed-role session against its role's inline policies intersected with
the session policy (IAM User Guide, "Policy evaluation logic"). Roles and users are read
from the store on every call, so a policy change takes effect on the next request.
``sts:GetCallerIdentity`` is always allowed (STS API Reference).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol

from idpool import storage
from idpool.auth.principal import Principal, access_denied
from idpool.clock import Clock
from idpool.policy import Decision, Request, cached_policy, evaluate
from idpool.storage import Store
from idpool.sts.session_tokens import Session

ALWAYS_ALLOWED = frozenset({"sts:getcalleridentity"})


class Authorizer(Protocol):
    def authorize(
        self, principal: Principal, action: str, resource: str, context: Mapping[str, Any] | None = None
    ) -> None:
        """Return if ``principal`` may perform ``action`` on ``resource``; else raise AccessDenied.

        ``context`` adds request condition keys (``aws:SourceIp``, ...) to the caller's own."""


# AWS's wording for each layer (IAM User Guide, "Troubleshoot access denied error messages").
_LAYER_WORDS = {"identity": "an identity-based policy", "boundary": "a permissions boundary",
                "session": "a session policy"}


def denial_reason(decision: Decision, action: str) -> str:
    """The end of AWS's AccessDenied message: which kind of policy denied, explicitly or not."""
    words = _LAYER_WORDS.get(decision.layer or "identity", _LAYER_WORDS["identity"])
    if decision.effect == "ExplicitDeny":
        return f"with an explicit deny in {words}"
    return f"because no {words.split(' ', 1)[1]} allows the {action} action"


class PolicyAuthorizer:
    def __init__(self, store: Store, clock: Clock) -> None:
        self._store = store
        self._clock = clock

    def authorize(
        self, principal: Principal, action: str, resource: str, context: Mapping[str, Any] | None = None
    ) -> None:
        if principal.kind == "root" or action.lower() in ALWAYS_ALLOWED:
            return
        policies, session_policies, tags = self._policies_of(principal, action, resource)
        keys = self._context(principal, tags, context or {})
        decision = evaluate(Request(action=action, resource=resource, context=keys), policies, session_policies)
        if decision.allowed:
            return
        why = denial_reason(decision, action)
        denied = access_denied(principal, action, resource, why)
        denied.detail = decision.reason
        raise denied

    def _policies_of(self, principal: Principal, action: str, resource: str) -> tuple[list[Any], list[Any], dict[str, str]]:
        try:
            if principal.kind == "user":
                # read for this very request by the credential source: no second round trip
                owner: Any = principal.attributes.get("user") or self._store.get_user(principal.account_id, principal.name)
                return self._named(owner.policies), [], dict(owner.tags)
            session: Session = principal.attributes["session"]
            role = self._store.get_role(principal.account_id, session.role_name)
        except storage.NotFound:
            raise access_denied(principal, action, resource, "because the principal no longer exists") from None
        if role.role_id != session.role_id:  # deleted and re-created under the same name
            raise access_denied(principal, action, resource, "because the role was re-created since the session began")
        session_policies = [("session", cached_policy(session.session_policy, "session"))] if session.session_policy else []
        return self._named(role.policies), session_policies, {**role.tags, **session.tags}

    @staticmethod
    def _named(policies: Mapping[str, str]) -> list[Any]:
        return [(name, cached_policy(text, "identity")) for name, text in sorted(policies.items())]

    def _context(self, principal: Principal, tags: Mapping[str, str], extra: Mapping[str, Any]) -> dict[str, Any]:
        now = self._clock.now()
        keys: dict[str, Any] = {
            "aws:CurrentTime": now,
            "aws:EpochTime": int(now.timestamp()),
            "aws:PrincipalArn": principal.arn,
            "aws:PrincipalAccount": principal.account_id,
            "aws:userid": principal.user_id,
            "aws:SecureTransport": False,
        }
        if principal.kind == "user":
            keys["aws:username"] = principal.name
            keys["aws:PrincipalType"] = "User"
        else:
            session: Session = principal.attributes["session"]
            keys["aws:PrincipalType"] = "AssumedRole"
            keys["aws:PrincipalArn"] = session.role_arn
            keys["aws:TokenIssueTime"] = session.issued_at
            keys["aws:RoleSessionName"] = session.session_name
            if session.web_identity:
                for claim in ("sub", "aud", "amr"):
                    keys[f"cognito-identity.amazonaws.com:{claim}"] = session.web_identity[claim]
                keys["aws:FederatedProvider"] = session.web_identity.get("provider")
        for key, value in tags.items():
            keys[f"aws:PrincipalTag/{key}"] = value
        keys.update(extra)
        return keys

