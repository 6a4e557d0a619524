"""The one request pipeline: route -> authenticate -> throttle -> parse -> authorize ->
dispatch -> serialize.

Every AWS API call passes through ``Pipeline.handle`` (the web layer only adapts HTTP to
an ``Incoming`` and sends the ``WireResponse`` back). Each step's failure becomes the
service's own error through its error table (``ServiceApi.errors``); anything unexpected
becomes the service's internal error with a request id, logged with its traceback and
never shown. One structured log line per request names the caller and the error code, and
the node's ``Observer`` hears of every answered call once: metrics, the audit log (with the
fields the operation's ``AUDIT`` entry picks) and traces.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import logging
import time
import traceback
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from idpool import errors, storage
from idpool.api import cognito_identity, iam, sts
from idpool.api.context import Call, ServiceApi
from idpool.auth import Authenticator, Authorizer, Principal
from idpool.clock import SystemClock
from idpool.ids import new_request_id
from idpool.observe.observer import Answered, Observer
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
from idpool.quotas.throttle import Throttle
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

    @functools.cached_property
    def lower_headers(self) -> dict[str, str]:
        """Header name (lower-cased) -> value, built once for routing, refusals and observers."""
        return {name.lower(): value for name, value in self.headers}


@dataclass(frozen=True)
class Ready:
    """What a node needs to serve calls; absent while it is starting."""

    apis: Mapping[str, ServiceApi]
    authenticator: Authenticator
    authorizer: Authorizer
    region: str
    observer: Observer | None = None  # metrics, audit log, traces
    throttle: Throttle | None = None  # request-rate quotas (None: no quota at all)


@dataclass
class _Progress:
    """How far a call got: what the observer is told about it."""

    routed: Routed | None = None
    principal: Principal | None = None
    params: Mapping[str, Any] | None = None
    call: Call | None = None
    result: Mapping[str, Any] = field(default_factory=dict)


# Refusals: the audit log records every one, whatever the operation.
DENIALS = (errors.AccessDenied, errors.NotAuthorized, errors.TooManyRequests, errors.ExpiredCredentials, SigV4Error)
_CLOCK = SystemClock()


class Pipeline:
    def __init__(self, ready: Callable[[], Ready | None]) -> None:
        self._ready = ready

    def handle(self, req: Incoming) -> WireResponse:
        started = time.perf_counter()
        arrived = _CLOCK.now()
        request_id = new_request_id()
        done = _Progress()
        ready = self._ready()  # read once: a call that fails routing is still observed
        failure: Exception | None = None
        try:
            done.routed = route(req.method, req.lower_headers, req.body, req.query_string)
            if ready is None:
                raise errors.ServiceUnavailable("idpool is starting; retry shortly.")
            done.principal = self._authenticate(ready, done.routed, req)
            if ready.throttle is not None:
                account = done.principal.account_id if done.principal else None
                ready.throttle.check(done.routed.service, done.routed.operation.name, account=account,
                                     source_ip=req.source_ip)
            response = self._dispatch(ready, done.routed, req, done, request_id)
            error: WireError | None = None
        except Exception as exc:  # every failure becomes the service's own error shape
            failure = exc
            service = done.routed.service if done.routed else _service_of(exc, req)
            error, response = self._error(service, done.routed, exc, request_id)
        self._log(req, done.routed, done.principal, response, error, request_id, started)
        if ready is not None and ready.observer is not None:
            _observe(ready, req, done, response, error, failure, request_id, started, arrived)
        return response

    def refuse(self, req: Incoming, exc: errors.IdpoolError) -> WireResponse:
        """Answer a request the web layer could not read whole (too large, too slow)."""
        started, arrived = time.perf_counter(), _CLOCK.now()
        error, response = refusal(req.lower_headers, exc)
        request_id = dict(response.headers).get("x-amzn-RequestId", "")
        self._log(req, None, None, response, error, request_id, started)
        ready = self._ready()
        if ready is not None and ready.observer is not None:
            _observe(ready, req, _Progress(), response, error, exc, request_id, started, arrived)
        return response

    # --- the steps --------------------------------------------------------------------------
    def _authenticate(self, ready: Ready, routed: Routed, req: Incoming) -> Principal | None:
        http = HttpRequest(req.method, req.path, req.query_string, req.headers, req.body)
        if not is_signed(http):
            if routed.operation.name in _public(routed.service):
                return None
            raise SigV4Error.missing()
        return ready.authenticator.authenticate(http, service=routed.service, regions=_regions(ready.region, routed.service))

    def _dispatch(self, ready: Ready, routed: Routed, req: Incoming, done: _Progress, request_id: str) -> WireResponse:
        params = done.params = routed.parse()
        call = done.call = Call(request_id, done.principal, req.source_ip, ready.authorizer)
        result = done.result = invoke(ready, routed.service, routed.operation.name, call, params)
        return routed.protocol.serialize_result(routed.operation, result, request_id)

    # --- errors, once ------------------------------------------------------------------------
    def _error(
        self, service: str, routed: Routed | None, exc: Exception, request_id: str
    ) -> tuple[WireError, WireResponse]:
        named = known_error(service, exc, request_id)
        if named is None:
            return self._internal(service, routed, exc, request_id)
        error, message = named
        return error, protocol_for(service).serialize_error(error, message, request_id)

    def _internal(
        self, service: str, routed: Routed | None, exc: Exception, request_id: str
    ) -> tuple[WireError, WireResponse]:
        log_internal_error(routed.operation.name if routed else None, exc, request_id)
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


def _observe(
    ready: Ready, req: Incoming, done: _Progress, response: WireResponse, error: WireError | None,
    failure: Exception | None, request_id: str, started: float, arrived: dt.datetime,
) -> None:
    """Tell the node's observer about an answered call (metrics, audit log, traces)."""
    observer = ready.observer
    assert observer is not None
    headers = req.lower_headers
    routed = done.routed
    service = routed.service if routed else unrouted_service(headers)
    operation = routed.operation.name if routed else None
    audited = ready.apis[service].audit.get(operation) if operation and service in ready.apis else None
    fields = None
    if audited is not None and observer.auditing:
        call = done.call or Call(request_id, done.principal, req.source_ip)
        fields = audited.fields(_params(done), done.result if error is None else {}, call)
    observer.answered(Answered(
        request_id=request_id, service=service, operation=operation, status=response.status,
        error_code=error.code if error else None, error_message=_message(failure) if error else None,
        principal=done.principal, source_ip=req.source_ip, user_agent=headers.get("user-agent"),
        region=ready.region, seconds=time.perf_counter() - started, time=arrived,
        start_ns=int(arrived.timestamp() * 1e9), denied=isinstance(failure, DENIALS),
        issued=audited.issues if audited is not None and error is None else None, audit=fields,
        headers=headers,
    ))


