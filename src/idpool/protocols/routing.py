"""Which service, protocol and operation a request is for: one endpoint serves all three.

- ``X-Amz-Target: AWSCognitoIdentityService.<Op>`` (or the long form) is Cognito
  Identity over awsJson1_1;
- otherwise it is the Query protocol: ``Version`` 2011-06-15 is STS, 2010-05-08 IAM.
  Without a Version, the SigV4 credential scope's service decides (header or
  ``X-Amz-Credential``); unsigned STS calls (AssumeRoleWithWebIdentity) always carry
  a Version. (LocalStack's service router uses the same signals: credential scope,
  target prefix, then Action and Version.)
- a request meant for a service idpool does not serve (a foreign ``X-Amz-Target``
  prefix, a signature scoped to another service, an Action of no served model) is
  answered with an error that names the services served, so a client pointed at idpool
  by a too-wide ``AWS_ENDPOINT_URL`` says what went wrong.

Routing parses nothing but the form, so the caller can authenticate before decoding
the body with ``Routed.parse()``. Bad input raises ``ProtocolError`` only, with
``service`` set to whose error format the answer should use.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from botocore.model import OperationModel

from idpool.protocols.aws_json import LONG_TARGET_PREFIXES, JsonProtocol
from idpool.protocols.aws_query import QueryProtocol, parse_form
from idpool.protocols.base import ProtocolError, truncate
from idpool.protocols.models import API_VERSIONS, service_model

JSON_SERVICE = "cognito-identity"
QUERY_SERVICES = ("sts", "iam")
DEFAULT_QUERY_SERVICE = "sts"
FORM_TYPE = "application/x-www-form-urlencoded"
# What an awsJson1_1 body may be labelled: the SDKs send 1.1; hand-written clients
# (and curl examples) often use the 1.0 label or plain JSON. An absent type is allowed.
JSON_TYPES = frozenset({"application/x-amz-json-1.1", "application/x-amz-json-1.0", "application/json", ""})
_CREDENTIAL = re.compile(r"Credential=([^,\s]+)")
_VERSION_SERVICE = {API_VERSIONS[name]: name for name in QUERY_SERVICES}
SERVED = "idpool serves Cognito Identity (cognito-identity), STS (sts) and IAM (iam) only"


@dataclass(frozen=True)
class Routed:
    service: str
    protocol: JsonProtocol | QueryProtocol
    operation: OperationModel
    params: dict[str, str]  # Query: the raw form (decode with parse()); JSON: empty
    body: bytes = field(default=b"", repr=False)

    def parse(self) -> dict[str, Any]:
        """The operation's input, converted and validated (raises ProtocolError)."""
        if isinstance(self.protocol, JsonProtocol):
            return self.protocol.parse(self.operation, self.body)
        return self.protocol.parse(self.operation, self.params)


@functools.cache
def protocol_for(service: str) -> JsonProtocol | QueryProtocol:
    """The shared codec of a service (also the one to write its errors with)."""
    model = service_model(service)
    return JsonProtocol(model) if service == JSON_SERVICE else QueryProtocol(model)


def route(method: str, headers: Mapping[str, str], body: bytes, query_string: str) -> Routed:
    """Headers are keyed by lower-cased name."""
    target = headers.get("x-amz-target", "").strip()
    content_type = _media_type(headers.get("content-type", ""))
    if is_json_request(headers):
        return _route_json(method, target, content_type, body)
    return _route_query(method, headers, content_type, body, query_string)


def is_json_request(headers: Mapping[str, str]) -> bool:
    """awsJson (X-Amz-Target, or an awsJson content type), else Query. Headers lower-cased."""
    content_type = _media_type(headers.get("content-type", ""))
    return bool(headers.get("x-amz-target", "").strip()) or content_type in (
        "application/x-amz-json-1.1", "application/x-amz-json-1.0")


