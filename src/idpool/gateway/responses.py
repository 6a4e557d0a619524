"""The gateway's own answers, as API Gateway gives them: its error table and their shape.

API Gateway answers a request it does not pass on with a JSON body, ``{"message": ...}``
(``{"Message": ...}`` when IAM denies the call), and names the failure in
``x-amzn-ErrorType`` (API Gateway Developer Guide, "Gateway response types"; the bodies
and types as API Gateway sends them: docs/AWS_REFERENCE.md, "API Gateway with IAM
authorization"). One table names every failure, as each AWS service's table does
(``idpool.protocols.wire_errors``): SigV4 failures by kind, domain errors by class.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from idpool import errors
from idpool.protocols.wire_errors import ErrorTable, WireError
from idpool.sigv4 import AuthFailure, SigV4Error

# The 403 of an unsigned request, and of a path outside the stage: API Gateway's wording
# (the AWS endpoints say "Request is missing Authentication Token").
MISSING_AUTHENTICATION_TOKEN = "Missing Authentication Token"
# What API Gateway says when its integration fails or times out.
INTEGRATION_FAILED = "Internal server error"
INTEGRATION_TIMED_OUT = "Endpoint request timed out"

ERRORS = ErrorTable(
    "execute-api",
    {
        AuthFailure.MISSING_TOKEN: WireError("MissingAuthenticationTokenException", 403),
        AuthFailure.INCOMPLETE_SIGNATURE: WireError("IncompleteSignatureException", 403),
        AuthFailure.UNSUPPORTED_ALGORITHM: WireError("IncompleteSignatureException", 403),
        AuthFailure.SIGNATURE_MISMATCH: WireError("InvalidSignatureException", 403),
        AuthFailure.EXPIRED_REQUEST: WireError("InvalidSignatureException", 403),
        AuthFailure.UNKNOWN_KEY: WireError("UnrecognizedClientException", 403),
        AuthFailure.INVALID_TOKEN: WireError("UnrecognizedClientException", 403),
        AuthFailure.EXPIRED_TOKEN: WireError("ExpiredTokenException", 403),
        errors.ExpiredCredentials: WireError("ExpiredTokenException", 403),
        errors.AccessDenied: WireError("AccessDeniedException", 403),
        errors.InvalidRequestPath: WireError("BadRequestException", 400),
        errors.RequestTooLarge: WireError("RequestTooLargeException", 413),
        errors.RequestTimeout: WireError("RequestTimeoutException", 408),
        # A failed integration is 502 (a reverse proxy's word for it) and a slow one 504, so
        # a client can tell them apart; API Gateway's default is 504 for both.
        errors.IntegrationFailure: WireError("IntegrationFailureException", 502, sender_fault=False),
        errors.IntegrationTimeout: WireError("IntegrationTimeoutException", 504, sender_fault=False),
        errors.ServiceUnavailable: WireError("ServiceUnavailableException", 503, sender_fault=False),
        errors.InternalFailure: WireError("InternalServerErrorException", 500, sender_fault=False),
    },
    codec_codes={},
)


@dataclass(frozen=True)
class Refused:
    """A request the gateway answers itself. ``detail`` goes to the log only."""

    status: int
    error_type: str
    message: str
    detail: str | None = None
    caller: str | None = None  # the principal's ARN, once known

    @property
    def body(self) -> bytes:
        # IAM's denial is the one answer API Gateway words with a capital M.
        key = "Message" if self.error_type == "AccessDeniedException" else "message"
        return json.dumps({key: self.message}).encode()

    def headers(self, request_id: str) -> list[tuple[str, str]]:
        return [("content-type", "application/json"), ("x-amzn-requestid", request_id),
                ("x-amzn-errortype", self.error_type)]


def refused(exc: Exception, caller: str | None = None) -> Refused | None:
    """``exc`` as the gateway answers it, or None if no entry names it (an internal error)."""
    wire = ERRORS.for_exception(exc)
    if wire is None:
        return None
    if isinstance(exc, SigV4Error):
        message = MISSING_AUTHENTICATION_TOKEN if exc.kind is AuthFailure.MISSING_TOKEN else exc.message
        return Refused(wire.status, wire.code, message, caller=caller)
    if isinstance(exc, errors.IdpoolError):
        return Refused(wire.status, wire.code, exc.wire_message, exc.detail, caller)
    return Refused(wire.status, wire.code, str(exc), caller=caller)


def refusal_for(exc: Exception) -> Refused:
    """``exc`` as the gateway answers it; re-raised if the table does not name it."""
    found = refused(exc)
    if found is None:
        raise exc
    return found


def missing_authentication_token() -> Refused:
    """What an unsigned request, or one to a path outside the stage, gets."""
    return refusal_for(SigV4Error.missing())


def internal_failure(request_id: str) -> Refused:
    """Anything unexpected: logged with its traceback by the caller, answered with the request id."""
    return refusal_for(errors.InternalFailure(f"Internal server error (request id {request_id})"))
