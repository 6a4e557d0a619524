"""What the pipeline reports once per answered API call, and where it goes: the metrics
(always), the audit log and traces (when configured).

The pipeline knows the call as a whole (who, from where, which operation, the outcome, and
the fields the operation's ``AUDIT`` entry picked from its parameters and result); this
module only turns that into figures, audit lines and spans. Nothing here is on the path of
a call that is not answered through the pipeline.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from idpool.auth import Principal
from idpool.observe.audit import AuditLog
from idpool.observe.metrics import Metrics
from idpool.observe.tracing import Tracing

Issued = Literal["token", "credentials"]
# Where each service's events come from, as CloudTrail names it (eventSource).
EVENT_SOURCES = {"cognito-identity": "cognito-identity.amazonaws.com", "sts": "sts.amazonaws.com",
                 "iam": "iam.amazonaws.com"}
_IDENTITY_TYPES = {"root": "Root", "user": "IAMUser", "assumed-role": "AssumedRole"}


@dataclass(frozen=True)
class Answered:
    """One API call, answered."""

    request_id: str
    service: str
    operation: str | None
    status: int
    error_code: str | None
    error_message: str | None
    principal: Principal | None
    source_ip: str | None
    user_agent: str | None
    region: str
    seconds: float
    time: dt.datetime  # when it arrived (UTC)
    start_ns: int  # the same, in nanoseconds since the epoch (spans)
    denied: bool = False  # refused: authentication, authorization or a quota
    issued: Issued | None = None  # what a successful call handed out
    audit: Mapping[str, Any] | None = None  # the operation's audited fields; None: not audited
    headers: Mapping[str, str] = field(default_factory=dict)  # lower-cased, for trace context


class Observer:
    def __init__(self, metrics: Metrics, audit: AuditLog | None = None, tracing: Tracing | None = None) -> None:
        self.metrics = metrics
        self.audit = audit
        self.tracing = tracing

    @property
    def auditing(self) -> bool:
        return self.audit is not None

    def answered(self, call: Answered) -> None:
        operation = call.operation or "-"
        outcome = call.error_code or "Success"
        self.metrics.requests.labels(call.service, operation, outcome).inc()
        self.metrics.latency.labels(call.service, operation).observe(call.seconds)
        if call.issued == "token":
            self.metrics.tokens.labels(operation).inc()
        elif call.issued == "credentials":
            self.metrics.credentials.labels(operation).inc()
        if self.audit is not None and (call.audit is not None or call.denied):
            self.audit.write(audit_event(call))
        if self.tracing is not None:
            self.tracing.span(
                f"{call.service}.{operation}", call.start_ns, call.start_ns + int(call.seconds * 1e9), call.headers,
                {"rpc.system": "aws-api", "rpc.service": call.service, "rpc.method": call.operation,
                 "aws.request_id": call.request_id, "http.response.status_code": call.status,
                 "client.address": call.source_ip, "aws.error_code": call.error_code},
                call.error_code)

    def close(self) -> None:
        if self.audit is not None:
            self.audit.close()
        if self.tracing is not None:
            self.tracing.close()


def audit_event(call: Answered) -> dict[str, Any]:
    """A CloudTrail-like record of the call (docs/OBSERVABILITY.md lists every field)."""
    fields = call.audit or {}
    event: dict[str, Any] = {
        "eventVersion": "1.0",
        "eventTime": call.time.strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
        "eventSource": EVENT_SOURCES.get(call.service, call.service),
        "eventName": call.operation,
        "awsRegion": call.region,
        "sourceIPAddress": call.source_ip,
        "userAgent": call.user_agent,
        "requestID": call.request_id,
        "userIdentity": user_identity(call.principal),
        "readOnly": call.audit is None,  # audited operations change or hand out something
        "requestParameters": fields.get("requestParameters"),
        "responseElements": fields.get("responseElements") if call.error_code is None else None,
    }
    if call.error_code is not None:
        event["errorCode"] = call.error_code
        event["errorMessage"] = call.error_message
    if call.denied:
        event["denied"] = True
    return event


def user_identity(principal: Principal | None) -> dict[str, Any]:
    if principal is None:  # an unsigned call to a public operation
        return {"type": "Unauthenticated"}
    identity: dict[str, Any] = {
        "type": _IDENTITY_TYPES.get(principal.kind, principal.kind), "arn": principal.arn,
        "accountId": principal.account_id, "principalId": principal.user_id,
        "accessKeyId": principal.access_key_id,
    }
    if principal.session_name:
        identity["sessionName"] = principal.session_name
    return identity
