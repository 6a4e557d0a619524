"""Errors answered before a request is routed, when its body may not even have arrived:
a body sent too slowly, a server draining at its deadline.

The headers alone say which protocol the client speaks, and so which error it can
parse: ``X-Amz-Target`` (or an awsJson content type) is Cognito Identity's JSON;
anything else is Query XML, in the namespace of the service the SigV4 credential
scope names (``sts`` or ``iam``), STS's when there is none.
"""

from __future__ import annotations

from collections.abc import Iterable

from idpool.ids import new_request_id
from idpool.protocols.base import WireResponse
from idpool.protocols.routing import (
    DEFAULT_QUERY_SERVICE,
    JSON_SERVICE,
    QUERY_SERVICES,
    credential_scope_service,
    is_json_request,
    protocol_for,
)


def error_before_routing(
    raw_headers: Iterable[tuple[bytes, bytes]], json_code: str, query_code: str, message: str, status: int,
) -> WireResponse:
    """``json_code`` or ``query_code`` with ``message``, in the request's shape; the
    connection is closed after it (the request's remaining bytes are not read)."""
    headers = {name.decode("latin-1").lower(): value.decode("latin-1") for name, value in raw_headers}
    if is_json_request(headers):
        response = protocol_for(JSON_SERVICE).serialize_error(json_code, message, new_request_id(), status=status)
    else:
        scoped = credential_scope_service(headers, {})
        service = scoped if scoped in QUERY_SERVICES else DEFAULT_QUERY_SERVICE
        response = protocol_for(service).serialize_error(query_code, message, new_request_id(), status=status)
    return WireResponse(response.status, [*response.headers, ("connection", "close")], response.body)
