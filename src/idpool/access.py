"""Who is calling, and may they? The one authorization seam.

Every signed API call, and later every console action, is authorized here as its
principal: ``Authorizer.authorize(principal, action, resource)``. The implementation is
``idpool.iam.authorizer.PolicyAuthorizer`` (root may do everything; everyone else is
evaluated against IAM policies).
"""

from __future__ import annotations

import base64
import hmac
import json
from dataclasses import dataclass, field
from typing import Any, Literal, Mapping, Protocol

from idpool import errors
from idpool.ids import new_access_key_id, new_secret_access_key
from idpool.keys.sealing import Sealer
from idpool.sigv4.verify import SigningSecret, Verified
from idpool.storage import Store

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
    attributes: Mapping[str, Any] = field(default_factory=dict)  # session details (tags, claims, ...)


class Authorizer(Protocol):
    def authorize(
        self, principal: Principal, action: str, resource: str, context: Mapping[str, Any] | None = None
    ) -> None:
        """Return if ``principal`` may perform ``action`` on ``resource``; else raise AccessDenied."""


class CredentialSource(Protocol):
    def lookup(self, access_key_id: str, session_token: str | None) -> SigningSecret | None:
        """The secret to check a signature with, or None for an unknown key. The request's
        session token is passed along: temporary credentials carry their session in it."""

    def principal(self, verified: Verified) -> Principal | None:
        """The principal behind a verified signature (None: not this source's key)."""


def access_denied(principal: Principal, action: str, resource: str, why: str = "") -> errors.AccessDenied:
    reason = why or f"because no identity-based policy allows the {action} action"
    return errors.AccessDenied(
        f"User: {principal.arn} is not authorized to perform: {action} on resource: {resource} {reason}"
    )


# --- root credentials -------------------------------------------------------------------
@dataclass(frozen=True)
class RootCredentials:
    account_id: str
    access_key_id: str
    secret_access_key: str = field(repr=False)

    def lookup(self, access_key_id: str, session_token: str | None) -> SigningSecret | None:
        if hmac.compare_digest(access_key_id.encode(), self.access_key_id.encode()):
            return SigningSecret(self.secret_access_key)
        return None

    def principal(self, verified: Verified) -> Principal | None:
        if verified.access_key_id != self.access_key_id:
            return None
        return Principal(
            kind="root",
            account_id=self.account_id,
            arn=f"arn:aws:iam::{self.account_id}:root",
            user_id=self.account_id,
            name="root",
            access_key_id=self.access_key_id,
        )


class CredentialChain:
    """Asks each source in turn: root, then IAM users, then temporary credentials."""

    def __init__(self, *sources: CredentialSource) -> None:
        self._sources = list(sources)

    def lookup(self, access_key_id: str, session_token: str | None = None) -> SigningSecret | None:
        for source in self._sources:
            found = source.lookup(access_key_id, session_token)
            if found is not None:
                return found
        return None

    def principal(self, verified: Verified) -> Principal:
        for source in self._sources:
            found = source.principal(verified)
            if found is not None:
                return found
        raise errors.AccessDenied("The security token included in the request is invalid.")


ROOT_SETTING = "root-credentials"


def ensure_root_credentials(
    store: Store, sealer: Sealer, account_id: str, given: tuple[str, str] | None
) -> tuple[RootCredentials, bool]:
    """The account's root credentials and whether this call created them.

    Given ones (IDPOOL_ROOT_*) win and are not stored. Otherwise the first process to
    start generates them and stores the secret sealed; every other process, now or
    later, reads the same pair (race-free through ``put_setting_if_absent``).
    """
    if given:
        return RootCredentials(account_id, given[0], given[1]), False
    akid, secret = new_access_key_id("AKIA"), new_secret_access_key()
    sealed = sealer.seal(secret.encode(), aad=f"root:{akid}".encode())
    candidate = json.dumps({"akid": akid, "secret": base64.b64encode(sealed).decode()})
    stored = json.loads(store.put_setting_if_absent(ROOT_SETTING, candidate))
    created = stored["akid"] == akid
    if not created:
        blob = base64.b64decode(stored["secret"])
        akid, secret = stored["akid"], sealer.unseal(blob, aad=f"root:{stored['akid']}".encode()).decode()
    return RootCredentials(account_id, akid, secret), created