def _params(done: _Progress) -> Mapping[str, Any]:
    """The call's parameters for its audit event, also when it was refused before they were
    read (authentication, a quota): read now, or none if they cannot be."""
    if done.params is None and done.routed is not None:
        try:
            done.params = done.routed.parse()
        except Exception:  # malformed input: the event says what else is known
            done.params = {}
    return done.params or {}


def _message(failure: Exception | None) -> str | None:
    """The message sent for a known failure; internal errors say nothing more than their code."""
    if isinstance(failure, errors.IdpoolError):
        return failure.wire_message
    if isinstance(failure, (ProtocolError, SigV4Error)):
        return str(getattr(failure, "message", failure))
    return None


def invoke(ready: Ready, service: str, operation: str, call: Call, params: Mapping[str, Any]) -> Mapping[str, Any]:
    """Authorize ``operation`` for ``call``'s principal and run its handler on decoded ``params``.

    The one dispatch step: signed API calls come here from ``Pipeline.handle``, and the
    console's actions from its in-process client, so both are authorized on the same
    resource (``ServiceApi.resource``) with the same action names and run the same handler.
    """
    handler = ready.apis[service].handler(operation)
    if handler is None:
        raise errors.UnsupportedOperation(f"idpool does not implement {service} {operation}.")
    authorize_operation(ready, service, operation, call, params)
    return handler(call, params)


def authorize_operation(ready: Ready, service: str, operation: str, call: Call, params: Mapping[str, Any]) -> None:
    """Raise AccessDenied unless ``call``'s principal may perform ``operation`` with ``params``,
    on the resource the service's adapter names for it. Public operations need nothing; an
    operation authorized per item (DeleteIdentities) is authorized by its handler."""
    if call.principal is None or operation in _public(service):
        return
    resource = ready.apis[service].resource(operation, call, params)
    if resource is not None:
        call.authorize(f"{service}:{operation}", resource)


def known_error(service: str, exc: Exception, request_id: str) -> tuple[WireError, str] | None:
    """``exc`` as ``service``'s error table names it, with the message its wire carries; None
    for an unexpected exception (an internal error). A detail the message leaves out is logged."""
    table = _tables()[service]
    if isinstance(exc, ProtocolError):
        return table.for_code(exc.code), exc.message
    if isinstance(exc, storage.Unavailable):
        errlog.warning(json.dumps({"requestId": request_id, "event": "store-unavailable", "detail": str(exc)}))
        exc = errors.ServiceUnavailable("The service is unavailable; retry later.")
        return table.for_exception(exc) or _never(exc), exc.message
    found = table.for_exception(exc)
    if found is None:
        return None
    detail = getattr(exc, "detail", None)
    if detail:
        entry = {"requestId": request_id, "error": found.code, "detail": detail}
        encoded = getattr(exc, "encoded_message", None)
        if encoded:  # for `aws sts decode-authorization-message`
            entry["encodedMessage"] = encoded
        errlog.info(json.dumps(entry))
    return found, exc.wire_message if isinstance(exc, errors.IdpoolError) else str(exc)


def log_internal_error(operation: str | None, exc: Exception, request_id: str) -> None:
    """An unexpected failure: logged with its traceback under the request id the caller is
    shown, never shown itself."""
    errlog.error(json.dumps({
        "requestId": request_id, "event": "internal-error", "operation": operation,
        "exception": type(exc).__name__, "traceback": "".join(traceback.format_exception(exc)),
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
    return unrouted_service(req.lower_headers)


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

