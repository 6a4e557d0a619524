"""The one request pipeline: parse -> authenticate -> authorize -> dispatch -> serialize.

Every AWS API call passes through ``Pipeline.handle`` (the web layer only adapts HTTP to
an ``Incoming`` and sends the ``WireResponse`` back). Each step's failure becomes the
service's own error through its error table (``ServiceApi.errors``); anything unexpected
becomes the service's internal error with a request id, logged with its traceback and
never shown. One structured log line per request names the caller and the error code.
"""

from __future__ import annotations

import functools
import json
import logging
import time
import traceback
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from idpool import errors, storage
from idpool.api import cognito_identity, iam, sts
from idpool.api.context import Call, ServiceApi
from idpool.auth import Authenticator, Authorizer, Principal
from idpool.ids import new_request_id
from idpool.protocols.base import ProtocolError, WireResponse
from idpool.protocols.models import service_model, unsigned_operations
from idpool.protocols.routing import (
    DEFAULT_QUERY_SERVICE,
    JSON_SERVICE,
    QUERY_SERVICES,
    Routed,
    credential_scope_service,
    is_json_request,
    protocol_for,
    route,
)
from idpool.protocols.wire_errors import ErrorTable, WireError
from idpool.sigv4 import HttpRequest, SigV4Error, is_signed

# Each service's one error table: known before the node is ready, so even "starting" and
# "too large" answers are in the service's own words.
ERROR_TABLES: Mapping[str, ErrorTable] = {
    "cognito-identity": cognito_identity.ERRORS, "sts": sts.ERRORS, "iam": iam.ERRORS,
}

log = logging.getLogger("idpool.access")
errlog = logging.getLogger("idpool.errors")


@dataclass(frozen=True)
class Incoming:
    """An HTTP request as the pipeline needs it (headers as sent, body already read)."""

    method: str
    path: str
    query_string: str
    headers: list[tuple[str, str]]
    body: bytes
    source_ip: str | None


@dataclass(frozen=True)
class Ready:
    """What a node needs to serve calls; absent while it is starting."""

    apis: Mapping[str, ServiceApi]
    authenticator: Authenticator
    authorizer: Authorizer
    region: str


