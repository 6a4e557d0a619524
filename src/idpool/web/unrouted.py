"""Errors answered before a request is routed, when its body may not even have arrived:
a body sent too slowly, a server draining at its deadline.

The headers alone say which protocol the client speaks, and so which error it can
parse: ``X-Amz-Target`` (or an awsJson content type) is Cognito Identity's JSON;
anything else is Query XML, in the namespace of the service the SigV4 credential
scope names (``sts`` or ``iam``), STS's when there is none.
"""

from __future__ import annotations

from collections.abc import Iterable

from idpool import errors
from idpool.pipeline import refusal
from idpool.protocols.base import WireResponse


def error_before_routing(raw_headers: Iterable[tuple[bytes, bytes]], failure: errors.IdpoolError) -> WireResponse:
    """``failure`` in the request's shape, as its service's error table names it; the
    connection is closed after it (the request's remaining bytes are not read)."""
    headers = {name.decode("latin-1").lower(): value.decode("latin-1") for name, value in raw_headers}
    _, response = refusal(headers, failure)
    return WireResponse(response.status, [*response.headers, ("connection", "close")], response.body)
