"""What the client-library tests share: a pool set up as a developer's app would have it,
a clock the client can jump forward with, and a throttling front for the server.

A plain module: tests import from it, never from each other.
"""

from __future__ import annotations

import datetime as dt
import http.client
import json
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

import boto3

from tests.api.support import ACCOUNT, DEV, allow, name, new_pool, trust_for
from tests.support import ROOT_KEY, ROOT_SECRET, LiveServer, client


@dataclass
class App:
    """An identity pool with a developer provider, guests and the basic flow allowed, and
    its two roles: authenticated users may describe their own pool, guests nothing."""

    pool_id: str
    auth_role: str
    guest_role: str

    def role_arn(self, role: str) -> str:
        return f"arn:aws:iam::{ACCOUNT}:role/{role}"


def new_app(live: LiveServer) -> App:
    cognito, iam = client(live, "cognito-identity"), client(live, "iam")
    pool_id = new_pool(cognito, AllowUnauthenticatedIdentities=True, AllowClassicFlow=True)["IdentityPoolId"]
    auth, guest = name("Auth"), name("Guest")
    iam.create_role(RoleName=auth, AssumeRolePolicyDocument=trust_for(pool_id, "authenticated", tag_session=True))
    iam.create_role(RoleName=guest, AssumeRolePolicyDocument=trust_for(pool_id, "unauthenticated"))
    iam.put_role_policy(RoleName=auth, PolicyName="own-pool", PolicyDocument=allow(
        ["cognito-identity:DescribeIdentityPool"],
        f"arn:aws:cognito-identity:us-east-1:{ACCOUNT}:identitypool/${{cognito-identity.amazonaws.com:aud}}"))
    cognito.set_identity_pool_roles(IdentityPoolId=pool_id, Roles={
        "authenticated": f"arn:aws:iam::{ACCOUNT}:role/{auth}",
        "unauthenticated": f"arn:aws:iam::{ACCOUNT}:role/{guest}"})
    return App(pool_id, auth, guest)


class Backend:
    """The developer's backend as a token supplier: GetOpenIdTokenForDeveloperIdentity for
    one user with the root credentials, counting how often it is asked."""

    def __init__(self, live: LiveServer, pool_id: str, user: str, duration: int = 900) -> None:
        self.cognito = client(live, "cognito-identity")
        self.pool_id, self.user, self.duration = pool_id, user, duration
        self.calls = 0
        self._lock = threading.Lock()

    def __call__(self) -> dict[str, Any]:
        with self._lock:
            self.calls += 1
        answer: dict[str, Any] = self.cognito.get_open_id_token_for_developer_identity(
            IdentityPoolId=self.pool_id, Logins={DEV: self.user}, TokenDuration=self.duration)
        return answer


class JumpClock:
    """The client's clock: real time, or real time plus a jump. The server keeps real
    time, so credentials it issues after the jump would look short-lived to the client:
    ``settle_on`` brings the client's clock back when a given call completes, as if the
    clocks agreed again once the refresh is done."""

    def __init__(self) -> None:
        self.jump = dt.timedelta()

    def __call__(self) -> dt.datetime:
        return dt.datetime.now(dt.UTC) + self.jump

    def forward(self, **delta: float) -> None:
        self.jump = dt.timedelta(**delta)

    def settle_on(self, client: Any, event: str) -> None:
        def settle(**_: Any) -> None:
            self.jump = dt.timedelta()

        client.meta.events.register(event, settle)


def count_calls(client: Any, operation: str) -> list[int]:
    """A one-item list counting the completed calls of ``operation`` on ``client``."""
    service = client.meta.service_model.endpoint_prefix
    count = [0]

    def seen(**_: Any) -> None:
        count[0] += 1

    client.meta.events.register(f"after-call.{service}.{operation}", seen)
    return count


def root_session() -> boto3.session.Session:
    return boto3.session.Session(aws_access_key_id=ROOT_KEY, aws_secret_access_key=ROOT_SECRET,
                                 region_name="us-east-1")


class ThrottlingFront:
    """A real HTTP front for the server that answers the first ``refuse`` requests (all of
    them when ``refuse`` is None) with Cognito's TooManyRequestsException and forwards the
    rest unchanged, as a throttled service would behave."""

    def __init__(self, upstream: str, refuse: int | None) -> None:
        self.refused = 0
        self.forwarded = 0
        front = self
        target = urlsplit(upstream)

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                if refuse is None or front.refused < refuse:
                    front.refused += 1
                    self._answer(400, {"Content-Type": "application/x-amz-json-1.1",
                                       "x-amzn-ErrorType": "TooManyRequestsException:"},
                                 json.dumps({"__type": "TooManyRequestsException", "message": "Rate exceeded"}).encode())
                    return
                front.forwarded += 1
                upstream_conn = http.client.HTTPConnection(target.hostname or "", target.port, timeout=30)
                upstream_conn.request("POST", self.path, body, dict(self.headers))
                reply = upstream_conn.getresponse()
                headers = {k: v for k, v in reply.getheaders() if k.lower() not in ("transfer-encoding", "connection")}
                self._answer(reply.status, headers, reply.read())
                upstream_conn.close()

            def _answer(self, status: int, headers: dict[str, str], body: bytes) -> None:
                self.send_response(status)
                for key, value in headers.items():
                    if key.lower() != "content-length":
                        self.send_header(key, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *_: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


class AppServer:
    """Any ASGI app on a loopback port, in a thread of this process (as LiveServer runs idpool)."""

    def __init__(self, app: Any) -> None:
        import socket

        import uvicorn

        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}"
        self.server = uvicorn.Server(uvicorn.Config(app, lifespan="off", log_level="warning"))
        self.thread = threading.Thread(target=self.server.run, kwargs={"sockets": [self.sock]}, daemon=True)
        self.thread.start()
        deadline = time.monotonic() + 10
        while not self.server.started:
            if time.monotonic() > deadline:
                raise RuntimeError("app server did not start")
            time.sleep(0.01)

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


def load_example(monkeypatch: Any, folder: str, module: str) -> Any:
    """Imports ``examples/<folder>/<module>.py`` as its own script would see its folder."""
    import importlib
    import sys
    from pathlib import Path

    path = Path(__file__).resolve().parents[2] / "examples" / folder
    monkeypatch.syspath_prepend(str(path))
    for name_ in ("app", "users", "limits"):
        monkeypatch.delitem(sys.modules, name_, raising=False)
        # and forget what this import adds under these names once the test is over
        monkeypatch.setitem(sys.modules, name_, None)
        del sys.modules[name_]
    return importlib.import_module(module)


def token_only_keys(live: LiveServer, pool_id: str) -> dict[str, str]:
    """Access keys of a new IAM user allowed GetOpenIdTokenForDeveloperIdentity on the
    pool and nothing else: a least-privileged backend."""
    iam = client(live, "iam")
    backend = name("backend")
    iam.create_user(UserName=backend)
    iam.put_user_policy(UserName=backend, PolicyName="tokens", PolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [{
            "Effect": "Allow", "Action": "cognito-identity:GetOpenIdTokenForDeveloperIdentity",
            "Resource": f"arn:aws:cognito-identity:us-east-1:{ACCOUNT}:identitypool/{pool_id}"}]}))
    key = iam.create_access_key(UserName=backend)["AccessKey"]
    return {"AccessKeyId": key["AccessKeyId"], "SecretAccessKey": key["SecretAccessKey"]}


def session_with(keys: dict[str, str]) -> boto3.session.Session:
    return boto3.session.Session(aws_access_key_id=keys["AccessKeyId"], aws_secret_access_key=keys["SecretAccessKey"])
