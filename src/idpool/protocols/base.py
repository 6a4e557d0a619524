"""What every wire codec shares: the response value and the bad-input error.

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

    ``code`` and ``message`` become an AWS error response; the status comes from the
    service's error table (``protocols.wire_errors``).
    ``service`` is set by routing when it could not finish (no operation yet), so the
    caller knows whose error format to answer in ('cognito-identity', 'sts', 'iam').
    """

    def __init__(self, code: str, message: str, *, service: str | None = None) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.service = service


def truncate(text: str, limit: int = 256) -> str:
    """Bound user-supplied text that is echoed into an error message."""
    return text if len(text) <= limit else text[:limit] + "..."
