"""What the upstream receives through the gateway, and what comes back: the identity
header (never the client's copy, never the credentials), bodies streamed and capped,
answers streamed, an upstream down or slow, CORS, and paths the gateway will not guess at."""

from __future__ import annotations

import hashlib
import http.client
import json
import os
from typing import Any

import httpx
import pytest
from botocore.credentials import Credentials

from idpool import storage
from idpool.auth import PolicyAuthorizer
from idpool.gateway.proxy import Limits
from tests.gateway.support import CONTEXT, AsgiThread, Notes, call, error_of, in_process_gateway, signed
from tests.support import ROOT_KEY, ROOT_SECRET, LiveServer

ROOT = Credentials(ROOT_KEY, ROOT_SECRET)
FORGED = '{"cognitoIdentityId":"us-east-1:00000000-0000-0000-0000-000000000000","userArn":"arn:aws:iam::1:root"}'


def test_a_smuggled_context_header_never_reaches_the_upstream(gateway: AsgiThread, notes: Notes,
                                                              upstream: Any) -> None:
    alice = notes.alice
    url = f"{gateway.url}/prod/notes/{alice.identity_id}"
    # signed along with the request, and added after signing, in two spellings
    response = call("GET", url, alice.credentials, headers={"X-Idpool-Request-Context": FORGED})
    assert response.status_code == 200
    assert upstream[0].last().context["cognitoIdentityId"] == alice.identity_id
    target, headers = signed("GET", url, alice.credentials)
    smuggled = [*headers.items(), ("x-idpool-request-context", FORGED), ("X-IDPOOL-REQUEST-CONTEXT", FORGED)]
    assert httpx.get(target, headers=smuggled).status_code == 200
    seen = upstream[0].last()
    assert seen.header(CONTEXT) == [seen.header(CONTEXT)[0]] and FORGED not in seen.header(CONTEXT)
    assert seen.context["cognitoIdentityId"] == alice.identity_id


def test_credentials_stay_at_the_gateway_and_the_client_is_named(gateway: AsgiThread, notes: Notes,
                                                                upstream: Any) -> None:
    response = call("POST", f"{gateway.url}/prod/notes/{notes.alice.identity_id}", notes.alice.credentials,
                    body=b'{"text": "hello"}', headers={"Content-Type": "application/json",
                                                        "X-Forwarded-For": "203.0.113.9", "Connection": "x-drop-me",
                                                        "X-Drop-Me": "1", "X-Kept": "yes"})
    assert response.status_code == 200
    seen = upstream[0].last()
    names = {name.lower() for name, _ in seen.headers}
    assert not names & {"authorization", "x-amz-security-token", "x-drop-me"}
    assert notes.alice.credentials.token not in str(seen.headers)
    assert seen.header("x-forwarded-for") == ["203.0.113.9, 127.0.0.1"]
    assert seen.header("x-forwarded-proto") == ["http"]
    assert seen.header("x-kept") == ["yes"] and seen.header("content-type") == ["application/json"]
    assert (seen.body_length, seen.body_sha256) == (17, hashlib.sha256(b'{"text": "hello"}').hexdigest())
    assert response.headers["x-amzn-requestid"]


def test_a_large_body_with_its_hash_stated_streams_to_the_upstream(gateway: AsgiThread, notes: Notes,
                                                                  upstream: Any) -> None:
    body = os.urandom(3 * 1024 * 1024)
    response = call("PUT", f"{gateway.url}/prod/notes/{notes.alice.identity_id}/photo", notes.alice.credentials,
                    body=body, state_hash=True)
    assert response.status_code == 200, response.text
    assert (upstream[0].last().body_length, upstream[0].last().body_sha256) == (len(body), hashlib.sha256(body).hexdigest())


def test_a_streamed_body_that_is_not_the_signed_one_never_arrives_whole(gateway: AsgiThread, notes: Notes,
                                                                       upstream: Any) -> None:
    signed_body, sent_body = os.urandom(256 * 1024), os.urandom(256 * 1024)
    url = f"{gateway.url}/prod/notes/{notes.alice.identity_id}/photo"
    target, headers = signed("PUT", url, notes.alice.credentials, body=signed_body, state_hash=True)
    before = len(upstream[0].seen)
    response = httpx.put(target, headers=headers, content=iter([sent_body[:100_000], sent_body[100_000:]]))
    assert error_of(response) == (403, "InvalidSignatureException", {
        "message": "The provided 'x-amz-content-sha256' header does not match what was computed."})
    assert len(upstream[0].seen) == before  # the upstream never completed that request


