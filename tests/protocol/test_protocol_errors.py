"""Error statuses and shapes: explicit status, observed overrides, the model, AWS's common errors."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ElementTree

import pytest

from wire_helpers import json_protocol, query_protocol

from idpool.protocols.aws_json import OBSERVED_STATUS



@pytest.mark.parametrize(
    ("code", "status"),
    [
        ("NotAuthorizedException", 400),  # observed on the real service (docs/AWS_REFERENCE.md §1)
        ("ResourceNotFoundException", 400),
        ("InternalErrorException", 500),  # the model marks it a server fault
        ("InvalidParameterException", 400),
        ("MissingAuthenticationToken", 403),  # AWS Common Errors
        ("SomethingNew", 400),
    ],
)
def test_json_error_status(code: str, status: int) -> None:
    wire = json_protocol().serialize_error(code, "m", "rid-1")
    assert wire.status == status
    assert json.loads(wire.body) == {"__type": code, "message": "m"}
    assert ("x-amzn-ErrorType", f"{code}:") in wire.headers
    assert ("x-amzn-RequestId", "rid-1") in wire.headers
    assert ("Content-Type", "application/x-amz-json-1.1") in wire.headers


def test_json_explicit_status_wins_and_overrides_are_one_table() -> None:
    assert json_protocol().serialize_error("NotAuthorizedException", "m", "r", status=403).status == 403
    assert OBSERVED_STATUS == {"NotAuthorizedException": 400, "ResourceNotFoundException": 400}


@pytest.mark.parametrize(
    ("service", "code", "status", "kind"),
    [
        ("iam", "NoSuchEntity", 404, "Sender"),
        ("iam", "EntityAlreadyExists", 409, "Sender"),
        ("iam", "ServiceFailure", 500, "Receiver"),
        ("sts", "IDPRejectedClaim", 403, "Sender"),
        ("sts", "ExpiredTokenException", 400, "Sender"),
        ("sts", "InvalidClientTokenId", 403, "Sender"),  # AWS Common Errors
        ("sts", "InternalFailure", 500, "Receiver"),
    ],
)
def test_query_error_status_and_fault(service: str, code: str, status: int, kind: str) -> None:
    wire = query_protocol(service).serialize_error(code, "m", "rid-2")
    assert wire.status == status
    root = ElementTree.fromstring(wire.body)
    namespace = query_protocol(service).model.metadata["xmlNamespace"]
    assert root.tag == f"{{{namespace}}}ErrorResponse"
    found = {child.tag.split("}")[1]: child.text for child in root.find(f"{{{namespace}}}Error")}  # type: ignore[union-attr]
    assert found == {"Type": kind, "Code": code, "Message": "m"}
    assert root.find(f"{{{namespace}}}RequestId").text == "rid-2"  # type: ignore[union-attr]


def test_query_explicit_status_and_fault() -> None:
    wire = query_protocol("sts").serialize_error("AccessDenied", "no", "r", status=403, sender_fault=True)
    assert wire.status == 403 and b"<Type>Sender</Type>" in wire.body
    wire = query_protocol("iam").serialize_error("NoSuchEntity", "m", "r", sender_fault=False)
    assert b"<Type>Receiver</Type>" in wire.body
