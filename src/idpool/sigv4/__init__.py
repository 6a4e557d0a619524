"""SigV4 request verification for a server, sans-I/O.

Owns: reading a request's signature (Authorization header or presigned query),
checking its scope, clock, signed headers, payload hash, session token and
signature, and naming each failure as AWS does on the wire. It does not know
where secrets live (``lookup`` is passed in), what time it is (``now`` is passed
in), or whether temporary credentials have expired (the caller checks that and
raises ``SigV4Error.expired_token()``).

    canonical.py  canonical request, string to sign, signing key (pure)
    parse.py      Authorization header and X-Amz-* query parameters
    verify.py     HttpRequest, SigningSecret, Verified, is_signed, session_token, verify
    errors.py     AuthFailure, SigV4Error
"""

from idpool.sigv4.errors import AuthFailure, SigV4Error
from idpool.sigv4.verify import (
    HttpRequest,
    SigningSecret,
    Verified,
    is_signed,
    session_token,
    verify,
)

__all__ = [
    "AuthFailure", "HttpRequest", "SigV4Error", "SigningSecret", "Verified",
    "is_signed", "session_token", "verify",
]
