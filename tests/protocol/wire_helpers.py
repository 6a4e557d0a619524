"""Test helpers: botocore's own client code as the oracle for our codecs."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import urlsplit

import botocore.session
from botocore.awsrequest import AWSResponse, create_request_object, prepare_request_dict
from botocore.model import OperationModel
from botocore.parsers import create_parser
from botocore.serialize import create_serializer

from idpool.api import iam as iam_api
from idpool.pipeline import ERROR_TABLES
from idpool.protocols import (
    JsonProtocol,
    ProtocolError,
    QueryProtocol,
    WireResponse,
    protocol_for,
    route,
    service_model,
)
from idpool.protocols.wire_errors import WireError as WireFacts

OPERATIONS_IN_SCOPE = {
    "cognito-identity": sorted(service_model("cognito-identity").operation_names),
    "sts": sorted(service_model("sts").operation_names),
    "iam": sorted(iam_api.HANDLERS),  # the subset idpool serves
}


def botocore_request(service: str, operation: OperationModel, params: Mapping[str, Any]) -> tuple[str, dict[str, str], bytes, str]:
    """What botocore would send: (method, lower-cased headers, body, query string)."""
    protocol = service_model(service).metadata["protocol"]
    request_dict = create_serializer(protocol, include_validation=False).serialize_to_request(params, operation)
    prepare_request_dict(request_dict, endpoint_url="https://idpool.test")
    prepared = create_request_object(request_dict).prepare()
    body = prepared.body or b""
    headers = {k.lower(): v.decode() if isinstance(v, bytes) else v for k, v in prepared.headers.items()}
    return prepared.method, headers, body.encode() if isinstance(body, str) else body, urlsplit(prepared.url).query


def botocore_parse(service: str, operation: OperationModel, wire: WireResponse) -> dict[str, Any]:
    """Our response as botocore's parser reads it."""
    protocol = service_model(service).metadata["protocol"]
    response = {"status_code": wire.status, "headers": {k.lower(): v for k, v in wire.headers}, "body": wire.body}
    parsed: dict[str, Any] = create_parser(protocol).parse(response, operation.output_shape)
    return parsed


class _Raw:
    def __init__(self, body: bytes) -> None:
        self._body = body

    def stream(self, **_: Any) -> Any:
        yield self._body


Handler = Callable[[str, dict[str, Any]], Mapping[str, Any]]


class WireError(Exception):
    """Raised by a loopback handler: answered as the modelled error ``code``."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(code)
        self.code, self.message = code, message


def loopback_client(service: str, handler: Handler) -> Any:
    """A real botocore client whose HTTP layer is our router and codecs in-process."""
    session = botocore.session.get_session()
    client = session.create_client(
        service,
        region_name="us-east-1",
        endpoint_url="http://idpool.test",
        aws_access_key_id="AKIAIOSFODNN7EXAMPLE",
        aws_secret_access_key="wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
    )

    def send(request: Any, **_: Any) -> AWSResponse:
        headers = {k.lower(): v.decode() if isinstance(v, bytes) else v for k, v in request.headers.items()}
        body = request.body or b""
        body = body.encode() if isinstance(body, str) else body
        wire = _answer(request.method, headers, body, urlsplit(request.url).query, handler)
        return AWSResponse(request.url, wire.status, {k.lower(): v for k, v in wire.headers}, _Raw(wire.body))

    client.meta.events.register("before-send", send)
    return client


def _answer(method: str, headers: dict[str, str], body: bytes, query: str, handler: Handler) -> WireResponse:
    try:
        routed = route(method, headers, body, query)
    except ProtocolError as error:
        service = error.service or "sts"
        return protocol_for(service).serialize_error(wire_error(service, error.code), error.message, "loopback-request")
    try:
        result = handler(routed.operation.name, routed.parse())
        return routed.protocol.serialize_result(routed.operation, result, "loopback-request")
    except ProtocolError as error:
        return routed.protocol.serialize_error(wire_error(routed.service, error.code), error.message, "loopback-request")
    except WireError as error:
        return routed.protocol.serialize_error(wire_error(routed.service, error.code), error.message, "loopback-request")


def wire_error(service: str, code: str) -> WireFacts:
    """The wire facts of ``code``: the service's error table, else the model's error shape."""
    try:
        return ERROR_TABLES[service].for_code(code)
    except KeyError:
        return modelled_error(service, code)


def modelled_error(service: str, code: str) -> WireFacts:
    for shape in service_model(service).error_shapes:
        error = shape.metadata.get("error") or {}
        if error.get("code", shape.name) == code:
            fault = bool(getattr(shape, "_shape_model", {}).get("fault", False))
            return WireFacts(code, error.get("httpStatusCode") or (500 if fault else 400), not fault)
    raise KeyError(code)


def json_protocol() -> JsonProtocol:
    protocol = protocol_for("cognito-identity")
    assert isinstance(protocol, JsonProtocol)
    return protocol


def query_protocol(service: str) -> QueryProtocol:
    protocol = protocol_for(service)
    assert isinstance(protocol, QueryProtocol)
    return protocol
