"""Who is calling: the principal behind a verified request, and the one denial message."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from idpool import errors
from idpool.sts.session_tokens import Session

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
