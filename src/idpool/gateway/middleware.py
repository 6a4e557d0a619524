"""The gateway's check inside a Python app: ASGI middleware for Starlette, FastAPI or any
ASGI framework, with no proxy in between.

Same contract as ``idpool gateway``: requests go to ``/<stage>/<path>``, must be
SigV4-signed for ``execute-api``, and are authorized on the same ARN by the same
``Gateway.check``; refusals are API Gateway's answers. An allowed request reaches the
app with the stage as its ``root_path`` (so the app's routes are ``/<path>``, as behind
the gateway), the caller in the ``X-Idpool-Request-Context`` header (the client's own
copy, ``Authorization`` and ``X-Amz-Security-Token`` removed) and in
``scope["state"]["identity"]`` (``request.state.identity`` in Starlette). The body is
read whole (up to the cap) before the check, then handed to the app.

    app = IamAuthorization(app, gateway, cors_origins=["https://app.example.com"])

For frameworks that are not ASGI, call ``Gateway.check`` with an ``Inbound`` (see
``idpool.gateway``'s docstring).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import anyio

from idpool import errors
from idpool.gateway.body import BodyReader, ClientGone, Receive, too_large
from idpool.gateway.core import CONTEXT_HEADER, Allowed, Gateway, Inbound
from idpool.gateway.cors import Cors
from idpool.gateway.responses import Refused, missing_authentication_token, refusal_for
from idpool.ids import new_request_id

Scope = dict[str, Any]
_WITHHELD = frozenset({b"authorization", b"x-amz-security-token", CONTEXT_HEADER.encode()})
_APP_CORS = frozenset({b"access-control-allow-origin", b"access-control-allow-credentials"})  # ours decide


class IamAuthorization:
    def __init__(self, app: Any, gateway: Gateway, *, max_body_bytes: int = 10 * 1024 * 1024,
                 body_timeout: float = 30.0, cors_origins: Sequence[str] | None = None) -> None:
        self.app = app
        self._gateway = gateway
        self._max_body = max_body_bytes
        self._body_timeout = body_timeout
        self._cors = Cors(cors_origins) if cors_origins else None

    async def __call__(self, scope: Scope, receive: Receive, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = [(k.decode("latin-1"), v.decode("latin-1")) for k, v in scope["headers"]]
        lower = {name.lower(): value for name, value in headers}
        origin = lower.get("origin")
        if self._cors is not None and self._cors.is_preflight(scope["method"], lower):
            status, cors_headers = self._cors.preflight(lower)
            await _respond(send, status, cors_headers, b"")
            return
        raw_path = scope.get("raw_path", b"").decode("latin-1").split("?", 1)[0] or scope["path"]
        read = await self._read(receive, raw_path, lower)
        if read is None:
            return  # the client went away: nobody to answer, the app is not called
        if isinstance(read, Refused):
            await self._refuse(send, read, origin)
            return
        client = scope.get("client")
        inbound = Inbound(scope["method"], raw_path, scope.get("query_string", b"").decode("latin-1"), headers,
                          read, source_ip=client[0] if client else None, secure=scope.get("scheme") == "https")
        decision = await anyio.to_thread.run_sync(self._gateway.check, inbound)
        if isinstance(decision, Refused):
            await self._refuse(send, decision, origin)
            return
        await self.app(self._scope_for(scope, decision), _replay(read, receive), self._with_cors(send, origin))

    async def _refuse(self, send: Any, refusal: Refused, origin: str | None) -> None:
        cors = self._cors.response_headers(origin) if self._cors else []
        await _respond(send, refusal.status, refusal.headers(new_request_id()) + cors, refusal.body)

    async def _read(self, receive: Receive, raw_path: str, lower: dict[str, str]) -> Refused | bytes | None:
        """The body, or the refusal it gets, or None if the client went away."""
        if self._gateway.locate(raw_path) is None:
            return missing_authentication_token()
        try:
            if too_large(lower.get("content-length"), self._max_body):
                raise errors.RequestTooLarge(f"Request body is larger than {self._max_body} bytes.")
            return await BodyReader(receive, limit=self._max_body, seconds=self._body_timeout).read()
        except errors.IdpoolError as exc:
            return refusal_for(exc)
        except ClientGone:
            return None

    def _scope_for(self, scope: Scope, allowed: Allowed) -> Scope:
        headers = [(k, v) for k, v in scope["headers"] if k.lower() not in _WITHHELD]
        headers.append((CONTEXT_HEADER.encode(), allowed.context_header.encode()))
        state = {**scope.get("state", {}), "identity": dict(allowed.identity)}
        root = scope.get("root_path", "") + "/" + self._gateway.api.stage
        return {**scope, "headers": headers, "root_path": root, "state": state}

    def _with_cors(self, send: Any, origin: str | None) -> Any:
        if self._cors is None:
            return send
        extra = [(k.encode(), v.encode()) for k, v in self._cors.response_headers(origin)]

        async def sending(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                kept = [(k, v) for k, v in message.get("headers", []) if k.lower() not in _APP_CORS]
                message = {**message, "headers": kept + extra}
            await send(message)

        return sending


def _replay(body: bytes, receive: Receive) -> Receive:
    """The body already read, as one message; then the client's own messages (disconnect)."""
    delivered = False

    async def replay() -> dict[str, Any]:
        nonlocal delivered
        if delivered:
            return await receive()
        delivered = True
        return {"type": "http.request", "body": body, "more_body": False}

    return replay


async def _respond(send: Any, status: int, headers: list[tuple[str, str]], body: bytes) -> None:
    raw = [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in headers if v]
    raw.append((b"content-length", str(len(body)).encode()))
    await send({"type": "http.response.start", "status": status, "headers": raw})
    await send({"type": "http.response.body", "body": body})
