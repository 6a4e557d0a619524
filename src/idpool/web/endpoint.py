"""POST / : the AWS API endpoint for Cognito Identity, STS and IAM.

One pass per request: route (which service and operation), authenticate (SigV4,
unless the model marks the operation public), decode and validate the input from the
model, authorize, call the handler, encode the answer. Every failure becomes the
service's own error shape; nothing else ever reaches the wire.
"""

from __future__ import annotations

import datetime
import functools
import json
import logging
import re
import time
import traceback
from dataclasses import dataclass
from types import ModuleType
from typing import Any, Callable, Mapping

import anyio

from idpool import errors, storage
from idpool.access import Principal
from idpool.api import cognito_identity
from idpool.api.context import CallContext
from idpool.ids import new_request_id
from idpool.protocols.base import ProtocolError, WireResponse
from idpool.protocols.models import service_model, unsigned_operations
from idpool.protocols.routing import Routed, protocol_for, route
from idpool.sigv4 import HttpRequest, SigV4Error, is_signed, verify, wire_code
from idpool.sigv4.verify import session_token
from idpool.web.http import BodyTooLarge, Receive, Scope, Send, read_body, respond

log = logging.getLogger("idpool.access")
errlog = logging.getLogger("idpool.errors")

_TOKEN = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+")
# Headers the AWS SDKs send; `authorization` must be named: `*` does not cover it (Fetch standard).
_ALLOW_HEADERS = (
    "authorization,content-type,x-amz-date,x-amz-target,x-amz-security-token,x-amz-content-sha256,"
    "x-amz-user-agent,x-amz-api-version,amz-sdk-invocation-id,amz-sdk-request,x-amzn-trace-id,cache-control"
)


def api_modules() -> dict[str, ModuleType]:
    """The API adapters by signing name; STS and IAM join when they are importable."""
    modules: dict[str, ModuleType] = {"cognito-identity": cognito_identity}
    try:
        from idpool.api import iam, sts
    except ImportError:  # pragma: no cover - during bring-up only
        return modules
    modules["sts"] = sts
    modules["iam"] = iam
    return modules


@dataclass
class Incoming:
    method: str
    path: str
    query_string: str
    headers: list[tuple[str, str]]
    body: bytes
    source_ip: str | None


