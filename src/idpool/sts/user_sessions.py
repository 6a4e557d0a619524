"""STS sessions of an IAM user or the root user: GetSessionToken and GetFederationToken.

Facts (STS API Reference, GetSessionToken and GetFederationToken; IAM User Guide, "Compare AWS
STS credentials" and "Requesting temporary security credentials"):

- Both are called with long-term credentials (an IAM user's access key, or root's): a caller
  with temporary credentials gets ``AccessDenied: Cannot call <Operation> with session
  credentials``.
- DurationSeconds 900 to 129,600 (36 hours), default 43,200 (12 hours); sessions of the root
  user last at most 3,600 s, and a longer request gets one hour.
- GetSessionToken's credentials act as the user who asked, with its permissions. MFA: idpool has
  no MFA devices, so ``SerialNumber`` / ``TokenCode`` (which must come together) can never be
  verified: the call is refused as AWS refuses a device it does not know, and a policy asking
  for ``aws:MultiFactorAuthPresent`` is never satisfied.
- GetFederationToken's federated user (``arn:<partition>:sts::<account>:federated-user/<Name>``)
  may do what both the user's policies and the session policies passed (``Policy``,
  ``PolicyArns``) allow; without a session policy, nothing.
- The services' own limits on these credentials (IAM refuses them; STS accepts only a few
  operations) are enforced where those calls arrive (``auth.authenticate``, ``api.sts``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass

from idpool import arns, errors
from idpool.clock import Clock
from idpool.ids import new_access_key_id, new_secret_access_key
from idpool.keys.sealing import Sealer
from idpool.sts.issue import Issued, PolicyArnResolver, SessionPolicies, seal
from idpool.sts.session_tokens import Session

DEFAULT_SECONDS = 43_200
ROOT_MAX_SECONDS = 3_600
MFA_UNKNOWN = ("MultiFactorAuthentication failed, unable to validate MFA code. Please verify your MFA serial "
               "number is valid and associated with this user.")


@dataclass(frozen=True)
class Asker:
    """Who asks for the session: an IAM user (name, id, path) or, with ``user_name`` None, root."""

    account_id: str
    user_name: str | None = None
    user_id: str | None = None
    user_path: str = "/"


class UserSessions:
    def __init__(self, clock: Clock, sealer: Sealer, partition: str, policy_arns: PolicyArnResolver | None) -> None:
        self._clock, self._sealer, self._partition, self._policy_arns = clock, sealer, partition, policy_arns

    def get_session_token(self, asker: Asker, duration: int | None, serial_number: str | None,
                          token_code: str | None) -> Issued:
        if bool(serial_number) != bool(token_code):
            raise errors.StsValidationError("SerialNumber and TokenCode must be given together.")
        if serial_number:
            raise errors.AccessDenied(MFA_UNKNOWN, detail="idpool has no MFA devices")
        return self._issue(asker, "session-token", "", duration, SessionPolicies(), {})

    def get_federation_token(self, asker: Asker, name: str, duration: int | None, policies: SessionPolicies,
                             tags: Mapping[str, str]) -> Issued:
        policies.check()
        return self._issue(asker, "federation", name, duration, policies, tags)

    def _issue(self, asker: Asker, source: str, name: str, duration: int | None, policies: SessionPolicies,
               tags: Mapping[str, str]) -> Issued:
        seconds = duration or DEFAULT_SECONDS
        if asker.user_name is None:
            seconds = min(seconds, ROOT_MAX_SECONDS)
        ids: tuple[str, ...] = ()
        if policies.policy_arns:
            if self._policy_arns is None:
                raise errors.StsValidationError("PolicyArns are not supported here.")
            ids = self._policy_arns(asker.account_id, policies.policy_arns)
        now = self._clock.now().replace(microsecond=0)
        session = Session(
            access_key_id=new_access_key_id("ASIA"), secret_access_key=new_secret_access_key(),
            account_id=asker.account_id, role_name="", role_id="", role_path="/", session_name=name, issued_at=now,
            expires_at=now + dt.timedelta(seconds=seconds), source=source, session_policy=policies.policy or None,
            tags=dict(tags), partition=self._partition, managed_policy_ids=ids, user_name=asker.user_name,
            owner_id=asker.user_id, user_path=asker.user_path,
        )
        return seal(self._sealer, session)

    def federated_user_arn(self, account_id: str, name: str) -> str:
        return arns.federated_user_arn(account_id, name, partition=self._partition)
