"""Authentication: a SigV4-signed request becomes the principal that signed it.

One place for the rule every signed entry point shares (the AWS endpoint today, the
gateway and the console's API calls next): verify the signature against the credential
chain on this server's clock and skew, for the service and regions it was routed to,
then name the principal, whom a service may still refuse (IAM refuses the credentials of
GetSessionToken and GetFederationToken). Failures are ``SigV4Error`` (wire names per service live in
each service's error table) or ``errors.ExpiredCredentials``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection

from idpool.auth.credentials import CredentialChain
from idpool.auth.principal import Principal
from idpool.clock import Clock
from idpool.sigv4 import HttpRequest, SigV4Error, session_token, verify
from idpool.sigv4.errors import INVALID_CLIENT_TOKEN, AuthFailure


class Authenticator:
    def __init__(self, credentials: CredentialChain, clock: Clock, max_skew: dt.timedelta) -> None:
        self._credentials = credentials
        self._clock = clock
        self._max_skew = max_skew

    def authenticate(self, request: HttpRequest, *, service: str, regions: Collection[str]) -> Principal:
        """The principal behind a signed ``request``; raises ``SigV4Error`` or ``ExpiredCredentials``."""
        token = session_token(request)
        verified = verify(
            request,
            service=service,
            allowed_regions=regions,
            lookup=lambda access_key_id: self._credentials.lookup(access_key_id, token),
            now=self._clock.now(),
            max_skew=self._max_skew,
        )
        principal = self._credentials.principal(verified)
        session = principal.session
        if service == "iam" and session is not None and not session.is_role_session:
            # GetSessionToken and GetFederationToken credentials cannot call IAM (without MFA,
            # which idpool does not have): IAM answers as for an unknown token (observed:
            # 99designs/aws-vault#15, aws/aws-sdk-js#460; STS API Reference, GetSessionToken).
            raise SigV4Error(AuthFailure.INVALID_TOKEN, INVALID_CLIENT_TOKEN)
        return principal
