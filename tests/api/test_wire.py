"""The wire as raw HTTP clients meet it: malformed input, auth failures, CORS."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import httpx
import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from botocore.exceptions import ClientError

from idpool.app import build_services
from tests.support import ROOT_KEY, ROOT_SECRET, LiveServer, client, make_settings

TARGET = "AWSCognitoIdentityService."
JSON = "application/x-amz-json-1.1"


def signed(live: Any, op: str, body: bytes, *, key: str = ROOT_KEY, secret: str = ROOT_SECRET,
           target_prefix: str = TARGET, when: dt.datetime | None = None) -> httpx.Response:
    request = AWSRequest(method="POST", url=live.url + "/", data=body,
                         headers={"X-Amz-Target": target_prefix + op, "Content-Type": JSON})
    auth = SigV4Auth(Credentials(key, secret), "cognito-identity", "us-east-1")
    if when is None:
        auth.add_auth(request)
    else:
        request.context["timestamp"] = when.strftime("%Y%m%dT%H%M%SZ")
        auth._modify_request_before_signing(request)
        canonical = auth.canonical_request(request)
        string_to_sign = auth.string_to_sign(request, canonical)
        signature = auth.signature(string_to_sign, request)
        auth._inject_signature_to_request(request, signature)
    return httpx.post(live.url + "/", content=body, headers=dict(request.headers.items()), timeout=10)


def error_of(response: httpx.Response) -> tuple[int, str, str]:
    doc = response.json()
    return response.status_code, doc["__type"], doc["message"]


def test_long_form_target_is_accepted(live: Any) -> None:
    response = signed(live, "ListIdentityPools", b'{"MaxResults": 5}',
                      target_prefix="com.amazonaws.cognito.identity.model.AWSCognitoIdentityService.")
    assert response.status_code == 200 and "IdentityPools" in response.json()
    assert response.headers["x-amzn-requestid"]


@pytest.mark.catalogue("R04")
@pytest.mark.parametrize("body", [b"{not json", b"[1,2]", b'{"MaxResults": NaN}', b"\xff\xfe", b'{"a":' * 2000])
def test_malformed_json_is_a_serialization_error(live: Any, body: bytes) -> None:
    response = signed(live, "ListIdentityPools", body)
    status, code, _ = error_of(response)
    assert 400 <= status < 500 and code == "SerializationException"


def test_unknown_operation(live: Any) -> None:
    status, code, _ = error_of(signed(live, "FlyToTheMoon", b"{}"))
    assert status == 400 and code == "UnknownOperationException"


@pytest.mark.catalogue("R03")
def test_oversized_body_plain_and_chunked(live: Any) -> None:
    big = b'{"MaxResults": 5, "x": "' + b"a" * (2 * 1024 * 1024) + b'"}'
    response = httpx.post(live.url + "/", content=big, headers={"X-Amz-Target": TARGET + "GetId", "Content-Type": JSON})
    assert response.status_code == 413 and response.json()["__type"]

    def chunks() -> Any:
        for _ in range(40):
            yield b"a" * 65536

    response = httpx.post(live.url + "/", content=chunks(), headers={"X-Amz-Target": TARGET + "GetId",
                                                                     "Content-Type": JSON})
    assert response.status_code == 413


@pytest.mark.catalogue("S01")
def test_unsigned_call_to_a_signed_operation(live: Any) -> None:
    response = httpx.post(live.url + "/", content=b'{"MaxResults": 5}',
                          headers={"X-Amz-Target": TARGET + "ListIdentityPools", "Content-Type": JSON})
    status, code, _ = error_of(response)
    assert status == 400 and code == "MissingAuthenticationTokenException"  # Coral JSON answers 400


@pytest.mark.catalogue("S02", "S03")
def test_unknown_key_and_wrong_secret(live: Any) -> None:
    status, code, _ = error_of(signed(live, "ListIdentityPools", b'{"MaxResults": 5}', key="AKIAUNKNOWNKEY000000"))
    assert status == 400 and code == "UnrecognizedClientException"
    status, code, _ = error_of(signed(live, "ListIdentityPools", b'{"MaxResults": 5}', secret="wrong" * 8))
    assert status == 400 and code == "InvalidSignatureException"


@pytest.mark.catalogue("S04")
def test_clock_skew_window(live: Any) -> None:
    now = dt.datetime.now(dt.UTC)
    ok = signed(live, "ListIdentityPools", b'{"MaxResults": 5}', when=now - dt.timedelta(minutes=4))
    assert ok.status_code == 200
    stale = signed(live, "ListIdentityPools", b'{"MaxResults": 5}', when=now - dt.timedelta(minutes=6))
    assert stale.status_code in (400, 403) and stale.json()["__type"] == "InvalidSignatureException"
    future = signed(live, "ListIdentityPools", b'{"MaxResults": 5}', when=now + dt.timedelta(minutes=6))
    assert future.status_code in (400, 403)


@pytest.mark.catalogue("S03")
def test_boto3_with_wrong_secret_raises_its_usual_error(live: Any) -> None:
    bad = client(live, "cognito-identity", secret="not-the-secret-at-all-000000000000000000")
    with pytest.raises(ClientError) as exc:
        bad.list_identity_pools(MaxResults=1)
    assert exc.value.response["Error"]["Code"] == "InvalidSignatureException"


@pytest.mark.catalogue("P03")
def test_cors_preflight_and_headers_on_errors(live: Any) -> None:
    pre = httpx.options(live.url + "/", headers={
        "Origin": "http://app.example", "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "authorization,content-type,x-amz-target,x-amz-date,x-amz-user-agent"})
    assert pre.status_code == 200
    assert pre.headers["access-control-allow-origin"] == "*"
    allowed = {h.strip() for h in pre.headers["access-control-allow-headers"].split(",")}
    assert {"authorization", "x-amz-target", "content-type"} <= allowed
    assert "POST" in pre.headers["access-control-allow-methods"]
    err = httpx.post(live.url + "/", content=b"{}", headers={"Origin": "http://app.example",
                                                            "X-Amz-Target": TARGET + "ListIdentityPools",
                                                            "Content-Type": JSON})
    assert err.status_code == 400
    assert err.headers["access-control-allow-origin"] == "*"
    assert "x-amzn-RequestId" in err.headers["access-control-expose-headers"]


@pytest.mark.catalogue("K03")
def test_health_and_discovery(live: Any) -> None:
    assert httpx.get(live.url + "/health").status_code == 200
    jwks = httpx.get(live.url + "/.well-known/jwks_uri").json()
    assert jwks["keys"] and all(k["alg"] == "RS512" and "d" not in k for k in jwks["keys"])


@pytest.mark.catalogue("R04")
def test_no_stack_trace_ever(live: Any) -> None:
    for body in (b"", b"{}", b'{"IdentityPoolId": 5}', b'{"IdentityPoolId": {"a": 1}}'):
        response = signed(live, "DescribeIdentityPool", body)
        assert response.status_code < 500
        assert "Traceback" not in response.text and "File \"" not in response.text
        json.loads(response.text)


@pytest.mark.catalogue("S04")
def test_clock_skew_is_configurable(tmp_path: Path) -> None:
    server = LiveServer(lambda port: build_services(make_settings(tmp_path, port=port, clock_skew_seconds=60))).start()
    try:
        now = dt.datetime.now(dt.UTC)
        fresh = signed(server, "ListIdentityPools", b'{"MaxResults": 5}', when=now - dt.timedelta(seconds=30))
        assert fresh.status_code == 200
        stale = signed(server, "ListIdentityPools", b'{"MaxResults": 5}', when=now - dt.timedelta(minutes=2))
        assert stale.json()["__type"] == "InvalidSignatureException"
    finally:
        server.stop()


def test_wrong_content_type_is_an_aws_error(live: Any) -> None:
    response = httpx.post(live.url + "/", content=b"{}", headers={"X-Amz-Target": TARGET + "GetId",
                                                                 "Content-Type": "text/plain"})
    status, code, _ = error_of(response)
    assert status == 400 and code == "UnknownOperationException"
