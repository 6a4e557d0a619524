"""Who is calling: the principal behind a verified request, and the one denial message."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from idpool import errors

PrincipalKind = Literal["root", "user", "assumed-role"]


@dataclass(frozen=True)
class Principal:
    kind: PrincipalKind
    account_id: str
    arn: str
    user_id: str  # as GetCallerIdentity shows it
    name: str  # user or role name; "root" for root
    access_key_id: str
    session_name: str | None = None
    attributes: Mapping[str, Any] = field(default_factory=dict)  # what was read to identify it (user, session)


def access_denied(principal: Principal, action: str, resource: str, why: str = "") -> errors.AccessDenied:
    """AWS's wording (IAM User Guide, "Troubleshoot access denied error messages")."""
    reason = why or f"because no identity-based policy allows the {action} action"
    return errors.AccessDenied(
        f"User: {principal.arn} is not authorized to perform: {action} on resource: {resource} {reason}"
    )
