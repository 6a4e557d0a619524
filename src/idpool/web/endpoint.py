"""POST / : the AWS API endpoint for Cognito Identity, STS and IAM, as HTTP.

This module only adapts HTTP: it answers CORS preflights, reads the body (capped), and
hands an ``Incoming`` to the one pipeline (``idpool.pipeline``) in a worker thread.
Routing, authentication, authorization, dispatch and every error live there.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Sequence

import anyio

from idpool import errors
from idpool.pipeline import Incoming, Pipeline
from idpool.protocols.base import WireResponse
from idpool.web.forwarded import Network, client_address
from idpool.web.http import BodyTooLarge, Receive, Scope, Send, read_body, respond

_TOKEN = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+")
# Headers the AWS SDKs send; `authorization` must be named: `*` does not cover it (Fetch standard).
_ALLOW_HEADERS = (
    "authorization,content-type,x-amz-date,x-amz-target,x-amz-security-token,x-amz-content-sha256,"
    "x-amz-user-agent,x-amz-api-version,amz-sdk-invocation-id,amz-sdk-request,x-amzn-trace-id,cache-control"
)


class AwsEndpoint:
    def __init__(self, pipeline: Pipeline, max_body: int, trusted_proxies: Sequence[Network] = ()) -> None:
        self._pipeline = pipeline
        self._max_body = max_body
        self._trusted_proxies = tuple(trusted_proxies)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["method"] == "OPTIONS":
            await self._preflight(scope, send)
            return
        headers = [(k.decode("latin-1"), v.decode("latin-1")) for k, v in scope["headers"]]
        client = scope.get("client")
        source = client_address(client[0] if client else None, headers, self._trusted_proxies)
        incoming = Incoming(
            scope["method"], scope.get("raw_path", b"/").decode("latin-1").split("?", 1)[0] or "/",
            scope.get("query_string", b"").decode("latin-1"), headers, b"", source,
        )
        try:
            body = await read_body(scope, receive, self._max_body)
        except BodyTooLarge:
            refused = errors.RequestTooLarge(f"Request body is larger than {self._max_body} bytes.")
            await self._send(send, self._pipeline.refuse(incoming, refused))
            return
        incoming = dataclasses.replace(incoming, body=body)
        response = await anyio.to_thread.run_sync(self._pipeline.handle, incoming)
        await self._send(send, response)

    @staticmethod
    async def _send(send: Send, response: WireResponse) -> None:
        await respond(send, response.status, response.headers, response.body)

    async def _preflight(self, scope: Scope, send: Send) -> None:
        requested = ""
        for name, value in scope["headers"]:
            if name == b"access-control-request-headers":
                requested = value.decode("latin-1")
        names = [h.strip().lower() for h in requested.split(",") if h.strip()]
        allowed = ",".join(n for n in names if _TOKEN.fullmatch(n)) if names else _ALLOW_HEADERS
        headers = [
            ("access-control-allow-methods", "GET,POST,OPTIONS"),
            ("access-control-allow-headers", allowed),
            ("access-control-max-age", "172800"),
            ("vary", "Access-Control-Request-Headers"),
        ]
        await respond(send, 200, headers, b"")
