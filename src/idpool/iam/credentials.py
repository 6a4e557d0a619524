"""Credential sources for SigV4: IAM users' access keys and temporary credentials.

Each returns a ``SigningSecret`` subclass that remembers whose secret it is, so the
principal is known after verification without a second lookup.
"""

from __future__ import annotations

from dataclasses import dataclass

from idpool import storage
from idpool.access import Principal
from idpool.clock import Clock
from idpool.iam.authorizer import principal_from_session
from idpool.iam.service import access_key_aad
from idpool.keys.errors import SealError
from idpool.keys.sealing import Sealer
from idpool.model import AccessKey
from idpool.sigv4.verify import SigningSecret, Verified
from idpool.storage import Store
from idpool.sts.session_tokens import Session, open_session


@dataclass(frozen=True)
class UserSecret(SigningSecret):
    key: AccessKey | None = None


@dataclass(frozen=True)
class SessionSecret(SigningSecret):
    session: Session | None = None


class UserAccessKeys:
    """Long-term ``AKIA`` keys of IAM users; an Inactive key is as good as unknown."""

    def __init__(self, store: Store, sealer: Sealer) -> None:
        self._store = store
        self._sealer = sealer

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
        return Principal(kind="user", account_id=user.account_id, arn=user.arn, user_id=user.user_id,
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