def test_an_unstated_body_is_checked_whole_before_it_goes_on(gateway: AsgiThread, notes: Notes) -> None:
    url = f"{gateway.url}/prod/notes/{notes.alice.identity_id}"
    target, headers = signed("POST", url, notes.alice.credentials, body=b"signed")
    tampered = httpx.post(target, headers=headers, content=b"sneaky")
    assert error_of(tampered)[:2] == (403, "InvalidSignatureException")


def test_bodies_past_the_cap_are_refused(live: LiveServer, upstream: Any, notes: Notes) -> None:
    small = in_process_gateway(live, upstream[1].url, limits=Limits(max_body_bytes=64 * 1024))
    try:
        url = f"{small.url}/prod/notes/{notes.alice.identity_id}"
        for state_hash in (False, True):
            big = call("POST", url, notes.alice.credentials, body=b"x" * (64 * 1024 + 1), state_hash=state_hash)
            assert error_of(big)[:2] == (413, "RequestTooLargeException")
        target, headers = signed("POST", url, notes.alice.credentials, body=b"y" * 100_000, state_hash=True)
        headers.pop("Content-Length", None)
        chunked = httpx.post(target, headers=headers, content=iter([b"y" * 50_000, b"y" * 50_000]))
        assert error_of(chunked)[:2] == (413, "RequestTooLargeException")
        assert call("POST", url, notes.alice.credentials, body=b"x" * 1000).status_code == 200
    finally:
        small.stop()


def test_the_answer_streams_back_as_the_upstream_sends_it(gateway: AsgiThread, upstream: Any) -> None:
    """The upstream sends its second chunk only after the client has read the first one
    through the gateway: a gateway that buffered answers would never deliver it."""
    service = upstream[0]
    service.release.clear()
    target, headers = signed("GET", f"{gateway.url}/prod/stream", ROOT)
    with httpx.stream("GET", target, headers=headers, timeout=30) as response:
        assert response.status_code == 200
        chunks = response.iter_raw()
        first = next(chunks)
        assert first == b"first;"
        service.release.set()
        assert first + b"".join(chunks) == b"first;second;third"


def test_an_upstream_that_is_down_is_a_502(live: LiveServer, notes: Notes) -> None:
    closed = AsgiThread(lambda scope, receive, send: None)  # a port nobody listens on once closed
    closed.sock.close()
    down = in_process_gateway(live, closed.url)
    try:
        response = call("GET", f"{down.url}/prod/notes/{notes.alice.identity_id}", notes.alice.credentials)
        assert error_of(response) == (502, "IntegrationFailureException", {"message": "Internal server error"})
    finally:
        down.stop()


def test_an_upstream_that_answers_too_late_is_a_504(live: LiveServer, upstream: Any) -> None:
    impatient = in_process_gateway(live, upstream[1].url, limits=Limits(upstream_timeout=0.3))
    try:
        response = call("GET", f"{impatient.url}/prod/slow?seconds=3", ROOT)
        assert error_of(response) == (504, "IntegrationTimeoutException", {"message": "Endpoint request timed out"})
    finally:
        impatient.stop()


def test_preflights_are_answered_for_any_origin_by_default(gateway: AsgiThread) -> None:
    response = httpx.options(f"{gateway.url}/prod/notes/x", headers={
        "Origin": "http://localhost:3000", "Access-Control-Request-Method": "PUT",
        "Access-Control-Request-Headers": "authorization,x-amz-date,x-amz-security-token,x-amz-content-sha256"})
    assert response.status_code == 204
    assert response.headers["access-control-allow-origin"] == "*"
    assert set(response.headers["access-control-allow-headers"].split(",")) == {
        "authorization", "x-amz-date", "x-amz-security-token", "x-amz-content-sha256"}
    assert "PUT" in response.headers["access-control-allow-methods"]
    refused = httpx.get(f"{gateway.url}/prod/notes/x", headers={"Origin": "http://localhost:3000"})
    assert refused.status_code == 403 and refused.headers["access-control-allow-origin"] == "*"


