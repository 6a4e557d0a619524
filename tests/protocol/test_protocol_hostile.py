"""Hostile input (docs/SECURITY.md: R04 JSON bombs, R05 query bombs, I02 XML-hostile text):
every case is a ProtocolError with an AWS code, never another exception."""

from __future__ import annotations

import contextlib
import xml.etree.ElementTree as ElementTree
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from wire_helpers import json_protocol, query_protocol, wire_error

from idpool.protocols import ProtocolError, route, service_model
from idpool.protocols.aws_query import parse_form
from idpool.protocols.wire_errors import WireError

COGNITO = service_model("cognito-identity")
GET_ID = COGNITO.operation_model("GetId")
CREATE_POOL = COGNITO.operation_model("CreateIdentityPool")
FUZZ = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])



def json_code(body: bytes, operation: Any = GET_ID) -> str:
    with pytest.raises(ProtocolError) as caught:
        json_protocol().parse(operation, body)
    assert wire_error("cognito-identity", caught.value.code).status == 400
    return caught.value.code


@pytest.mark.catalogue("R04")
@pytest.mark.parametrize(
    "body",
    [
        b'{"IdentityPoolId":' * 1000 + b'"x"' + b"}" * 1000,  # depth 1000 (RecursionError in json)
        b"[" * 100_000 + b"]" * 100_000,
        b'{"a":' + b"[" * 70 + b"1" + b"]" * 70 + b"}",
        b'{"IdentityPoolId":"us-east-1:ab","TokenDuration":' + b"9" * 5001 + b"}",  # > 4300 digits
        b'{"x":' + b"1" * 25 + b"}",  # longer than any int64, even in an unknown member
        b'{"x":1e999}',
        b'{"x":NaN}',
        b'{"x":Infinity}',
        b'{"x":-Infinity}',
        b'{"IdentityPoolId":"us-east-1:ab","IdentityPoolId":"us-east-1:cd"}',
        b'{"Logins":{"a":"1","a":"2"},"IdentityPoolId":"us-east-1:ab"}',
        b'{"IdentityPoolId":"\xff\xfe"}',
        b"\xef\xbb\xbf{}",  # a UTF-8 byte-order mark is not JSON
        b'["IdentityPoolId"]',
        b'"us-east-1:ab"',
        b"42",
        b"null",
        b'{"IdentityPoolId":"us-east-1:ab"',
        b'{"IdentityPoolId":"us-east-1:\\ud800ab"}',  # unpaired surrogate
        b'{"IdentityPoolId":"us-east-1:\\u0000ab"}',
        b'{"IdentityPoolId":"us-east-1:ab","Logins":{"\\udfff":"t"}}',
        b'"' + b"ab" * 40 + b"{" * 70,  # a string left open: once exponential backtracking (found by fuzzing, P06)
        b'{"a":"\\"' + b"x{" * 100,
    ],
)
def test_json_bombs_are_serialization_exceptions(body: bytes) -> None:
    assert json_code(body) == "SerializationException"


@pytest.mark.catalogue("R04")
def test_depth_64_is_accepted_and_65_is_not() -> None:
    def nested(depth: int) -> bytes:  # an unknown member, so only the depth matters
        return b'{"IdentityPoolId":"us-east-1:ab","x":' + b"[" * (depth - 1) + b"]" * (depth - 1) + b"}"

    assert json_protocol().parse(GET_ID, nested(64)) == {"IdentityPoolId": "us-east-1:ab"}
    assert json_code(nested(65)) == "SerializationException"


def test_brackets_inside_strings_do_not_count_as_depth() -> None:
    body = b'{"IdentityPoolId":"us-east-1:ab","x":"' + b"[{" * 200 + b'"}'
    assert json_protocol().parse(GET_ID, body) == {"IdentityPoolId": "us-east-1:ab"}


def test_empty_body_is_an_empty_object() -> None:
    assert json_code(b"") == "ValidationException"  # {} then: IdentityPoolId is required
    list_pools = COGNITO.operation_model("ListIdentityPools")
    assert json_code(b"  ", list_pools) == "ValidationException"


@pytest.mark.catalogue("R04")
@FUZZ
@given(st.binary(max_size=200))
def test_any_bytes_give_params_or_a_protocol_error(body: bytes) -> None:
    for operation in (GET_ID, CREATE_POOL):
        try:
            json_protocol().parse(operation, body)
        except ProtocolError as error:
            assert error.code in {"SerializationException", "ValidationException"}


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=20,
)


@pytest.mark.catalogue("R04")
@FUZZ
@given(st.dictionaries(st.sampled_from(["IdentityPoolName", "AllowUnauthenticatedIdentities", "CognitoIdentityProviders",
                                        "SupportedLoginProviders", "IdentityPoolTags", "Other"]), JSON_VALUES))
def test_any_json_gives_params_or_a_protocol_error(document: dict[str, Any]) -> None:
    import json

    try:
        json_protocol().parse(CREATE_POOL, json.dumps(document).encode())
    except ProtocolError as error:
        assert error.code in {"SerializationException", "ValidationException"}


def form_code(body: bytes, query: str = "") -> str:
    with pytest.raises(ProtocolError) as caught:
        params = parse_form(body, query)
        iam = query_protocol("iam")
        iam.parse(iam.operation_for(params), params)
    assert wire_error("iam", caught.value.code).status == 400
    return caught.value.code


