"""``idpool gateway`` as an ASGI app: check each request (``core.Gateway``), then proxy it
to the upstream with httpx, streaming both bodies.

Per request: ``GET /health`` is the gateway's own; a CORS preflight is answered here
(``cors.py``); a path outside ``/<stage>/`` is refused before its body is read; the body
is read whole or streamed (``body.py``); the check runs in a worker thread (it reads the
caller's role or user from the store); an allowed request goes on to the upstream over
kept-alive connections (httpx's pool), with the headers ``forwarding.py`` makes, and the
upstream's answer streams back as it arrives. An upstream that cannot be reached is 502,
one that does not answer within ``upstream_timeout`` seconds 504 (API Gateway's
``{"message": ...}`` shape both). Once the answer has started, a failure can only cut
the connection. One JSON log line per request, as ``idpool serve`` writes them.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import re
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import anyio
import httpx

from idpool import errors
from idpool.gateway.body import BodyReader, ClientGone, Receive, too_large
from idpool.gateway.core import Gateway, Inbound
from idpool.gateway.cors import Cors
from idpool.gateway.forwarding import client_headers, upstream_headers, upstream_query
from idpool.gateway.responses import (
    INTEGRATION_FAILED,
    INTEGRATION_TIMED_OUT,
    Refused,
    internal_failure,
    missing_authentication_token,
    refusal_for,
)
from idpool.ids import new_request_id
from idpool.sigv4 import SigV4Error

Scope = dict[str, Any]
Send = Callable[[dict[str, Any]], Any]

log = logging.getLogger("idpool.gateway")
errlog = logging.getLogger("idpool.errors")
_SHA256 = re.compile(r"[0-9a-f]{64}")
# Below uvicorn's 5 s keep-alive (and most servers' longer ones): a connection the
# upstream is about to close is not picked for the next request.
KEEPALIVE_EXPIRY_SECONDS = 4.0


@dataclass(frozen=True)
class Limits:
    max_body_bytes: int = 10 * 1024 * 1024
    body_timeout: float = 30.0
    upstream_timeout: float = 29.0
    max_connections: int = 100


@dataclass
class _Exchange:
    """One request's facts for its log line."""

    request_id: str
    method: str
    source_ip: str | None
    started: float = field(default_factory=time.perf_counter)
    status: int | None = None
    error: str | None = None
    detail: str | None = None
    caller: str | None = None
    upstream_ms: float | None = None
    responding: bool = False  # the response has started: a failure can only cut the connection


