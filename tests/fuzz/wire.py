"""Requests built from the botocore models, mutated on the wire, signed and sent to a server,
and the checks every answer must pass (P05 in tests/catalogue.py).

A plain module: the generated-request tests import it.

* ``serialize``: what botocore's own serializer sends for ``params`` (a valid request).
* ``mutate_json`` / ``mutate_form``: hypothesis strategies that damage such a request the way a
  buggy or hostile client would: members dropped, retyped, duplicated, renamed or renumbered,
  hostile text and numbers, truncated or non-UTF-8 bodies, a mangled target or action.
* ``send``: signs the (possibly damaged) bytes with SigV4 as botocore would (so the request
  gets past authentication and reaches the codecs and handlers) or sends them unsigned.
* ``assert_well_formed``: never a 5xx, never a trace; an error is the service's own AWS error:
  a code its error table names, with that code's status, a message and a request id.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ElementTree
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, urlencode

import httpx
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest, create_request_object, prepare_request_dict
from botocore.credentials import Credentials
from botocore.model import OperationModel
from botocore.parsers import create_parser
from botocore.serialize import create_serializer
from hypothesis import strategies as st

from idpool.pipeline import ERROR_TABLES
from idpool.protocols import service_model
from tests.support import ROOT_KEY, ROOT_SECRET

REGION = "us-east-1"
QUERY_NAMESPACES = {"https://sts.amazonaws.com/doc/2011-06-15/": "sts", "https://iam.amazonaws.com/doc/2010-05-08/": "iam"}
LEAKS = ("Traceback", 'File "', "sqlite3", "psycopg", "idpool/")


@dataclass(frozen=True)
class Wire:
    """One request as bytes on the wire, before signing."""

    service: str
    headers: dict[str, str]
    body: bytes


def serialize(service: str, operation: OperationModel, params: dict[str, Any]) -> Wire:
    """What botocore's serializer sends for ``params`` (its validation off: the server validates)."""
    protocol = service_model(service).metadata["protocol"]
    request_dict = create_serializer(protocol, include_validation=False).serialize_to_request(params, operation)
    prepare_request_dict(request_dict, endpoint_url="http://idpool.test")
    prepared = create_request_object(request_dict).prepare()
    body = prepared.body or b""
    headers = {k: v.decode() if isinstance(v, bytes) else v for k, v in prepared.headers.items()}
    headers.pop("Content-Length", None)
    return Wire(service, headers, body.encode() if isinstance(body, str) else body)


_HTTP = httpx.Client(timeout=30)  # one pool of kept-alive connections: a new client costs more than a call


def send(url: str, wire: Wire, *, signed: bool) -> httpx.Response:
    """POST the request to ``url``, signed by root with SigV4 (over these exact bytes) or not at all."""
    headers = dict(wire.headers)
    if signed:
        request = AWSRequest(method="POST", url=url + "/", data=wire.body, headers=headers)
        SigV4Auth(Credentials(ROOT_KEY, ROOT_SECRET), wire.service, REGION).add_auth(request)
        headers = {k: v.decode() if isinstance(v, bytes) else v for k, v in request.headers.items()}
    return _HTTP.post(url + "/", content=wire.body, headers=headers)