class AwsEndpoint:
    def __init__(self, services: Callable[[], Any], max_body: int) -> None:
        self._services = services
        self._max_body = max_body
        self._modules = api_modules()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["method"] == "OPTIONS":
            await self._preflight(scope, send)
            return
        headers = [(k.decode("latin-1"), v.decode("latin-1")) for k, v in scope["headers"]]
        json_style = any(k.lower() == "x-amz-target" for k, _ in headers)
        try:
            body = await read_body(scope, receive, self._max_body)
        except BodyTooLarge:
            await self._send(send, _fallback_error(
                json_style, "RequestEntityTooLargeException" if json_style else "RequestEntityTooLarge",
                f"Request body is larger than {self._max_body} bytes.", 413, new_request_id()))
            return
        client = scope.get("client")
        incoming = Incoming(
            scope["method"], scope.get("raw_path", b"/").decode("latin-1").split("?", 1)[0] or "/",
            scope.get("query_string", b"").decode("latin-1"), headers, body, client[0] if client else None,
        )
        response = await anyio.to_thread.run_sync(self.handle, incoming)
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

    # --- the synchronous pipeline (runs in a worker thread) -------------------------------
    def handle(self, req: Incoming) -> WireResponse:
        started = time.perf_counter()
        request_id = new_request_id()
        lower = {k.lower(): v for k, v in req.headers}
        services = self._services()
        try:
            routed = route(req.method, lower, req.body, req.query_string)
        except ProtocolError as exc:
            if exc.service:
                response = protocol_for(exc.service).serialize_error(exc.code, exc.message, request_id, status=exc.status)
            else:
                response = _fallback_error("x-amz-target" in lower, exc.code, exc.message, exc.status, request_id)
            self._log(req, None, None, response, request_id, started)
            return response
        if services is None:
            response = routed.protocol.serialize_error(
                "ServiceUnavailable", "idpool is starting; retry shortly.", request_id, status=503
            )
            self._log(req, routed, None, response, request_id, started)
            return response
        principal: Principal | None = None
        try:
            principal = self._authenticate(services, routed, req)
            response = self._dispatch(services, routed, req, principal, request_id)
        except Exception as exc:  # every failure becomes the service's own error shape
            response = self._error(routed, exc, request_id, principal)
        self._log(req, routed, principal, response, request_id, started)
        return response

    def _authenticate(self, services: Any, routed: Routed, req: Incoming) -> Principal | None:
        http = HttpRequest(req.method, req.path, req.query_string, req.headers, req.body)
        if not is_signed(http):
            if routed.operation.name in _unsigned(routed.service):
                return None
            raise SigV4Error.missing()
        token = session_token(http)
        verified = verify(
            http,
            service=routed.service,
            allowed_regions=_regions(services.settings.region, routed.service),
            lookup=lambda akid: services.credentials.lookup(akid, token),
            now=services.clock.now(),
            max_skew=datetime.timedelta(seconds=services.settings.clock_skew_seconds),
        )
        principal: Principal = services.credentials.principal(verified)
        return principal

    def _dispatch(
        self, services: Any, routed: Routed, req: Incoming, principal: Principal | None, request_id: str
    ) -> WireResponse:
        module = self._modules[routed.service]
        operation = routed.operation
        params = routed.parse()
        ctx = CallContext(request_id, principal, services, req.source_ip)
        handler = module.HANDLERS.get(operation.name)
        if handler is None:
            raise ProtocolError(
                "UnsupportedOperation" if routed.service != "cognito-identity" else "UnknownOperationException",
                f"idpool does not implement {routed.service} {operation.name}.", 400,
            )
        if principal is not None and operation.name not in _unsigned(routed.service):
            resource = module.resource_for(operation.name)(ctx, params)
            context = {"aws:SourceIp": req.source_ip} if req.source_ip else {}
            services.authorizer.authorize(principal, f"{routed.service}:{operation.name}", resource, context)
        result = handler(ctx, params)
        return routed.protocol.serialize_result(operation, result, request_id)

    def _error(self, routed: Routed, exc: Exception, request_id: str, principal: Principal | None) -> WireResponse:
        protocol = routed.protocol
        module = self._modules.get(routed.service)
        if isinstance(exc, ProtocolError):
            return protocol.serialize_error(exc.code, exc.message, request_id, status=exc.status)
        if isinstance(exc, SigV4Error):
            code, status = wire_code(exc.kind, "json" if routed.service == "cognito-identity" else "query")
            return protocol.serialize_error(code, exc.message, request_id, status=status)
        if isinstance(exc, storage.Unavailable):
            errlog.warning(json.dumps({"requestId": request_id, "event": "store-unavailable", "detail": str(exc)}))
            code = "ServiceUnavailableException" if routed.service == "cognito-identity" else "ServiceUnavailable"
            return protocol.serialize_error(code, "The service is unavailable; retry later.", request_id, status=503)
        if isinstance(exc, errors.IdpoolError) and module is not None:
            mapped = _code_for(module.ERRORS, exc)
            if mapped is not None:
                if exc.detail:
                    errlog.info(json.dumps({"requestId": request_id, "error": mapped, "detail": exc.detail}))
                return protocol.serialize_error(mapped, exc.wire_message, request_id)
        errlog.error(json.dumps({
            "requestId": request_id, "event": "internal-error", "operation": routed.operation.name,
            "exception": type(exc).__name__, "traceback": traceback.format_exc(),
        }))
        internal = module.INTERNAL_ERROR if module is not None else "InternalFailure"
        return protocol.serialize_error(
            internal, f"An internal error occurred (request id {request_id}).", request_id, status=500
        )

    @staticmethod
    def _log(
        req: Incoming, routed: Routed | None, principal: Principal | None, response: WireResponse,
        request_id: str, started: float,
    ) -> None:
        if not log.isEnabledFor(logging.INFO):
            return
        log.info(json.dumps({
            "requestId": request_id,
            "service": routed.service if routed else None,
            "operation": routed.operation.name if routed else None,
            "status": response.status,
            "caller": principal.arn if principal else None,
            "sourceIp": req.source_ip,
            "ms": round((time.perf_counter() - started) * 1000, 3),
        }))


@functools.cache
def _unsigned(service: str) -> frozenset[str]:
    """Operations the model marks public (authtype none): no signature needed."""
    return unsigned_operations(service_model(service))


def _code_for(table: Mapping[type, str], exc: Exception) -> str | None:
    for cls in type(exc).__mro__:
        if cls in table:
            return table[cls]
    return None


def _regions(region: str, service: str) -> frozenset[str]:
    # IAM and the global STS endpoint sign with us-east-1 whatever the client's region.
    return frozenset({region, "us-east-1"}) if service in ("iam", "sts") else frozenset({region})


def _fallback_error(json_style: bool, code: str, message: str, status: int, request_id: str) -> WireResponse:
    """An error answered before the service is known: JSON for X-Amz-Target requests, else Query XML."""
    if json_style:
        body = json.dumps({"__type": code, "message": message}).encode()
        return WireResponse(status, [
            ("content-type", "application/x-amz-json-1.1"), ("x-amzn-requestid", request_id),
            ("x-amzn-errortype", f"{code}:"),
        ], body)
    from xml.sax.saxutils import escape

    body = (
        f"<ErrorResponse><Error><Type>Sender</Type><Code>{escape(code)}</Code>"
        f"<Message>{escape(message)}</Message></Error><RequestId>{request_id}</RequestId></ErrorResponse>"
    ).encode()
    return WireResponse(status, [("content-type", "text/xml"), ("x-amzn-requestid", request_id)], body)
