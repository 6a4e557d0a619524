"""OpenTelemetry tracing (IDPOOL_TRACING=console), against a server of its own: one server span
per call, child of the caller's W3C traceparent, with the outcome; off by default."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.api.servers import cognito_call, server_with

TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736"
PARENT_ID = "00f067aa0ba902b7"


def spans(text: str) -> list[dict[str, Any]]:
    """The JSON objects the console exporter wrote, one after the other."""
    decoder, found, at = json.JSONDecoder(), [], 0
    while (start := text.find("{", at)) != -1:
        span, at = decoder.raw_decode(text, start)
        found.append(span)
    return found


def test_each_call_is_a_server_span_in_the_callers_trace(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with server_with(tmp_path, tracing="console") as live:
        answered = cognito_call(live, "GetId", {"IdentityPoolId": "us-east-1:00000000-0000-0000-0000-000000000000"},
                                traceparent=f"00-{TRACE_ID}-{PARENT_ID}-01")
        assert answered.status_code == 400
    # the server stopped: its spans were flushed
    [span] = [s for s in spans(capsys.readouterr().err) if s.get("name") == "cognito-identity.GetId"]
    assert span["kind"] == "SpanKind.SERVER"
    assert span["context"]["trace_id"] == f"0x{TRACE_ID}" and span["parent_id"] == f"0x{PARENT_ID}"
    assert span["status"]["status_code"] == "ERROR" and span["status"]["description"] == "ResourceNotFoundException"
    assert span["attributes"]["aws.request_id"] == answered.headers["x-amzn-requestid"]
    assert span["attributes"]["rpc.method"] == "GetId" and span["attributes"]["client.address"] == "127.0.0.1"


def test_tracing_is_off_by_default(tmp_path: Path) -> None:
    with server_with(tmp_path) as live:
        assert live.services.observer.tracing is None