class Pipeline:
    def __init__(self, ready: Callable[[], Ready | None]) -> None:
        self._ready = ready

    def handle(self, req: Incoming) -> WireResponse:
        started = time.perf_counter()
        request_id = new_request_id()
        routed: Routed | None = None
        principal: Principal | None = None
        try:
            routed = route(req.method, {k.lower(): v for k, v in req.headers}, req.body, req.query_string)
            ready = self._ready()
            if ready is None:
                raise errors.ServiceUnavailable("idpool is starting; retry shortly.")
            principal = self._authenticate(ready, routed, req)
            response = self._dispatch(ready, routed, req, principal, request_id)
            error: WireError | None = None
        except Exception as exc:  # every failure becomes the service's own error shape
            service = routed.service if routed else _service_of(exc, req)
            error, response = self._error(service, routed, exc, request_id)
        self._log(req, routed, principal, response, error, request_id, started)
        return response

    def refuse(self, req: Incoming, exc: errors.IdpoolError) -> WireResponse:
        """Answer a request the web layer could not read whole (too large, too slow)."""
        error, response = refusal({name.lower(): value for name, value in req.headers}, exc)
        request_id = dict(response.headers).get("x-amzn-RequestId", "")
        self._log(req, None, None, response, error, request_id, time.perf_counter())
        return response

    # --- the steps --------------------------------------------------------------------------
    def _authenticate(self, ready: Ready, routed: Routed, req: Incoming) -> Principal | None:
        http = HttpRequest(req.method, req.path, req.query_string, req.headers, req.body)
        if not is_signed(http):
            if routed.operation.name in _public(routed.service):
                return None
            raise SigV4Error.missing()
        return ready.authenticator.authenticate(http, service=routed.service, regions=_regions(ready.region, routed.service))

    def _dispatch(
        self, ready: Ready, routed: Routed, req: Incoming, principal: Principal | None, request_id: str
    ) -> WireResponse:
        api = ready.apis[routed.service]
        operation = routed.operation.name
        params = routed.parse()
        handler = api.handler(operation)
        if handler is None:
            raise errors.UnsupportedOperation(f"idpool does not implement {routed.service} {operation}.")
        call = Call(request_id, principal, req.source_ip, ready.authorizer)
        if principal is not None and operation not in _public(routed.service):
            resource = api.resource(operation, call, params)
            if resource is not None:
                call.authorize(f"{routed.service}:{operation}", resource)
        return routed.protocol.serialize_result(routed.operation, handler(call, params), request_id)

    # --- errors, once ------------------------------------------------------------------------
    def _error(
        self, service: str, routed: Routed | None, exc: Exception, request_id: str
    ) -> tuple[WireError, WireResponse]:
        table = _tables()[service]
        protocol = protocol_for(service)
        message: str
        if isinstance(exc, ProtocolError):
            error, message = table.for_code(exc.code), exc.message
        elif isinstance(exc, storage.Unavailable):
            errlog.warning(json.dumps({"requestId": request_id, "event": "store-unavailable", "detail": str(exc)}))
            exc = errors.ServiceUnavailable("The service is unavailable; retry later.")
            error, message = table.for_exception(exc) or _never(exc), exc.message
        else:
            found = table.for_exception(exc)
            if found is None:
                return self._internal(service, routed, exc, request_id)
            error = found
            message = exc.wire_message if isinstance(exc, errors.IdpoolError) else str(exc)
            detail = getattr(exc, "detail", None)
            if detail:
                entry = {"requestId": request_id, "error": error.code, "detail": detail}
                encoded = getattr(exc, "encoded_message", None)
                if encoded:  # for `aws sts decode-authorization-message`
                    entry["encodedMessage"] = encoded
                errlog.info(json.dumps(entry))
        return error, protocol.serialize_error(error, message, request_id)

    def _internal(
        self, service: str, routed: Routed | None, exc: Exception, request_id: str
    ) -> tuple[WireError, WireResponse]:
        errlog.error(json.dumps({
            "requestId": request_id, "event": "internal-error",
            "operation": routed.operation.name if routed else None,
            "exception": type(exc).__name__, "traceback": "".join(traceback.format_exception(exc)),
        }))
        error = _tables()[service].for_exception(errors.InternalFailure("")) or _never(exc)
        message = f"An internal error occurred (request id {request_id})."
        return error, protocol_for(service).serialize_error(error, message, request_id)

    @staticmethod
    def _log(
        req: Incoming, routed: Routed | None, principal: Principal | None, response: WireResponse,
        error: WireError | None, request_id: str, started: float,
    ) -> None:
        if not log.isEnabledFor(logging.INFO):
            return
        log.info(json.dumps({
            "requestId": request_id,
            "service": routed.service if routed else None,
            "operation": routed.operation.name if routed else None,
            "status": response.status,
            "error": error.code if error else None,
            "caller": principal.arn if principal else None,
            "sourceIp": req.source_ip,
            "ms": round((time.perf_counter() - started) * 1000, 3),
        }))


@functools.cache
def _public(service: str) -> frozenset[str]:
    """Operations the model marks public (authtype none): no signature needed."""
    return unsigned_operations(service_model(service))


def _tables() -> Mapping[str, ErrorTable]:
    return ERROR_TABLES


def _regions(region: str, service: str) -> frozenset[str]:
    # IAM and the global STS endpoint sign with us-east-1 whatever the client's region.
    return frozenset({region, "us-east-1"}) if service in ("iam", "sts") else frozenset({region})


def _service_of(exc: Exception, req: Incoming) -> str:
    """Whose error shape to answer in when routing did not finish: the codec's word, else
    what the headers say (``unrouted_service``)."""
    if isinstance(exc, ProtocolError) and exc.service:
        return exc.service
    return unrouted_service({name.lower(): value for name, value in req.headers})


def unrouted_service(headers: Mapping[str, str]) -> str:
    """The service a request is for, from its headers alone (lower-cased names): awsJson is
    Cognito Identity; Query is the service its SigV4 credential scope names, else STS."""
    if is_json_request(headers):
        return JSON_SERVICE
    scoped = credential_scope_service(headers, {})
    return scoped if scoped in QUERY_SERVICES else DEFAULT_QUERY_SERVICE


def refusal(headers: Mapping[str, str], exc: errors.IdpoolError) -> tuple[WireError, WireResponse]:
    """``exc`` answered in the shape the headers ask for, before (or without) routing: a body
    too large or too slow, a node draining at its deadline. Headers lower-cased."""
    service = unrouted_service(headers)
    error = ERROR_TABLES[service].for_exception(exc) or _never(exc)
    return error, protocol_for(service).serialize_error(error, exc.wire_message, new_request_id())


def _never(exc: Exception) -> WireError:
    raise AssertionError(f"every error table names {type(exc).__name__}")

