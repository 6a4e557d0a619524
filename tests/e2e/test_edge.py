"""The HTTP edge of a real `idpool serve`: slow clients are cut off, the drain deadline is
answered in AWS's shape, a stop logs one line. Timeouts are set small through IDPOOL_*;
the assertions are on what the client sees (a closed socket, a 408, a 503), with a
generous bound on how long the client waits for it, never on how fast it came."""

from __future__ import annotations

import json
import os
import signal
import socket
import time
from pathlib import Path
from typing import Any

import boto3
import httpx
import pytest

pytestmark = pytest.mark.slow

SLOW_CLIENT_LIMITS = {"IDPOOL_HEADER_TIMEOUT_SECONDS": "1", "IDPOOL_BODY_TIMEOUT_SECONDS": "1"}
WAIT = 20.0  # how long a client waits for the server to act: far above every bound set here
JSON_HEAD = ("POST / HTTP/1.1\r\nHost: idpool\r\nX-Amz-Target: AWSCognitoIdentityService.ListIdentityPools\r\n"
             "Content-Type: application/x-amz-json-1.1\r\nContent-Length: {length}\r\n\r\n")
QUERY_HEAD = ("POST / HTTP/1.1\r\nHost: idpool\r\nContent-Type: application/x-www-form-urlencoded\r\n"
              "Content-Length: {length}\r\n\r\n")


def connect(served: Any) -> socket.socket:
    host, port = served.url.removeprefix("http://").rsplit(":", 1)
    sock = socket.create_connection((host, int(port)), timeout=WAIT)
    return sock


def read_to_eof(sock: socket.socket, deadline: float | None = None) -> bytes:
    """Everything the server sends until it closes; fails if it keeps the socket open past
    ``deadline`` (default: WAIT from now)."""
    data = b""
    deadline = deadline or time.monotonic() + WAIT
    while time.monotonic() < deadline:
        sock.settimeout(max(deadline - time.monotonic(), 0.01))
        try:
            chunk = sock.recv(65536)
        except ConnectionResetError:
            return data
        except TimeoutError:
            break
        if not chunk:
            return data
        data += chunk
    pytest.fail(f"the server kept a slow client's socket open for {WAIT} s")


def dribble_headers_until_closed(sock: socket.socket) -> None:
    """Send a header line every 0.2 s, as a slowloris client does, until the server hangs up."""
    sock.sendall(b"POST / HTTP/1.1\r\nHost: idpool\r\n")
    sock.settimeout(0.2)
    deadline = time.monotonic() + WAIT
    while time.monotonic() < deadline:
        try:
            sock.sendall(b"X-Slow: a\r\n")
            if sock.recv(65536) == b"":
                return
        except TimeoutError:
            continue
        except (BrokenPipeError, ConnectionResetError):
            return
    pytest.fail(f"the server kept a client dribbling headers for {WAIT} s")


def still_serves(served: Any) -> None:
    assert httpx.get(served.url + "/health", timeout=WAIT).json() == {"status": "ok"}
    e = served.exports
    cognito = boto3.client("cognito-identity", endpoint_url=served.url, region_name=e["AWS_REGION"],
                           aws_access_key_id=e["AWS_ACCESS_KEY_ID"], aws_secret_access_key=e["AWS_SECRET_ACCESS_KEY"])
    assert cognito.list_identity_pools(MaxResults=5)["IdentityPools"] == []


def open_descriptors(pid: int) -> int:
    return len(os.listdir(f"/proc/{pid}/fd"))


@pytest.mark.catalogue("R02")
def test_a_client_dribbling_headers_is_cut_off(serve: Any) -> None:
    served = serve(env=SLOW_CLIENT_LIMITS)
    with connect(served) as sock:
        dribble_headers_until_closed(sock)
    still_serves(served)


@pytest.mark.catalogue("R02")
def test_a_client_that_connects_and_sends_nothing_is_cut_off(serve: Any) -> None:
    served = serve(env=SLOW_CLIENT_LIMITS)
    with connect(served) as sock:
        assert read_to_eof(sock) == b""
    still_serves(served)


