"""Signing in with an access key pair, for entry points that take a form instead of SigV4.

The console asks for an access key id and its secret access key. There is no request to
sign, so the secret is compared with the one the credential chain holds for the key
(``CredentialChain.lookup``), in constant time (S17 in docs/SECURITY.md), and the principal
is the one a signature by that key would have made (``CredentialChain.principal``). Only
long-term keys sign in: the root key and IAM users' active ``AKIA`` keys. Temporary
credentials need their session token and are refused, as the AWS console refuses them.

``resume`` names the principal of a key that signed in before, without its secret: a
session carries only the key id, and a key deactivated or deleted since, or a user deleted
since, ends it on its next use (S16).
"""

from __future__ import annotations

import datetime as dt
import hmac

from idpool import errors
from idpool.auth.credentials import CredentialChain
from idpool.auth.principal import Principal
from idpool.sigv4 import SigV4Error
from idpool.sigv4.verify import SigningSecret, Verified

REFUSED = "The access key ID or the secret access key is not valid."
_NOT_A_SECRET = "0" * 40  # compared against when the key is unknown, so both cases take as long


class KeyPairSignIn:
    def __init__(self, credentials: CredentialChain) -> None:
        self._credentials = credentials

    def sign_in(self, access_key_id: str, secret_access_key: str, now: dt.datetime) -> Principal:
        """The principal behind a key pair; ``NotAuthorized`` (one message for every cause)
        when the key is unknown, inactive, temporary, or the secret does not match."""
        found = self._credentials.lookup(access_key_id) if access_key_id.isascii() else None
        expected = found.secret_access_key if found is not None else _NOT_A_SECRET
        matches = hmac.compare_digest(expected.encode(), secret_access_key.encode("utf-8", "replace"))
        principal = self._principal(access_key_id, found, now) if matches and found is not None else None
        if principal is None:
            raise errors.NotAuthorized(REFUSED, detail=f"console sign-in refused for access key {access_key_id[:20]!r}")
        return principal

    def resume(self, access_key_id: str, now: dt.datetime) -> Principal | None:
        """The principal of a key that signed in earlier, if the key is still valid."""
        return self._principal(access_key_id, self._credentials.lookup(access_key_id), now)

    def _principal(self, access_key_id: str, found: SigningSecret | None, now: dt.datetime) -> Principal | None:
        if found is None or found.session_token is not None:
            return None
        try:
            principal = self._credentials.principal(Verified(access_key_id, "", "console", now, found))
        except SigV4Error:  # the key's owner went away between the lookup and now
            return None
        return principal if principal.kind in ("root", "user") else None