@pytest.mark.catalogue("R05")
@pytest.mark.parametrize(
    "body",
    [
        b"&".join(b"p%d=1" % i for i in range(1001)),  # more fields than allowed
        b"Action=TagRole&Action=TagRole&Version=2010-05-08",  # duplicate key
        b"Action=GetUser&Version=2010-05-08&UserName=%ff",  # not UTF-8 once decoded
        b"Action=GetUser&Version=2010-05-08&UserName=\xff",
        b"Action=TagRole&Version=2010-05-08&RoleName=r&Tags.member.999999999.Key=k&Tags.member.999999999.Value=v",
        b"Action=TagRole&Version=2010-05-08&RoleName=r&Tags.member.0.Key=k&Tags.member.0.Value=v",
        b"Action=TagRole&Version=2010-05-08&RoleName=r&Tags.member.01.Key=k&Tags.member.01.Value=v",
        b"Action=TagRole&Version=2010-05-08&RoleName=r&Tags.member.one.Key=k",
        b"Action=TagRole&Version=2010-05-08&RoleName=r&Tags.member.1.Key.x=k&Tags.member.1.Value=v",
        b"Action=TagRole&Version=2010-05-08&RoleName=r&" + b"Tags" + b".x" * 40 + b"=1",
    ],
)
def test_query_bombs_are_rejected(body: bytes) -> None:
    assert form_code(body) == "InvalidQueryParameter"


def test_duplicate_across_query_string_and_body() -> None:
    assert form_code(b"Action=GetUser&Version=2010-05-08", "Action=GetUser") == "InvalidQueryParameter"


def test_sparse_list_positions_keep_their_order() -> None:
    form = "Action=UntagRole&Version=2010-05-08&RoleName=r&TagKeys.member.7=c&TagKeys.member.2=b&TagKeys.member.1=a"
    params = parse_form(form.encode(), "")
    iam = query_protocol("iam")
    assert iam.parse(iam.operation_for(params), params)["TagKeys"] == ["a", "b", "c"]


@pytest.mark.catalogue("R05")
def test_query_nul_is_rejected() -> None:
    assert form_code(b"Action=GetUser&Version=2010-05-08&UserName=a%00b") == "ValidationError"


FORM_TEXT = st.text(alphabet="Action=TagRole&Version.2010-05-08RoleNam%Tgsmbr1Ky0V9lu.xe\xff", max_size=120)


@pytest.mark.catalogue("R05")
@FUZZ
@given(FORM_TEXT, st.sampled_from(["", "text/plain", "application/x-www-form-urlencoded", "application/json"]))
def test_any_form_gives_params_or_a_protocol_error(text: str, content_type: str) -> None:
    try:
        routed = route("POST", {"content-type": content_type}, text.encode("utf-8", "surrogatepass"), "")
        routed.parse()
    except ProtocolError as error:
        assert error.service in {None, "sts", "iam", "cognito-identity"}


@pytest.mark.catalogue("R04", "R05")
@FUZZ
@given(
    st.sampled_from(["GET", "POST", "PUT", "OPTIONS"]),
    st.dictionaries(st.sampled_from(["x-amz-target", "content-type", "authorization"]), st.text(max_size=60)),
    st.binary(max_size=80),
    st.text(max_size=60),
)
def test_route_only_ever_raises_protocol_error(method: str, headers: dict[str, str], body: bytes, query: str) -> None:
    with contextlib.suppress(ProtocolError):  # anything else escaping fails the test
        route(method, headers, body, query).parse()


HOSTILE = ["<script>alert(1)</script>", "]]>", "a & b", "\x00\x01\x08\x0b\x1f", "\ud800 lone", "\ufffe\uffff", "cr\r\nlf"]


@pytest.mark.catalogue("I02")
@pytest.mark.parametrize("text", HOSTILE)
def test_xml_hostile_strings_never_break_the_document(text: str) -> None:
    iam = query_protocol("iam")
    operation = service_model("iam").operation_model("ListRoleTags")
    wire = iam.serialize_result(operation, {"Tags": [{"Key": text, "Value": text}], "IsTruncated": False}, text)
    root = ElementTree.fromstring(wire.body)  # well-formed whatever the value held
    values = [node.text or "" for node in root.iter() if node.tag.endswith("}Value")]
    legal = "".join(c if c in "\t\n\r" or " " <= c <= "\ud7ff" or "\ue000" <= c <= "\ufffd" else "\ufffd" for c in text)
    assert values == [legal]
    error = iam.serialize_error(WireError("InvalidInput", 400), text, "rid")
    assert ElementTree.fromstring(error.body).find(".//{*}Message").text == legal  # type: ignore[union-attr]


@pytest.mark.parametrize("text", HOSTILE)
def test_json_hostile_strings_stay_valid_json(text: str) -> None:
    import json

    wire = json_protocol().serialize_error(WireError("InvalidParameterException", 400), text, "rid\r\nInjected: yes")
    assert json.loads(wire.body.decode("utf-8"))["__type"] == "InvalidParameterException"
    assert all("\r" not in value and "\n" not in value for _, value in wire.headers)