@pytest.mark.catalogue("R02")
def test_a_client_that_stops_mid_body_gets_a_request_timeout_in_the_json_shape(serve: Any) -> None:
    served = serve(env=SLOW_CLIENT_LIMITS)
    body = b'{"MaxResults": 5}'
    with connect(served) as sock:
        sock.sendall(JSON_HEAD.format(length=len(body)).encode() + body[:6])
        reply = read_to_eof(sock).decode()
    head, _, payload = reply.partition("\r\n\r\n")
    assert head.startswith("HTTP/1.1 408")
    assert "x-amzn-errortype: requesttimeoutexception:" in head.lower()
    assert json.loads(payload)["__type"] == "RequestTimeoutException"  # botocore retries this code
    still_serves(served)
    logged = [json.loads(line) for line in Path(served.log.name).read_text().splitlines() if line.strip()]
    assert any(record.get("status") == 408 and record.get("requestId") for record in logged)


@pytest.mark.catalogue("R02")
def test_a_declared_body_that_never_comes_gets_a_request_timeout_in_the_query_shape(serve: Any) -> None:
    served = serve(env=SLOW_CLIENT_LIMITS)
    with connect(served) as sock:
        sock.sendall(QUERY_HEAD.format(length=64).encode())
        reply = read_to_eof(sock).decode()
    assert reply.startswith("HTTP/1.1 408")
    assert "<Code>RequestTimeout</Code>" in reply
    still_serves(served)


@pytest.mark.catalogue("R02")
def test_descriptors_do_not_grow_after_many_slow_clients(serve: Any) -> None:
    served = serve(env=SLOW_CLIENT_LIMITS)
    still_serves(served)  # warm: the worker threads and their database connections exist
    before = open_descriptors(served.proc.pid)
    socks = [connect(served) for _ in range(300)]
    try:
        for index, sock in enumerate(socks):
            if index % 3 == 0:
                sock.sendall(b"POST / HTTP/1.1\r\nHost: idpool\r\nX-Partial")  # headers never end
            elif index % 3 == 1:
                sock.sendall(QUERY_HEAD.format(length=1000).encode() + b"Action=")  # body never ends
        deadline = time.monotonic() + WAIT  # one bound for all of them
        for sock in socks:
            read_to_eof(sock, deadline)
    finally:
        for sock in socks:
            sock.close()
    still_serves(served)
    # A closed client socket leaves nothing behind; a little slack for the logger and probes.
    assert open_descriptors(served.proc.pid) <= before + 3


@pytest.mark.catalogue("F09")
def test_a_request_still_in_flight_at_the_drain_deadline_gets_service_unavailable(serve: Any) -> None:
    # The body timeout is far past the drain: these requests are still being received at
    # the deadline, as a slow upload would be.
    served = serve(env={"IDPOOL_DRAIN_SECONDS": "2", "IDPOOL_BODY_TIMEOUT_SECONDS": "120"})
    body = b'{"MaxResults": 5}'
    with connect(served) as json_client, connect(served) as query_client:
        json_client.sendall(JSON_HEAD.format(length=len(body)).encode() + body[:4])
        query_client.sendall(QUERY_HEAD.format(length=100).encode() + b"Action=GetCallerIdentity")
        httpx.get(served.url + "/health", timeout=WAIT)  # both requests are in the server by now
        served.proc.send_signal(signal.SIGTERM)
        json_reply = read_to_eof(json_client).decode()
        query_reply = read_to_eof(query_client).decode()
    head, _, payload = json_reply.partition("\r\n\r\n")
    assert head.startswith("HTTP/1.1 503"), json_reply
    assert json.loads(payload)["__type"] == "ServiceUnavailableException"
    assert query_reply.startswith("HTTP/1.1 503"), query_reply
    assert "<Code>ServiceUnavailable</Code>" in query_reply and "text/xml" in query_reply
    assert served.proc.wait(timeout=WAIT) == 0
    log = Path(served.log.name).read_text().splitlines()
    # Every line is JSON; besides per-request lines, a stop leaves exactly one: no uvicorn noise.
    records = [json.loads(line) for line in log if line.strip()]
    others = [record for record in records if "requestId" not in record]
    assert [record.get("event") for record in others] == ["shutdown"], log
    assert others[0]["answeredUnavailable"] == 2