def _route_json(method: str, target: str, content_type: str, body: bytes) -> Routed:
    protocol = protocol_for(JSON_SERVICE)
    assert isinstance(protocol, JsonProtocol)
    prefix = target.rpartition(".")[0]
    if prefix and prefix not in _json_prefixes():
        message = f"{SERVED}; X-Amz-Target {truncate(target, 128)} is for another service."
        raise ProtocolError("UnknownOperationException", message, service=JSON_SERVICE)
    if method.upper() != "POST":
        message = "awsJson1_1 operations are called with POST."
        raise ProtocolError("UnknownOperationException", message, service=JSON_SERVICE)
    if content_type not in JSON_TYPES:
        message = "Unsupported Content-Type for X-Amz-Target requests; send application/x-amz-json-1.1."
        raise ProtocolError("UnknownOperationException", message, service=JSON_SERVICE)
    operation = protocol.operation_for(target or None)
    return Routed(JSON_SERVICE, protocol, operation, {}, body)


def _route_query(method: str, headers: Mapping[str, str], content_type: str, body: bytes, query_string: str) -> Routed:
    unserved = _unserved_query(headers, {})  # before the body: an S3 upload is no form
    if unserved:
        raise ProtocolError("InvalidAction", unserved, service=DEFAULT_QUERY_SERVICE)
    form_body = body if method.upper() == "POST" and content_type in (FORM_TYPE, "") else b""
    if body.strip() and not form_body:
        raise ProtocolError(
            "InvalidQueryParameter",
            f"Query-protocol requests are sent as {FORM_TYPE} (or need an X-Amz-Target header).",
            service=DEFAULT_QUERY_SERVICE,
        )
    try:
        params = parse_form(form_body, query_string)
    except ProtocolError as exc:
        exc.service = _query_service(headers, {})
        raise
    service = _query_service(headers, params)
    unserved = _unserved_query(headers, params)
    if unserved:
        raise ProtocolError("InvalidAction", unserved, service=service)
    protocol = protocol_for(service)
    assert isinstance(protocol, QueryProtocol)
    return Routed(service, protocol, protocol.operation_for(params), params, body)


def _query_service(headers: Mapping[str, str], params: Mapping[str, str]) -> str:
    """By Version, else by the signature's credential scope, else by which model has the Action."""
    by_version = _VERSION_SERVICE.get(params.get("Version", ""))
    if by_version:
        return by_version
    scope = credential_scope_service(headers, params)
    if scope in QUERY_SERVICES:
        return scope
    owners = _query_owners(params.get("Action", ""))
    return owners[0] if len(owners) == 1 else DEFAULT_QUERY_SERVICE


def _unserved_query(headers: Mapping[str, str], params: Mapping[str, str]) -> str | None:
    """Why a Query-style request is for a service not served here, or None."""
    scope = credential_scope_service(headers, params)
    if scope is not None and scope not in (JSON_SERVICE, *QUERY_SERVICES):
        return f"{SERVED}; this request is signed for service {truncate(scope, 64)}."
    action = params.get("Action", "")
    if action and params.get("Version") not in _VERSION_SERVICE and not _query_owners(action):
        return f"{SERVED}; Action {truncate(action, 128)} is not an operation of sts or iam."
    return None


def _query_owners(action: str) -> list[str]:
    return [s for s in QUERY_SERVICES if action in service_model(s).operation_names]


@functools.cache
def _json_prefixes() -> frozenset[str]:
    """The X-Amz-Target prefixes Cognito Identity answers to (short and long form)."""
    prefix = service_model(JSON_SERVICE).metadata["targetPrefix"]
    return frozenset({prefix, LONG_TARGET_PREFIXES.get(prefix, prefix)})


def credential_scope_service(headers: Mapping[str, str], params: Mapping[str, str]) -> str | None:
    """The service named in a SigV4 credential (AKID/date/region/service/aws4_request)."""
    credential = params.get("X-Amz-Credential")
    if credential is None:
        found = _CREDENTIAL.search(headers.get("authorization", ""))
        credential = found.group(1) if found else None
    parts = credential.split("/") if credential else []
    return parts[3] if len(parts) == 5 else None


def _media_type(value: str) -> str:
    return value.split(";", 1)[0].strip().lower()
