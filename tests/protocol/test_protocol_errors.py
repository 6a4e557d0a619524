"""Error shapes: what a codec writes for a wire error (code, status, fault, request id)."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ElementTree

import pytest
from wire_helpers import json_protocol, query_protocol

from idpool.protocols.wire_errors import WireError


@pytest.mark.parametrize(
    "error", [WireError("NotAuthorizedException", 400), WireError("InternalErrorException", 500, sender_fault=False)]
)
def test_json_error_shape(error: WireError) -> None:
    wire = json_protocol().serialize_error(error, "m", "rid-1")
    assert wire.status == error.status
    assert json.loads(wire.body) == {"__type": error.code, "message": "m"}
    assert ("x-amzn-ErrorType", f"{error.code}:") in wire.headers
    assert ("x-amzn-RequestId", "rid-1") in wire.headers
    assert ("Content-Type", "application/x-amz-json-1.1") in wire.headers


@pytest.mark.parametrize(
    ("service", "error", "kind"),
    [
        ("iam", WireError("NoSuchEntity", 404), "Sender"),
        ("iam", WireError("ServiceFailure", 500, sender_fault=False), "Receiver"),
        ("sts", WireError("AccessDenied", 403), "Sender"),
    ],
)
def test_query_error_shape(service: str, error: WireError, kind: str) -> None:
    wire = query_protocol(service).serialize_error(error, "m", "rid-2")
    assert wire.status == error.status
    root = ElementTree.fromstring(wire.body)
    namespace = query_protocol(service).model.metadata["xmlNamespace"]
    assert root.tag == f"{{{namespace}}}ErrorResponse"
    found = {child.tag.split("}")[1]: child.text for child in root.find(f"{{{namespace}}}Error")}  # type: ignore[union-attr]
    assert found == {"Type": kind, "Code": error.code, "Message": "m"}
    assert root.find(f"{{{namespace}}}RequestId").text == "rid-2"  # type: ignore[union-attr]
