"""What every wire codec shares: the response value, the bad-input error, and the
status codes of AWS's common (unmodelled) errors.

A codec never raises anything but ``ProtocolError`` for bad input; the web layer
turns it into the service's own error shape with ``serialize_error``.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class WireResponse:
    """An HTTP response, ready to send: the web layer adds Content-Length and CORS."""

    status: int
    headers: list[tuple[str, str]]
    body: bytes


class ProtocolError(Exception):
    """Bad input found while routing, decoding or validating a request.

    ``code``/``message``/``status``/``sender_fault`` become an AWS error response.
    ``service`` is set by routing when it could not finish (no operation yet), so the
    caller knows whose error format to answer in ('cognito-identity', 'sts', 'iam').
    """

    def __init__(
        self,
        code: str,
        message: str,
        status: int = 400,
        sender_fault: bool = True,
        *,
        service: str | None = None,
    ) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.status = status
        self.sender_fault = sender_fault
        self.service = service


# AWS API Reference, "Common Errors" (the page every service's reference links to):
# errors any action may return that no service model lists. Used when a codec is asked
# to serialize one of these codes without an explicit status.
COMMON_ERROR_STATUS: dict[str, int] = {
    "AccessDeniedException": 400,
    "IncompleteSignature": 400,
    "InternalFailure": 500,
    "InvalidAction": 400,
    "InvalidClientTokenId": 403,
    "InvalidParameterCombination": 400,
    "InvalidParameterValue": 400,
    "InvalidQueryParameter": 400,
    "MalformedQueryString": 404,
    "MissingAction": 400,
    "MissingAuthenticationToken": 403,
    "MissingParameter": 400,
    "NotAuthorized": 400,
    "OptInRequired": 403,
    "RequestExpired": 400,
    "ServiceUnavailable": 503,
    "ThrottlingException": 400,
    "ValidationError": 400,
    "ValidationException": 400,
    "SerializationException": 400,
    "UnknownOperationException": 400,
}


def truncate(text: str, limit: int = 256) -> str:
    """Bound user-supplied text that is echoed into an error message."""
    return text if len(text) <= limit else text[:limit] + "..."
