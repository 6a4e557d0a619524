"""Routing one endpoint to three services, and which operations are public."""

from __future__ import annotations

import pytest
from wire_helpers import botocore_parse, wire_error

from idpool.protocols import ProtocolError, protocol_for, route, service_model, unsigned_operations

JSON_TYPE = {"content-type": "application/x-amz-json-1.1"}
FORM_TYPE = {"content-type": "application/x-www-form-urlencoded; charset=utf-8"}
BODY = b'{"IdentityPoolId":"us-east-1:ab"}'


def routing_error(method: str, headers: dict[str, str], body: bytes, query: str = "") -> ProtocolError:
    with pytest.raises(ProtocolError) as caught:
        route(method, headers, body, query)
    return caught.value


@pytest.mark.parametrize(
    "target",
    ["AWSCognitoIdentityService.GetId", "com.amazonaws.cognito.identity.model.AWSCognitoIdentityService.GetId"],
)
def test_both_target_forms_reach_the_operation(target: str) -> None:
    routed = route("POST", {"x-amz-target": target, **JSON_TYPE}, BODY, "")
    assert (routed.service, routed.operation.name) == ("cognito-identity", "GetId")
    assert routed.parse() == {"IdentityPoolId": "us-east-1:ab"}


@pytest.mark.parametrize("content_type", ["application/json", "application/x-amz-json-1.0", ""])
def test_json_content_types_hand_written_clients_send(content_type: str) -> None:
    headers = {"x-amz-target": "AWSCognitoIdentityService.GetId", "content-type": content_type}
    assert route("POST", headers, BODY, "").operation.name == "GetId"


@pytest.mark.parametrize(
    ("method", "headers"),
    [
        ("POST", {"x-amz-target": "AWSCognitoIdentityService.NoSuchThing", **JSON_TYPE}),
        ("POST", {"x-amz-target": "DynamoDB_20120810.ListTables", **JSON_TYPE}),
        ("POST", JSON_TYPE),  # a JSON body without a target
        ("GET", {"x-amz-target": "AWSCognitoIdentityService.GetId", **JSON_TYPE}),
        ("POST", {"x-amz-target": "AWSCognitoIdentityService.GetId", "content-type": "text/plain"}),
    ],
)
def test_bad_json_requests_are_unknown_operations(method: str, headers: dict[str, str]) -> None:
    error = routing_error(method, headers, BODY)
    assert (error.code, error.service) == ("UnknownOperationException", "cognito-identity")
    assert wire_error(error.service, error.code).status == 400


@pytest.mark.parametrize(
    ("body", "query", "service", "operation"),
    [
        (b"Action=GetCallerIdentity&Version=2011-06-15", "", "sts", "GetCallerIdentity"),
        (b"Action=ListRoles&Version=2010-05-08", "", "iam", "ListRoles"),
        (b"", "Action=GetCallerIdentity&Version=2011-06-15", "sts", "GetCallerIdentity"),
    ],
)
def test_query_requests_route_by_version(body: bytes, query: str, service: str, operation: str) -> None:
    routed = route("POST" if body else "GET", FORM_TYPE if body else {}, body, query)
    assert (routed.service, routed.operation.name) == (service, operation)


def test_credential_scope_picks_the_service_when_version_is_absent() -> None:
    signed = {"authorization": "AWS4-HMAC-SHA256 Credential=AKID/20240101/us-east-1/iam/aws4_request, SignedHeaders=host"}
    error = routing_error("POST", {**FORM_TYPE, **signed}, b"Action=GetCallerIdentity")
    assert (error.code, error.service) == ("MissingParameter", "iam")
    presigned = "X-Amz-Credential=AKID%2F20240101%2Fus-east-1%2Fsts%2Faws4_request&Action=ListRoles"
    assert routing_error("GET", {}, b"", presigned).service == "sts"


def test_unknown_action_and_unknown_version() -> None:
    error = routing_error("POST", FORM_TYPE, b"Action=AssumeRoot2&Version=2011-06-15")
    assert (error.code, error.service) == ("InvalidAction", "sts")
    assert wire_error(error.service, error.code).status == 400
    assert error.message == "Could not find operation AssumeRoot2 for version 2011-06-15"
    signed = {"authorization": "AWS4-HMAC-SHA256 Credential=AKID/20240101/us-east-1/sts/aws4_request, SignedHeaders=host"}
    error = routing_error("POST", {**FORM_TYPE, **signed}, b"Action=GetCallerIdentity&Version=2099-01-01")
    assert error.message == "Could not find operation GetCallerIdentity for version 2099-01-01"


def test_missing_action() -> None:
    error = routing_error("POST", FORM_TYPE, b"Version=2010-05-08")
    assert (error.code, error.service) == ("MissingAction", "iam")
    assert wire_error(error.service, error.code).status == 400


def test_a_body_that_is_neither_form_nor_json() -> None:
    error = routing_error("POST", {"content-type": "text/plain"}, b"Action=GetCallerIdentity&Version=2011-06-15")
    assert error.code == "InvalidQueryParameter"
    assert wire_error(error.service or "sts", error.code).status == 400


def test_routing_errors_serialize_in_the_named_service_format() -> None:
    for headers, body in [({"x-amz-target": "Nope.Nope", **JSON_TYPE}, b"{}"), (FORM_TYPE, b"Action=Nope&Version=2010-05-08")]:
        error = routing_error("POST", headers, body)
        assert error.service is not None
        protocol = protocol_for(error.service)
        wire = protocol.serialize_error(wire_error(error.service, error.code), error.message, "rid")
        operation = service_model(error.service).operation_model(service_model(error.service).operation_names[0])
        parsed = botocore_parse(error.service, operation, wire)
        assert (parsed["Error"]["Code"], parsed["Error"]["Message"]) == (error.code, error.message)


@pytest.mark.catalogue("P04")
def test_public_operations_are_exactly_those_the_contract_names() -> None:
    assert unsigned_operations(service_model("cognito-identity")) == {
        "GetId",
        "GetOpenIdToken",
        "GetCredentialsForIdentity",
        "UnlinkIdentity",
    }
    assert "AssumeRoleWithWebIdentity" in unsigned_operations(service_model("sts"))
    assert not {"GetCallerIdentity", "AssumeRole"} & unsigned_operations(service_model("sts"))
    assert unsigned_operations(service_model("iam")) == frozenset()


def test_models_are_loaded_once() -> None:
    assert service_model("iam") is service_model("iam")
    assert protocol_for("sts") is protocol_for("sts")
    with pytest.raises(ValueError):
        service_model("s3")