# --- mutations ---------------------------------------------------------------------------------
_TEXT = st.one_of(
    st.text(max_size=40),
    st.sampled_from(["", " ", "\x00", "\r\n", "\x1b[31m", "' OR '1'='1", "%", "_", "*", "${aws:username}",
                     "<x>]]>&", "\ud7ff\ue000\ufffd", "\U0001f600", "us-east-1:", "a" * 3000, "-1", "1e999", "NaN",
                     "true", "null", "2026-13-40T25:61:61Z", "arn:aws:iam::123456789012:role/*"]),
)
_JSON_SCALAR = st.one_of(
    _TEXT, st.booleans(), st.none(), st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=False, allow_infinity=False), st.sampled_from([10**30, -(10**30), 0.5, 1e308]),
)
_JSON_VALUE = st.recursive(
    _JSON_SCALAR, lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(_TEXT, inner, max_size=4)),
    max_leaves=12,
)


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every path to a node of a JSON value (the root is ``()``)."""
    found = [prefix]
    if isinstance(value, dict):
        for key, item in value.items():
            found += _paths(item, prefix + (key,))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found += _paths(item, prefix + (index,))
    return found


def _replace(value: Any, path: tuple[Any, ...], new: Any) -> Any:
    if not path:
        return new
    head, rest = path[0], path[1:]
    if isinstance(value, dict):
        return {**value, head: _replace(value[head], rest, new)}
    return [_replace(item, rest, new) if i == head else item for i, item in enumerate(value)]


def _delete(value: Any, path: tuple[Any, ...]) -> Any:
    head, rest = path[0], path[1:]
    if not rest:
        if isinstance(value, dict):
            return {k: v for k, v in value.items() if k != head}
        return [item for i, item in enumerate(value) if i != head]
    if isinstance(value, dict):
        return {**value, head: _delete(value[head], rest)}
    return [_delete(item, rest) if i == head else item for i, item in enumerate(value)]


@st.composite
def mutate_json(draw: st.DrawFn, wire: Wire) -> Wire:
    """``wire`` (an awsJson1_1 request) damaged in one or two ways."""
    document: Any = json.loads(wire.body or b"{}")
    headers, body = dict(wire.headers), None
    for _ in range(draw(st.integers(1, 2))):
        paths = _paths(document)
        kind = draw(st.sampled_from(["retype", "retype", "delete", "add", "raw", "header"]))
        if kind == "retype":
            document = _replace(document, draw(st.sampled_from(paths)), draw(_JSON_VALUE))
        elif kind == "delete" and len(paths) > 1:
            document = _delete(document, draw(st.sampled_from(paths[1:])))
        elif kind == "add" and isinstance(document, dict):
            document = {**document, draw(_TEXT): draw(_JSON_VALUE)}
        elif kind == "raw":
            text = json.dumps(document).encode()
            cut = draw(st.integers(0, len(text)))
            body = draw(st.sampled_from([text[:cut], text[:cut] + b"\xff\xfe", b"[" * 2000, text + text, b'{"a":1,"a":2}']))
        elif kind == "header":
            name = draw(st.sampled_from(["X-Amz-Target", "Content-Type"]))
            headers[name] = draw(st.sampled_from([
                headers.get(name, "").lower(), headers.get(name, "") + "x", "AWSCognitoIdentityService.", "application/json",
                "text/plain", "AWSCognitoIdentityService.GetId.GetId", "com.amazonaws.cognito.identity.model.",
            ]))
    if body is None:
        body = json.dumps(document).encode()
    return Wire(wire.service, headers, body)


@st.composite
def mutate_form(draw: st.DrawFn, wire: Wire) -> Wire:
    """``wire`` (a Query form) damaged in one or two ways."""
    pairs = parse_qsl(wire.body.decode(), keep_blank_values=True)
    raw: bytes | None = None
    for _ in range(draw(st.integers(1, 2))):
        kind = draw(st.sampled_from(["value", "value", "drop", "duplicate", "renumber", "add", "action", "raw"]))
        index = draw(st.integers(0, max(len(pairs) - 1, 0)))
        if kind == "value" and pairs:
            pairs[index] = (pairs[index][0], draw(_TEXT))
        elif kind == "drop" and pairs:
            del pairs[index]
        elif kind == "duplicate" and pairs:
            pairs.append((pairs[index][0], draw(_TEXT)))
        elif kind == "renumber" and pairs:
            key = pairs[index][0]
            number = draw(st.sampled_from(["0", "-1", "999999999", "1.5", "x", "01", ""]))
            pairs[index] = (key.rsplit(".", 1)[0] + "." + number if "." in key else key + ".member." + number, pairs[index][1])
        elif kind == "add":
            pairs.append((draw(st.sampled_from(["Unknown", "Tags.member.1.Key", "Policy", "X.member.1", draw(_TEXT)])), draw(_TEXT)))
        elif kind == "action":
            name = draw(st.sampled_from(["Action", "Version"]))
            pairs = [(k, v) for k, v in pairs if k != name] + [(name, draw(st.one_of(_TEXT, st.sampled_from(
                ["GetCallerIdentity", "CreateRole", "2011-06-15", "2010-05-08", "2014-06-30"]))))]
        elif kind == "raw":
            raw = draw(st.sampled_from([b"%", b"a=%zz&b=%", b"\xff=\xfe", b"&" * 2000, b"=" * 50, b"Action"]))
    body = raw if raw is not None else urlencode(pairs).encode()
    return Wire(wire.service, dict(wire.headers), body)


# --- what every answer must be -----------------------------------------------------------------
def assert_well_formed(response: httpx.Response, service: str, operation: OperationModel | None = None) -> None:
    """No 5xx, nothing internal; a 2xx that botocore reads (when ``operation`` is given), or an
    error of the answering service's table, with that code's status and a request id."""
    text = response.text
    context = f"{response.status_code} {text[:500]!r}"
    assert response.status_code < 500, context
    assert not any(leak in text for leak in LEAKS), context
    assert response.headers.get("x-amzn-requestid"), context
    if response.status_code < 300:
        if operation is not None:
            protocol = service_model(service).metadata["protocol"]
            parsed = create_parser(protocol).parse(
                {"status_code": response.status_code, "headers": dict(response.headers), "body": response.content},
                operation.output_shape,
            )
            assert "Error" not in parsed, context
        return
    answering, code = _error_of(response, service)
    wire = ERROR_TABLES[answering].for_code(code)  # KeyError: a code the service's table does not name
    assert wire.status == response.status_code, context


def _error_of(response: httpx.Response, service: str) -> tuple[str, str]:
    """(the service whose shape the error is in, its code)."""
    if response.headers.get("content-type", "").startswith("application/x-amz-json"):
        body = response.json()
        assert set(body) == {"__type", "message"} and isinstance(body["message"], str), body
        assert response.headers.get("x-amzn-errortype", "").startswith(body["__type"]), response.headers
        return "cognito-identity", str(body["__type"])
    root = ElementTree.fromstring(response.content)
    namespace = root.tag[1:].split("}", 1)[0]
    assert root.tag.endswith("ErrorResponse") and namespace in QUERY_NAMESPACES, response.text
    code = root.findtext(f"{{{namespace}}}Error/{{{namespace}}}Code")
    message = root.findtext(f"{{{namespace}}}Error/{{{namespace}}}Message")
    assert code and message is not None and root.findtext(f"{{{namespace}}}RequestId"), response.text
    return QUERY_NAMESPACES[namespace], code
