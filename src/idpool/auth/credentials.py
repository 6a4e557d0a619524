"""Credential sources: whose secret signs a request, and which principal that makes.

Three sources, asked in turn by ``CredentialChain``: the account's root key, IAM users'
long-term ``AKIA`` keys, and temporary ``ASIA`` credentials whose session is sealed in
the session token (``idpool.sts.session_tokens``: any node verifies it, no lookup).
Each returns a ``SigningSecret`` that remembers whose secret it is, so the principal is
known after verification without a second read.
"""

from __future__ import annotations

import base64
import datetime as dt
import hmac
import json
from dataclasses import dataclass, field
from typing import Protocol

from idpool import errors, storage
from idpool.arns import root_arn
from idpool.auth.principal import Principal, PrincipalKind
from idpool.clock import Clock
from idpool.iam.service import access_key_aad
from idpool.ids import new_access_key_id, new_secret_access_key
from idpool.keys.errors import SealError
from idpool.keys.sealing import Sealer
from idpool.model import AccessKey
from idpool.sigv4.errors import INVALID_CLIENT_TOKEN, AuthFailure, SigV4Error
from idpool.sigv4.verify import SigningSecret, Verified
from idpool.storage import Store
from idpool.sts.session_tokens import Session, open_session


class CredentialSource(Protocol):
    def lookup(self, access_key_id: str, session_token: str | None) -> SigningSecret | None:
        """The secret to check a signature with, or None for an unknown key. The request's
        session token is passed along: temporary credentials carry their session in it."""

    def principal(self, verified: Verified) -> Principal | None:
        """The principal behind a verified signature (None: not this source's key)."""


# --- root credentials -------------------------------------------------------------------
@dataclass(frozen=True)
class RootCredentials:
    account_id: str
    access_key_id: str
    secret_access_key: str = field(repr=False)
    partition: str = "aws"
    created_at: dt.datetime | None = None  # None: given by configuration, or stored before it was kept

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
            arn=root_arn(self.account_id, partition=self.partition),
            user_id=self.account_id,
            name="root",
            access_key_id=self.access_key_id,
        )


# --- IAM users' access keys and temporary credentials ------------------------------------
@dataclass(frozen=True)
class UserSecret(SigningSecret):
    key: AccessKey | None = None


@dataclass(frozen=True)
class SessionSecret(SigningSecret):
    session: Session | None = None


class UserAccessKeys:
    """Long-term ``AKIA`` keys of IAM users; an Inactive key is as good as unknown."""

    def __init__(self, store: Store, sealer: Sealer, partition: str = "aws") -> None:
        self._store = store
        self._sealer = sealer
        self._partition = partition

    def lookup(self, access_key_id: str, session_token: str | None) -> SigningSecret | None:
        if not access_key_id.startswith("AKIA"):
            return None
        key = self._store.get_access_key(access_key_id)
        if key is None or key.status != "Active":
            return None
        try:
            secret = self._sealer.unseal(key.sealed_secret, access_key_aad(key.access_key_id)).decode()
        except SealError:
            return None
        return UserSecret(secret, key=key)

    def principal(self, verified: Verified) -> Principal | None:
        secret = verified.secret
        if not isinstance(secret, UserSecret) or secret.key is None:
            return None
        try:
            user = self._store.get_user(secret.key.account_id, secret.key.user_name)
        except storage.NotFound:
            return None
        return Principal(kind="user", account_id=user.account_id, arn=user.arn_in(self._partition), user_id=user.user_id,
                         name=user.name, access_key_id=verified.access_key_id, attributes={"user": user})


class TemporaryCredentials:
    """``ASIA`` keys: the session is sealed in the session token (see sts.session_tokens)."""

    def __init__(self, sealer: Sealer, clock: Clock) -> None:
        self._sealer = sealer
        self._clock = clock

    def lookup(self, access_key_id: str, session_token: str | None) -> SigningSecret | None:
        if not access_key_id.startswith("ASIA") or not session_token:
            return None
        session = open_session(self._sealer, access_key_id, session_token)
        if session is None:
            return None
        return SessionSecret(session.secret_access_key, session_token=session_token, session=session)

    def principal(self, verified: Verified) -> Principal | None:
        secret = verified.secret
        if not isinstance(secret, SessionSecret) or secret.session is None:
            return None
        return principal_from_session(secret.session, self._clock.now())


def principal_from_session(session: Session, now: dt.datetime) -> Principal:
    """The principal of a session that has not expired: the assumed role, the IAM user or root
    (GetSessionToken), or the federated user (GetFederationToken)."""
    if now >= session.expires_at:
        raise errors.ExpiredCredentials("The security token included in the request is expired")
    kind: PrincipalKind = "assumed-role"
    name = session.role_name
    if session.source == "federation":
        kind, name = "federated-user", session.session_name
    elif not session.is_role_session:
        kind, name = ("root", "root") if session.user_name is None else ("user", session.user_name)
    return Principal(
        kind=kind, account_id=session.account_id, arn=session.arn, user_id=session.user_id,
        name=name, access_key_id=session.access_key_id, session_name=session.session_name or None,
        attributes={"session": session},
    )


# --- the chain ---------------------------------------------------------------------------
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
        # the key's owner went away between lookup and verification: an unknown key now
        raise SigV4Error(AuthFailure.UNKNOWN_KEY, INVALID_CLIENT_TOKEN)


ROOT_SETTING = "root-credentials"


def ensure_root_credentials(
    store: Store, sealer: Sealer, account_id: str, given: tuple[str, str] | None, *,
    partition: str = "aws", now: dt.datetime | None = None,
) -> tuple[RootCredentials, bool]:
    """The account's root credentials and whether this call created them.

    Given ones (IDPOOL_ROOT_*) win and are not stored. Otherwise the first process to
    start generates them and stores the secret sealed, with its creation time (ListAccessKeys
    shows it); every other process, now or later, reads the same pair (race-free through
    ``put_setting_if_absent``).
    """
    if given:
        return RootCredentials(account_id, given[0], given[1], partition), False
    akid, secret = new_access_key_id("AKIA"), new_secret_access_key()
    sealed = sealer.seal(secret.encode(), aad=f"root:{akid}".encode())
    created_at = (now or dt.datetime.now(dt.UTC)).replace(microsecond=0)
    candidate = json.dumps({"akid": akid, "secret": base64.b64encode(sealed).decode(), "created": created_at.timestamp()})
    stored = store.put_setting_if_absent(ROOT_SETTING, candidate)
    root = _unsealed_root(stored, sealer, account_id, partition)
    return root, root.access_key_id == akid


def existing_root_credentials(
    store: Store, sealer: Sealer, account_id: str, given: tuple[str, str] | None, *, partition: str = "aws"
) -> RootCredentials | None:
    """The root credentials ``idpool serve`` uses, without creating any: for entry points
    that only check signatures (the gateway), which must never make a root secret nobody saw."""
    if given:
        return RootCredentials(account_id, given[0], given[1], partition)
    stored = store.get_setting(ROOT_SETTING)
    return _unsealed_root(stored, sealer, account_id, partition) if stored is not None else None


def _unsealed_root(stored: str, sealer: Sealer, account_id: str, partition: str) -> RootCredentials:
    doc = json.loads(stored)
    secret = sealer.unseal(base64.b64decode(doc["secret"]), aad=f"root:{doc['akid']}".encode()).decode()
    created = dt.datetime.fromtimestamp(doc["created"], dt.UTC) if "created" in doc else None
    return RootCredentials(account_id, doc["akid"], secret, partition, created)
