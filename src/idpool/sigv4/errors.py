"""SigV4 failures: what went wrong, in AWS's words, and its wire code per protocol.

Every failure is one ``SigV4Error`` carrying an ``AuthFailure`` kind and a message
that is safe to send: it never holds a secret, a session token or the canonical
request (which may contain the token), and it echoes client-chosen text only when
that text is short and plain (``shown``).

    SigV4Error
      kind: AuthFailure       what each service's error table names (idpool.api.*.ERRORS)
      message: str            the wire message, worded as AWS words it

The same failure has two names on the wire: cognito-identity speaks awsJson1_1
(``...Exception`` names) and STS/IAM speak AWS Query; the tables hold both, with sources.
"""

from __future__ import annotations

import enum
import re


class AuthFailure(enum.Enum):
    MISSING_TOKEN = "missing-token"  # no signature at all on a signed-only operation
    INCOMPLETE_SIGNATURE = "incomplete-signature"  # malformed or missing signature parts
    SIGNATURE_MISMATCH = "signature-mismatch"  # wrong signature, scope or payload hash
    UNKNOWN_KEY = "unknown-key"  # the access key id is not ours
    EXPIRED_REQUEST = "expired-request"  # X-Amz-Date outside the skew, or presign expired
    EXPIRED_TOKEN = "expired-token"  # reserved for the caller: temporary credentials expired
    INVALID_TOKEN = "invalid-token"  # session token missing, foreign, or on a long-term key
    UNSUPPORTED_ALGORITHM = "unsupported-algorithm"  # SigV4A, SigV2, anything but HMAC-SHA256


# Wire messages. Where AWS has a fixed wording we keep it, so users can search it.
MISSING_TOKEN = "Request is missing Authentication Token"
INVALID_CLIENT_TOKEN = "The security token included in the request is invalid."
EXPIRED_TOKEN = "The security token included in the request is expired"
SIGNATURE_DOES_NOT_MATCH = (
    "The request signature we calculated does not match the signature you provided. "
    "Check your AWS Secret Access Key and signing method. "
    "Consult the service documentation for details."
)


class SigV4Error(Exception):
    """A request failed SigV4 authentication; ``message`` may go on the wire."""

    def __init__(self, kind: AuthFailure, message: str) -> None:
        super().__init__(message)
        self.kind = kind
        self.message = message

    @classmethod
    def missing(cls) -> SigV4Error:
        """An unsigned request to an operation that needs a signature."""
        return cls(AuthFailure.MISSING_TOKEN, MISSING_TOKEN)

    @classmethod
    def expired_token(cls) -> SigV4Error:
        """Temporary credentials used after their Expiration (raised by the caller)."""
        return cls(AuthFailure.EXPIRED_TOKEN, EXPIRED_TOKEN)


def incomplete(message: str) -> SigV4Error:
    return SigV4Error(AuthFailure.INCOMPLETE_SIGNATURE, message)


def mismatch(message: str = SIGNATURE_DOES_NOT_MATCH) -> SigV4Error:
    return SigV4Error(AuthFailure.SIGNATURE_MISMATCH, message)


_PLAIN = re.compile(r"[A-Za-z0-9._:-]{1,64}")


def shown(value: str) -> str:
    """Client text fit to echo in a message: short and plain, else a placeholder."""
    return value if _PLAIN.fullmatch(value) else "(not shown)"
