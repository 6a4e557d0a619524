"""Issuing temporary credentials: a session sealed into the session token, and what STS answers
when it would not fit.

Shared by role sessions (``service``) and user sessions (``user_sessions``). Session policies
travel in the token: the inline ``Policy`` as text, ``PolicyArns`` as the policy ids they named
when the credentials were issued (STS API Reference, AssumeRole: "The policies must exist in the
same account as the role"; resolved by the ``PolicyArnResolver`` the composition root provides).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

from idpool import errors
from idpool.keys.sealing import Sealer
from idpool.policy import parse_policy
from idpool.sts.session_tokens import Session, SessionTooLarge, seal_session, token_share

MAX_POLICY_ARNS = 10  # STS API Reference, AssumeRole: "You can provide up to 10 managed policy ARNs"


class PolicyArnResolver(Protocol):
    def __call__(self, account_id: str, policy_arns: Sequence[str]) -> tuple[str, ...]:
        """The policy ids of managed policies named by ARN (the account's own, or AWS managed);
        raises a domain error naming the first that does not exist."""


@dataclass(frozen=True)
class Issued:
    session: Session
    session_token: str
    packed_policy_size: int = 0


@dataclass(frozen=True)
class SessionPolicies:
    """The session policies a caller passes: inline ``Policy`` and managed ``PolicyArns``."""

    policy: str | None = None
    policy_arns: tuple[str, ...] = ()

    def check(self) -> None:
        """The inline policy is a valid session policy (MalformedPolicyDocument otherwise)."""
        if self.policy:
            parse_policy(self.policy, "session")
        if len(self.policy_arns) > MAX_POLICY_ARNS:
            raise errors.StsValidationError(f"PolicyArns may name at most {MAX_POLICY_ARNS} managed policies.")


NO_SESSION_POLICIES = SessionPolicies()


def seal(sealer: Sealer, session: Session) -> Issued:
    """The session token for ``session``; PackedPolicyTooLarge when its policies and tags make it
    longer than idpool accepts back (AWS's "Packed size of ... consumes N% of allotted space")."""
    policy, tags = session.session_policy or session.managed_policy_ids, session.tags
    try:
        token = seal_session(sealer, session)
    except SessionTooLarge as exc:
        raise _too_large(exc, bool(policy), tags) from None
    packed = token_share(len(token)) if policy or tags else 0
    return Issued(session, token, packed)


def _too_large(exc: SessionTooLarge, policy: bool, tags: Mapping[str, str]) -> errors.IdpoolError:
    parts = [name for name, present in (("session policy", policy), ("session tags", bool(tags))) if present]
    if not parts:  # bounded inputs make this unreachable; refuse rather than issue a dead token
        return errors.StsValidationError("The session does not fit in a session token.", detail=str(exc))
    return errors.PackedPolicyTooLarge(
        f"Packed size of {' and '.join(parts)} consumes {exc.percent}% of allotted space.", detail=str(exc))
