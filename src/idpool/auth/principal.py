"""Who is calling: the principal behind a verified request, the Cognito identity behind a
role session, and the one denial message."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from idpool import errors
from idpool.sts.session_tokens import Session
from idpool.wellknown import COGNITO_IDENTITY

PrincipalKind = Literal["root", "user", "assumed-role", "federated-user"]


@dataclass(frozen=True)
class Principal:
    kind: PrincipalKind
    account_id: str
    arn: str
    user_id: str  # as GetCallerIdentity shows it
    name: str  # user or role name; "root" for root; the federated user's name
    access_key_id: str
    session_name: str | None = None
    attributes: Mapping[str, Any] = field(default_factory=dict)  # what was read to identify it (user, session)

    @property
    def session(self) -> Session | None:
        """The temporary credentials' session, None for long-term keys."""
        session = self.attributes.get("session")
        return session if isinstance(session, Session) else None


def access_denied(principal: Principal, action: str, resource: str, why: str = "") -> errors.AccessDenied:
    """AWS's wording (IAM User Guide, "Troubleshoot access denied error messages")."""
    reason = why or f"because no identity-based policy allows the {action} action"
    return errors.AccessDenied(
        f"User: {principal.arn} is not authorized to perform: {action} on resource: {resource} {reason}"
    )


@dataclass(frozen=True)
class CognitoIdentity:
    """The Cognito identity a role session speaks for: opened with a Cognito OpenID token,
    by GetCredentialsForIdentity (enhanced flow) or AssumeRoleWithWebIdentity (basic flow)."""

    identity_id: str  # the token's sub
    pool_id: str  # its aud
    amr: tuple[str, ...]  # "authenticated" or "unauthenticated", then the providers

    @property
    def authenticated(self) -> bool:
        return "authenticated" in self.amr

    @property
    def providers(self) -> tuple[str, ...]:
        """The login providers the token names (none for a guest)."""
        return tuple(entry for entry in self.amr if entry not in ("authenticated", "unauthenticated"))


def cognito_identity(principal: Principal) -> CognitoIdentity | None:
    """The Cognito identity behind ``principal``; None for root, IAM users, and sessions not
    opened with a Cognito token."""
    session = principal.attributes.get("session") if principal.kind == "assumed-role" else None
    web_identity = getattr(session, "web_identity", None)
    if not web_identity or web_identity.get("provider") != COGNITO_IDENTITY:
        return None
    return CognitoIdentity(str(web_identity["sub"]), str(web_identity["aud"]),
                           tuple(str(entry) for entry in web_identity.get("amr") or ()))
