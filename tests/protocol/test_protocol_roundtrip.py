"""Round trips through botocore's own serializers and parsers, for every operation in
scope: every Cognito Identity and STS operation, and the IAM subset idpool serves.

(1) params valid per the input shape -> botocore's serializer -> our router and parser
    -> the same params (which also proves the validator accepts all valid input);
(2) data per the output shape -> our serializer -> botocore's parser -> the same data;
(3) every modelled error of those operations -> our error serializer -> botocore reads
    the same code and message (and the model's HTTP status where it states one).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from shape_strategies import Protocol, top_level
from wire_helpers import OPERATIONS_IN_SCOPE, botocore_parse, botocore_request, modelled_error

from idpool.protocols import protocol_for, route, service_model
from idpool.protocols.query_xml import POLICY_DOCUMENT_SHAPE

CASES = [(service, name) for service, names in OPERATIONS_IN_SCOPE.items() for name in names]
# filter_too_much: inputs with lists of all-optional structures (IAM's Simulate* ContextEntries)
# discard many draws, since the Query form cannot carry an empty structure (shape_strategies).
SETTINGS = settings(max_examples=40, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
PROTOCOL: dict[str, Protocol] = {"cognito-identity": "json", "sts": "query", "iam": "query"}


@pytest.mark.catalogue("P01")
@pytest.mark.parametrize(("service", "name"), CASES)
def test_botocore_request_parses_to_the_same_params(service: str, name: str) -> None:
    operation = service_model(service).operation_model(name)
    if operation.input_shape is None:
        pytest.skip(f"{name} takes no input")

    @SETTINGS
    @given(top_level(operation.input_shape, "input", PROTOCOL[service]))
    def check(params: dict[str, Any]) -> None:
        method, headers, body, query = botocore_request(service, operation, params)
        routed = route(method, headers, body, query)
        assert (routed.service, routed.operation.name) == (service, name)
        assert routed.parse() == params

    check()


@pytest.mark.catalogue("P02")
@pytest.mark.parametrize(("service", "name"), CASES)
def test_our_response_reads_back_in_botocore(service: str, name: str) -> None:
    operation = service_model(service).operation_model(name)
    protocol = protocol_for(service)
    if operation.output_shape is None:
        parsed = botocore_parse(service, operation, protocol.serialize_result(operation, {}, "req-0"))
        assert parsed["ResponseMetadata"]["RequestId"] == "req-0"
        assert set(parsed) == {"ResponseMetadata"}
        return

    @SETTINGS
    @given(top_level(operation.output_shape, "output", PROTOCOL[service]))
    def check(data: dict[str, Any]) -> None:
        parsed = botocore_parse(service, operation, protocol.serialize_result(operation, data, "req-1"))
        assert parsed.pop("ResponseMetadata")["RequestId"] == "req-1"
        assert parsed == _as_on_the_wire(operation.output_shape, data)

    check()


@pytest.mark.catalogue("P02")
@pytest.mark.parametrize(("service", "name"), CASES)
def test_every_modelled_error_reads_back_in_botocore(service: str, name: str) -> None:
    operation = service_model(service).operation_model(name)
    protocol = protocol_for(service)
    message = "Bad things <&> happened to 'ü' ]]>"
    for shape in operation.error_shapes:
        error = shape.metadata.get("error") or {}
        code = error.get("code", shape.name)
        wire = protocol.serialize_error(modelled_error(service, code), message, "req-2")
        parsed = botocore_parse(service, operation, wire)
        assert parsed["Error"]["Code"] == code
        assert parsed["Error"]["Message"] == message
        assert parsed["ResponseMetadata"]["RequestId"] == "req-2"
        assert wire.status == error.get("httpStatusCode", wire.status) >= 400


def _as_on_the_wire(shape: Any, value: Any) -> Any:
    """``value`` as botocore's parser (before its after-call handlers) returns it: IAM
    policy documents stay percent-encoded; everything else is unchanged."""
    if shape.type_name == "structure":
        return {k: _as_on_the_wire(shape.members[k], v) for k, v in value.items()}
    if shape.type_name == "list":
        return [_as_on_the_wire(shape.member, v) for v in value]
    if shape.type_name == "map":
        return {k: _as_on_the_wire(shape.value, v) for k, v in value.items()}
    if shape.name == POLICY_DOCUMENT_SHAPE:
        return quote(value, safe="")
    return value


OTHER_IAM = sorted(set(service_model("iam").operation_names) - set(OPERATIONS_IN_SCOPE["iam"]))
BRIEF = settings(max_examples=4, deadline=None, suppress_health_check=list(HealthCheck))


@pytest.mark.catalogue("P01")
@pytest.mark.parametrize("name", OTHER_IAM)
def test_the_codec_is_generic_over_every_other_iam_operation(name: str) -> None:
    """Out of scope for the API, but the codec is model-driven: a few examples each."""
    operation = service_model("iam").operation_model(name)
    protocol = protocol_for("iam")

    @BRIEF
    @given(
        top_level(operation.input_shape, "input", "query") if operation.input_shape else st.just({}),
        top_level(operation.output_shape, "output", "query") if operation.output_shape else st.just({}),
    )
    def check(params: dict[str, Any], data: dict[str, Any]) -> None:
        routed = route(*botocore_request("iam", operation, params))
        assert routed.parse() == params
        parsed = botocore_parse("iam", operation, protocol.serialize_result(operation, data, "req-3"))
        parsed.pop("ResponseMetadata")
        assert parsed == (_as_on_the_wire(operation.output_shape, data) if operation.output_shape else {})

    check()
