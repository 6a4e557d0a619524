"""Test helpers: botocore's own client code as the oracle for our codecs."""

from __future__ import annotations

from typing import Any, Callable, Mapping
from urllib.parse import urlsplit

import botocore.session
from botocore.awsrequest import AWSResponse, create_request_object, prepare_request_dict
from botocore.model import OperationModel
from botocore.parsers import create_parser
from botocore.serialize import create_serializer

from idpool.protocols import JsonProtocol, ProtocolError, QueryProtocol, WireResponse, protocol_for, route, service_model

OPERATIONS_IN_SCOPE = {
    "cognito-identity": sorted(service_model("cognito-identity").operation_names),
    "sts": sorted(service_model("sts").operation_names),
    "iam": sorted(
        "CreateRole GetRole ListRoles UpdateRole UpdateAssumeRolePolicy DeleteRole TagRole UntagRole "
        "ListRoleTags PutRolePolicy GetRolePolicy ListRolePolicies DeleteRolePolicy CreateUser GetUser "
        "ListUsers DeleteUser PutUserPolicy GetUserPolicy ListUserPolicies DeleteUserPolicy CreateAccessKey "
        "ListAccessKeys UpdateAccessKey DeleteAccessKey".split()
    ),
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
        return protocol_for(error.service or "sts").serialize_error(error.code, error.message, "loopback-request", error.status)
    try:
        result = handler(routed.operation.name, routed.parse())
        return routed.protocol.serialize_result(routed.operation, result, "loopback-request")
    except ProtocolError as error:
        return routed.protocol.serialize_error(error.code, error.message, "loopback-request", error.status)
    except WireError as error:
        return routed.protocol.serialize_error(error.code, error.message, "loopback-request")


def json_protocol() -> JsonProtocol:
    protocol = protocol_for("cognito-identity")
    assert isinstance(protocol, JsonProtocol)
    return protocol


def query_protocol(service: str) -> QueryProtocol:
    protocol = protocol_for(service)
    assert isinstance(protocol, QueryProtocol)
    return protocol