def test_configured_origins_only(live: LiveServer, upstream: Any, notes: Notes) -> None:
    strict = in_process_gateway(live, upstream[1].url, cors=["http://app.test:3000"])
    try:
        ask = {"Access-Control-Request-Method": "GET"}
        ok = httpx.options(f"{strict.url}/prod/x", headers={"Origin": "http://app.test:3000", **ask})
        assert (ok.status_code, ok.headers["access-control-allow-origin"]) == (204, "http://app.test:3000")
        assert "Origin" in ok.headers["vary"]
        other = httpx.options(f"{strict.url}/prod/x", headers={"Origin": "http://evil.test", **ask})
        assert other.status_code == 403 and "access-control-allow-origin" not in other.headers
        answered = call("GET", f"{strict.url}/prod/notes/{notes.alice.identity_id}", notes.alice.credentials,
                        headers={"Origin": "http://app.test:3000"})
        # the upstream's own "*" is replaced by the gateway's decision
        assert answered.headers.get_list("access-control-allow-origin") == ["http://app.test:3000"]
    finally:
        strict.stop()


@pytest.mark.parametrize("path", ["/prod/notes/a/../b", "/prod/notes/a/%2e%2e/b", "/prod/notes//b",
                                  "/prod/notes/a%2Fb", "/prod/notes/%ff", "/prod/./notes"])
def test_ambiguous_paths_are_refused(gateway: AsgiThread, path: str) -> None:
    """Sent byte for byte (http.client; httpx would remove the dot segments) and signed as
    botocore signs them (its canonical URI drops dot and empty segments, as AWS's does)."""
    _, headers = signed("GET", gateway.url + path, ROOT)
    connection = http.client.HTTPConnection("127.0.0.1", gateway.port, timeout=30)
    try:
        connection.request("GET", path, headers=headers)
        answer = connection.getresponse()
        body = json.loads(answer.read())
    finally:
        connection.close()
    assert (answer.status, answer.getheader("x-amzn-errortype")) == (400, "BadRequestException"), (path, body)
    assert body["message"].startswith("The request path")


def test_health_is_the_gateways_own(gateway: AsgiThread) -> None:
    assert httpx.get(f"{gateway.url}/health").status_code == 200


def test_a_body_sent_too_slowly_is_cut_off(live: LiveServer, upstream: Any, notes: Notes) -> None:
    """Half a body, then silence: 408 at the body deadline, in API Gateway's shape."""
    slow = in_process_gateway(live, upstream[1].url, limits=Limits(body_timeout=0.3))
    try:
        path = f"/prod/notes/{notes.alice.identity_id}"
        _, headers = signed("POST", slow.url + path, notes.alice.credentials, body=b"x" * 100)
        connection = http.client.HTTPConnection("127.0.0.1", slow.port, timeout=30)
        try:
            connection.putrequest("POST", path, skip_host=True, skip_accept_encoding=True)
            for name, value in {**headers, "Host": f"127.0.0.1:{slow.port}", "Content-Length": "100"}.items():
                connection.putheader(name, value)
            connection.endheaders(b"x" * 50)  # half of it
            answer = connection.getresponse()
            body = json.loads(answer.read())
        finally:
            connection.close()
        assert (answer.status, answer.getheader("x-amzn-errortype")) == (408, "RequestTimeoutException")
        assert body == {"message": "The request body was not received within 0.3 seconds."}
    finally:
        slow.stop()


def test_a_store_that_cannot_be_reached_is_a_503(live: LiveServer, upstream: Any, notes: Notes) -> None:
    """The caller's role cannot be read: the gateway says so, retryably, and lets nothing through."""
    services = live.services

    class Unreachable:
        def __getattr__(self, name: str) -> Any:
            def unavailable(*args: Any, **kwargs: Any) -> Any:
                raise storage.Unavailable("connection refused")

            return unavailable

    cut_off = in_process_gateway(live, upstream[1].url, authorizer=PolicyAuthorizer(Unreachable(), services.clock))
    try:
        response = call("GET", f"{cut_off.url}/prod/notes/{notes.alice.identity_id}", notes.alice.credentials)
        assert error_of(response) == (503, "ServiceUnavailableException", {"message": "Service Unavailable"})
    finally:
        cut_off.stop()