class GatewayApp:
    def __init__(self, gateway: Gateway, upstream: str, *, cors: Cors, limits: Limits,
                 healthy: Callable[[], bool], transport: httpx.AsyncBaseTransport | None = None) -> None:
        self._gateway = gateway
        self._upstream = httpx.URL(upstream.rstrip("/") + "/")
        self._base_path = self._upstream.raw_path.rstrip(b"/")
        self._cors = cors
        self._limits = limits
        self._healthy = healthy
        self._transport = transport
        self._client: httpx.AsyncClient | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await self._lifespan(receive, send)
        elif scope["type"] == "http":
            await self._http(scope, receive, send)
        # websockets are not proxied: returning without accepting refuses them (403)

    async def aclose(self) -> None:
        if self._client is not None:
            await self._client.aclose()
            self._client = None

    def _http_client(self) -> httpx.AsyncClient:
        if self._client is None:
            limits = httpx.Limits(max_connections=self._limits.max_connections,
                                  max_keepalive_connections=self._limits.max_connections,
                                  keepalive_expiry=KEEPALIVE_EXPIRY_SECONDS)
            self._client = httpx.AsyncClient(timeout=httpx.Timeout(self._limits.upstream_timeout), limits=limits,
                                             transport=self._transport, follow_redirects=False, trust_env=False)
        return self._client

    async def _lifespan(self, receive: Receive, send: Send) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await self.aclose()
                await send({"type": "lifespan.shutdown.complete"})
                return

    # --- one request ---------------------------------------------------------------------
    async def _http(self, scope: Scope, receive: Receive, send: Send) -> None:
        client = scope.get("client")
        ex = _Exchange(new_request_id(), scope["method"], client[0] if client else None)
        try:
            await self._serve(ex, scope, receive, send)
        except Exception as exc:
            if ex.responding:
                ex.error = "ResponseBroken"
                ex.detail = f"{type(exc).__name__}: {exc}"
                raise  # the answer has begun: the server cuts the connection
            errlog.error(json.dumps({"requestId": ex.request_id, "event": "internal-error",
                                     "exception": type(exc).__name__,
                                     "traceback": "".join(traceback.format_exception(exc))}))
            await self._refuse(ex, scope, send, internal_failure(ex.request_id))
        finally:
            self._log(ex)

    async def _serve(self, ex: _Exchange, scope: Scope, receive: Receive, send: Send) -> None:
        headers = [(k.decode("latin-1"), v.decode("latin-1")) for k, v in scope["headers"]]
        lower = {name.lower(): value for name, value in headers}
        raw_path = scope.get("raw_path", b"").decode("latin-1").split("?", 1)[0] or scope["path"]
        if raw_path == "/health" and ex.method in ("GET", "HEAD"):
            await self._health(ex, send)
            return
        if self._cors.is_preflight(ex.method, lower):
            ex.status, cors_headers = self._cors.preflight(lower)
            await _respond(send, ex.status, cors_headers, b"")
            return
        if self._gateway.locate(raw_path) is None:
            await self._refuse(ex, scope, send, missing_authentication_token())
            return
        if too_large(lower.get("content-length"), self._limits.max_body_bytes):
            too_big = errors.RequestTooLarge(f"Request body is larger than {self._limits.max_body_bytes} bytes.")
            await self._refuse(ex, scope, send, refusal_for(too_big))
            return
        inbound = Inbound(ex.method, raw_path, scope.get("query_string", b"").decode("latin-1"), headers,
                          source_ip=ex.source_ip, secure=scope.get("scheme") == "https")
        try:
            inbound, content = await self._body(inbound, lower, receive)
        except errors.IdpoolError as exc:
            await self._refuse(ex, scope, send, refusal_for(exc))
            return
        except ClientGone:
            ex.error = "ClientGone"
            return
        decision = await anyio.to_thread.run_sync(self._gateway.check, inbound)
        if isinstance(decision, Refused):
            await self._refuse(ex, scope, send, decision)
            return
        ex.caller = decision.principal.arn
        forwarded = upstream_headers(headers, decision, source_ip=ex.source_ip, scheme=scope.get("scheme", "http"))
        if inbound.body_sha256 is not None and "content-length" in lower:  # streamed with its length
            forwarded.append(("content-length", lower["content-length"]))
        query = upstream_query(inbound.query_string)
        target = self._base_path + decision.path.encode("latin-1") + (b"?" + query.encode("latin-1") if query else b"")
        request = self._http_client().build_request(ex.method, self._upstream.copy_with(raw_path=target),
                                                    headers=forwarded, content=content)
        await self._forward(ex, scope, send, request, lower.get("origin"))

    async def _body(self, inbound: Inbound, lower: dict[str, str], receive: Receive) -> tuple[Inbound, Any]:
        """The request with its body (read whole) or its stated hash (the body streams on),
        and the content to forward: bytes, a stream checked against the hash, or None."""
        if not _has_body(lower):
            return inbound, None  # HTTP/1.1: no Content-Length, no Transfer-Encoding: no body to wait for
        reader = BodyReader(receive, limit=self._limits.max_body_bytes, seconds=self._limits.body_timeout)
        claimed = lower.get("x-amz-content-sha256", "")
        if _SHA256.fullmatch(claimed):
            return dataclasses.replace(inbound, body_sha256=claimed), reader.verified(claimed)
        body = await reader.read()
        return dataclasses.replace(inbound, body=body), body

    async def _forward(self, ex: _Exchange, scope: Scope, send: Send, request: httpx.Request,
                       origin: str | None) -> None:
        began = time.perf_counter()
        try:
            response = await self._http_client().send(request, stream=True)
        except (SigV4Error, errors.IdpoolError) as exc:  # the body, as it streamed: mismatch, cap, deadline
            await self._refuse(ex, scope, send, refusal_for(exc))
            return
        except ClientGone:
            ex.error = "ClientGone"
            return
        except httpx.TimeoutException as exc:
            late = errors.IntegrationTimeout(INTEGRATION_TIMED_OUT, detail=f"{type(exc).__name__} after "
                                             f"{self._limits.upstream_timeout:g} s: {self._upstream}")
            await self._refuse(ex, scope, send, refusal_for(late))
            return
        except httpx.HTTPError as exc:
            failed = errors.IntegrationFailure(INTEGRATION_FAILED,
                                               detail=f"{type(exc).__name__}: {exc} ({self._upstream})")
            await self._refuse(ex, scope, send, refusal_for(failed))
            return
        ex.upstream_ms = round((time.perf_counter() - began) * 1000, 3)
        try:
            upstream = [(k.decode("latin-1"), v.decode("latin-1")) for k, v in response.headers.raw]
            headers = client_headers(upstream) + self._cors.response_headers(origin, upstream)
            headers.append(("x-amzn-requestid", ex.request_id))
            ex.status, ex.responding = response.status_code, True
            await send({"type": "http.response.start", "status": response.status_code,
                        "headers": [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in headers]})
            async for chunk in response.aiter_raw():
                await send({"type": "http.response.body", "body": chunk, "more_body": True})
            await send({"type": "http.response.body", "body": b"", "more_body": False})
        finally:
            await response.aclose()

    # --- answers of the gateway's own --------------------------------------------------------
    async def _health(self, ex: _Exchange, send: Send) -> None:
        ok = await anyio.to_thread.run_sync(self._healthy)
        ex.status = 200 if ok else 503
        body = json.dumps({"status": "ok" if ok else "unavailable"}).encode()
        await _respond(send, ex.status, [("content-type", "application/json"), ("cache-control", "no-store")], body)

    async def _refuse(self, ex: _Exchange, scope: Scope, send: Send, refusal: Refused) -> None:
        ex.status, ex.error, ex.detail = refusal.status, refusal.error_type, refusal.detail
        ex.caller = refusal.caller or ex.caller
        origin = next((v.decode("latin-1") for k, v in scope["headers"] if k == b"origin"), None)
        headers = refusal.headers(ex.request_id) + self._cors.response_headers(origin)
        await _respond(send, refusal.status, headers, refusal.body)

    def _log(self, ex: _Exchange) -> None:
        if not log.isEnabledFor(logging.INFO):
            return
        api = self._gateway.api
        line = {"requestId": ex.request_id, "apiId": api.api_id, "stage": api.stage, "method": ex.method,
                "status": ex.status, "error": ex.error, "caller": ex.caller, "sourceIp": ex.source_ip,
                "ms": round((time.perf_counter() - ex.started) * 1000, 3), "upstreamMs": ex.upstream_ms}
        if ex.detail:
            line["detail"] = ex.detail
        log.info(json.dumps(line))


def _has_body(headers: dict[str, str]) -> bool:
    return headers.get("content-length", "0").strip() != "0" or "transfer-encoding" in headers


async def _respond(send: Send, status: int, headers: list[tuple[str, str]], body: bytes) -> None:
    raw = [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in headers]
    raw.append((b"content-length", str(len(body)).encode()))
    await send({"type": "http.response.start", "status": status, "headers": raw})
    await send({"type": "http.response.body", "body": body})
