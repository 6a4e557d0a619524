"""The console's in-process client: every action as a signed API call by the signed-in principal.

Why a client rather than calls to the domain services: an action here is exactly the API
operation it stands for. ``call`` validates the parameters against the botocore model
(``check``, the wire's constraints and messages), authorizes ``<service>:<Operation>`` on the
resource the service's adapter names (``pipeline.authorize_operation``, the very function the
pipeline uses) and runs the adapter's handler (``pipeline.invoke``): the handler's further
checks (``iam:PassRole`` in SetIdentityPoolRoles, per-pool DeleteIdentities) come along, and
the console and the API cannot drift. A failure becomes ``ConsoleError`` through the
service's error table, with the code and message an SDK would show.

Where a page needs more than an operation's output (an identity's disabled state, which no
Cognito output carries), ``read`` authorizes the operation the same way and then runs the
page's read of the domain service.
Actions with no AWS operation (signing keys, the policy simulator) are authorized with
``authorize`` on the same ``Authorizer``. Each action leaves one access-log line, as an API
call does, marked ``"via": "console"``.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

from idpool import errors
from idpool.api.context import Call
from idpool.auth import Principal
from idpool.ids import new_request_id
from idpool.observe.observer import Answered
from idpool.pipeline import DENIALS, Ready, authorize_operation, invoke, known_error, log_internal_error
from idpool.protocols.routing import protocol_for

log = logging.getLogger("idpool.access")
T = TypeVar("T")
# How the console shows a failure: AWS's code and message, and the HTTP status of its page.
_STATUS = {"AccessDenied": 403, "AccessDeniedException": 403, "ResourceNotFoundException": 404, "NoSuchEntity": 404}


@dataclass
class ConsoleError(Exception):
    code: str
    message: str
    status: int = 400
    detail: str | None = None  # what the wire leaves out (which statement, which field)

    def __str__(self) -> str:
        return f"{self.code}: {self.message}"

    @property
    def denied(self) -> bool:
        return self.code in ("AccessDenied", "AccessDeniedException")


class ConsoleClient:
    def __init__(self, ready: Ready, principal: Principal, source_ip: str | None) -> None:
        self._ready = ready
        self.principal = principal
        self._source_ip = source_ip

    @property
    def account_id(self) -> str:
        return self.principal.account_id

    def call(self, service: str, operation: str, **params: Any) -> Mapping[str, Any]:
        """Run ``operation`` as the signed-in principal; ``ConsoleError`` if it fails."""
        clean = {name: value for name, value in params.items() if value is not None}

        def run(call: Call) -> Mapping[str, Any]:
            protocol_for(service).check(operation, clean)
            return invoke(self._ready, service, operation, call, clean)

        return self._run(service, operation, run, params=clean)

    def read(self, service: str, operation: str, reader: Callable[[Call], T], **params: Any) -> T:
        """Authorize ``operation`` as ``call`` would, then run ``reader`` with the authorized
        call: a domain read for a page that shows more than the operation's output."""
        clean = {name: value for name, value in params.items() if value is not None}

        def run(call: Call) -> T:
            protocol_for(service).check(operation, clean)
            authorize_operation(self._ready, service, operation, call, clean)
            return reader(call)

        return self._run(service, operation, run, params=clean)

    def authorize(self, action: str, resource: str) -> None:
        """Authorize an action that has no AWS operation (``idpool:RotateSigningKey``, ...)."""
        service, _, operation = action.partition(":")

        def check(call: Call) -> None:
            call.authorize(action, resource)

        self._run(service, operation, check, table="iam")

    def _run(
        self, service: str, operation: str, step: Callable[[Call], T], table: str | None = None,
        params: Mapping[str, Any] | None = None,
    ) -> T:
        request_id = new_request_id()
        started, arrived = time.perf_counter(), dt.datetime.now(dt.UTC)
        call = Call(request_id, self.principal, self._source_ip, self._ready.authorizer)
        failure: ConsoleError | None = None
        cause: Exception | None = None
        result: Any = None
        try:
            result = step(call)
            return result  # type: ignore[no-any-return]
        except Exception as exc:
            cause = exc
            failure = self._failure(table or service, operation, exc, request_id)
            raise failure from None
        finally:
            self._log(service, operation, failure, request_id, started)
            self._observe(service, operation, call, params, result, failure, cause, started, arrived)

    def _observe(
        self, service: str, operation: str, call: Call, params: Mapping[str, Any] | None, result: Any,
        failure: ConsoleError | None, cause: Exception | None, started: float, arrived: dt.datetime,
    ) -> None:
        """A console action is an API call: the same metrics and audit event (``via`` aside)."""
        observer = self._ready.observer
        if observer is None:
            return
        api = self._ready.apis.get(service)
        audited = api.audit.get(operation) if api is not None and params is not None else None
        fields = None
        if audited is not None and observer.auditing:
            output = result if failure is None and isinstance(result, Mapping) else {}
            fields = audited.fields(params or {}, output, call)
        observer.answered(Answered(
            request_id=call.request_id, service=service, operation=operation,
            status=failure.status if failure else 200, error_code=failure.code if failure else None,
            error_message=failure.message if failure else None, principal=self.principal,
            source_ip=self._source_ip, user_agent="idpool-console", region=self._ready.region,
            seconds=time.perf_counter() - started, time=arrived, start_ns=int(arrived.timestamp() * 1e9),
            denied=isinstance(cause, DENIALS),
            issued=audited.issues if audited is not None and failure is None else None, audit=fields,
        ))

    @staticmethod
    def _failure(service: str, operation: str, exc: Exception, request_id: str) -> ConsoleError:
        named = known_error(service, exc, request_id)
        if named is None:
            log_internal_error(operation, exc, request_id)
            return ConsoleError("InternalFailure", f"An internal error occurred (request id {request_id}).", 500)
        error, message = named
        detail = exc.detail if isinstance(exc, errors.IdpoolError) else None
        if detail and detail in message:  # the wire message already says it
            detail = None
        return ConsoleError(error.code, message, _STATUS.get(error.code, error.status), detail)

    def _log(self, service: str, operation: str, failure: ConsoleError | None, request_id: str, started: float) -> None:
        if not log.isEnabledFor(logging.INFO):
            return
        log.info(json.dumps({
            "requestId": request_id, "service": service, "operation": operation,
            "status": failure.status if failure else 200, "error": failure.code if failure else None,
            "caller": self.principal.arn, "sourceIp": self._source_ip, "via": "console",
            "ms": round((time.perf_counter() - started) * 1000, 3),
        }))
