"""What the gateway tests share: a real upstream, the gateway in front of it, identities
with a per-identity role policy, and clients that sign requests as frontends do.

- ``Upstream``: a small Starlette service on a loopback port (uvicorn in a thread) that
  answers with what it received, so a test sees exactly what the gateway forwarded.
- ``InProcessGateway``: the gateway's ASGI app (``GatewayApp``) on the live idpool's
  store and keys, served by uvicorn in a thread, as ``idpool gateway`` serves it.
- ``GatewayProcess``: ``idpool gateway`` as a real process.
- ``build_notes``: an identity pool, an authenticated role allowed only its own notes
  (``${cognito-identity.amazonaws.com:sub}`` in the resource), a guest role allowed the
  public pages, and temporary credentials for alice, bob and a guest, all through the
  AWS APIs as an app's admin, backend and frontend would get them.
- ``call``: botocore's ``SigV4Auth`` on an ``AWSRequest``, sent with httpx.

A plain module: tests import from it, never from each other.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import os
import re
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import boto3
import httpx
import uvicorn
from botocore import UNSIGNED
from botocore.auth import SigV4Auth, SigV4QueryAuth
from botocore.awsrequest import AWSRequest
from botocore.config import Config
from botocore.credentials import Credentials
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from idpool.gateway.core import Api, Gateway
from idpool.gateway.cors import Cors
from idpool.gateway.proxy import GatewayApp, Limits
from idpool.web.edge import uvicorn_config
from tests.support import LiveServer, client

REGION = "us-east-1"
ACCOUNT = "123456789012"
DEVELOPER = "login.notes.test"
COGNITO = "cognito-identity.amazonaws.com"
CONTEXT = "x-idpool-request-context"
BIN = Path(sys.executable).parent / "idpool"


# --- serving an ASGI app in this process -------------------------------------------------
class AsgiThread:
    """``app`` served by uvicorn on a free loopback port, in a daemon thread."""

    def __init__(self, app: Any) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        # the edge `idpool serve` and `idpool gateway` run on: no proxy headers trusted
        self.server = uvicorn.Server(uvicorn_config(app, header_timeout=10, drain_seconds=5))
        self.thread = threading.Thread(target=self.server.run, kwargs={"sockets": [self.sock]}, daemon=True)

    def start(self) -> AsgiThread:
        self.thread.start()
        deadline = time.monotonic() + 10
        while not self.server.started:
            if time.monotonic() > deadline:
                raise RuntimeError("server did not start")
            time.sleep(0.01)
        return self

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


# --- the upstream ------------------------------------------------------------------------
@dataclass
class Seen:
    """One request as the upstream received it."""

    method: str
    path: str
    query: str
    headers: list[tuple[str, str]]
    body_sha256: str
    body_length: int

    def header(self, name: str) -> list[str]:
        return [v for k, v in self.headers if k.lower() == name.lower()]

    @property
    def context(self) -> dict[str, Any]:
        values = self.header(CONTEXT)
        assert len(values) == 1, values
        return json.loads(values[0])  # type: ignore[no-any-return]


@dataclass
class Upstream:
    """The service behind the gateway: echoes what it got; ``/slow`` and ``/stream`` misbehave."""

    seen: list[Seen] = field(default_factory=list)
    broken: list[str] = field(default_factory=list)  # requests whose body never arrived whole
    release: threading.Event = field(default_factory=threading.Event)  # lets /stream finish

    def app(self) -> Starlette:
        async def echo(request: Request) -> Response:
            digest, length = hashlib.sha256(), 0
            try:
                async for chunk in request.stream():
                    digest.update(chunk)
                    length += len(chunk)
            except Exception as exc:  # the client (the gateway) broke the request off
                self.broken.append(f"{request.url.path}: {type(exc).__name__}")
                raise
            raw = request.scope.get("raw_path", b"").decode("latin-1")
            self.seen.append(Seen(request.method, raw, request.url.query,
                                  [(k.decode("latin-1"), v.decode("latin-1")) for k, v in request.scope["headers"]],
                                  digest.hexdigest(), length))
            return JSONResponse({"path": raw, "length": length}, headers={"access-control-allow-origin": "*"})

        async def slow(request: Request) -> Response:
            await asyncio.sleep(float(request.query_params.get("seconds", "3")))
            return JSONResponse({"slow": True})

        async def stream(request: Request) -> Response:
            async def chunks() -> Any:
                yield b"first;"
                # the rest only once the test has read the first chunk through the gateway
                await asyncio.get_running_loop().run_in_executor(None, self.release.wait, 20)
                yield b"second;"
                yield b"third"

            return StreamingResponse(chunks(), media_type="text/plain")

        return Starlette(routes=[
            Route("/slow", slow), Route("/stream", stream),
            Route("/{rest:path}", echo, methods=["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]),
        ])

    def last(self) -> Seen:
        assert self.seen, "the upstream received nothing"
        return self.seen[-1]


# --- the gateway in this process -----------------------------------------------------------
def in_process_gateway(live: LiveServer, upstream_url: str, *, cors: Sequence[str] = ("*",),
                       limits: Limits | None = None, authenticator: Any = None, authorizer: Any = None) -> AsgiThread:
    """The gateway app on the live idpool's credentials and policies (its authenticator and
    authorizer, as ``idpool gateway`` builds them over the same store)."""
    services = live.services
    gateway = Gateway(Api(REGION, ACCOUNT), authenticator or services.api.authenticator,
                      authorizer or services.authorizer)
    app = GatewayApp(gateway, upstream_url, cors=Cors(cors), limits=limits or Limits(), healthy=lambda: True)
    return AsgiThread(app).start()


@contextlib.contextmanager
def running_upstream() -> Iterator[tuple[Upstream, AsgiThread]]:
    """The recording upstream, served on a loopback port for the duration."""
    service = Upstream()
    server = AsgiThread(service.app()).start()
    try:
        yield service, server
    finally:
        server.stop()


@contextlib.contextmanager
def running_gateway(live: LiveServer, upstream_url: str) -> Iterator[AsgiThread]:
    """``in_process_gateway`` for the duration."""
    server = in_process_gateway(live, upstream_url)
    try:
        yield server
    finally:
        server.stop()


# --- identities and their credentials -----------------------------------------------------
@dataclass(frozen=True)
class Caller:
    identity_id: str | None
    credentials: Credentials
    token: str | None = None


@dataclass(frozen=True)
class Notes:
    pool_id: str
    auth_role: str
    guest_role: str
    alice: Caller
    bob: Caller
    guest: Caller

    def assumed_arn(self, role: str) -> str:
        return f"arn:aws:sts::{ACCOUNT}:assumed-role/{role}/CognitoIdentityCredentials"


def trust(pool_id: str, amr: str) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"Federated": COGNITO}, "Action": "sts:AssumeRoleWithWebIdentity",
        "Condition": {"StringEquals": {f"{COGNITO}:aud": pool_id},
                      "ForAnyValue:StringLike": {f"{COGNITO}:amr": amr}}}]})


# Each identity may do anything under its own notes, except DELETE (a Deny wins), and read
# the public pages; guests only the public pages.
NOTES_POLICY = json.dumps({"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Action": "execute-api:Invoke", "Resource": [
        f"arn:aws:execute-api:{REGION}:{ACCOUNT}:api/prod/*/notes/${{{COGNITO}:sub}}",
        f"arn:aws:execute-api:{REGION}:{ACCOUNT}:api/prod/*/notes/${{{COGNITO}:sub}}/*",
        f"arn:aws:execute-api:{REGION}:{ACCOUNT}:api/prod/GET/public/*"]},
    {"Effect": "Deny", "Action": "execute-api:Invoke", "Resource": "arn:aws:execute-api:*:*:api/prod/DELETE/*"},
]})
GUEST_POLICY = json.dumps({"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Action": "execute-api:Invoke",
     "Resource": f"arn:aws:execute-api:{REGION}:{ACCOUNT}:api/prod/GET/public/*"}]})


def public_cognito(endpoint: str) -> Any:
    """The frontend's client: no credentials of its own (the public operations go unsigned)."""
    return boto3.client("cognito-identity", endpoint_url=endpoint, region_name=REGION,
                        config=Config(signature_version=UNSIGNED, retries={"max_attempts": 1}))


def credentials_for(endpoint: str, identity_id: str, token: str | None) -> Credentials:
    """GetCredentialsForIdentity, as a frontend calls it (enhanced flow)."""
    logins = {COGNITO: token} if token else {}
    got = public_cognito(endpoint).get_credentials_for_identity(IdentityId=identity_id, Logins=logins)["Credentials"]
    return Credentials(got["AccessKeyId"], got["SecretKey"], got["SessionToken"])


def build_notes(live: LiveServer) -> Notes:
    cognito, iam = client(live, "cognito-identity"), client(live, "iam")
    suffix = uuid.uuid4().hex[:8]
    pool_id = cognito.create_identity_pool(IdentityPoolName=f"notes_{suffix}", AllowUnauthenticatedIdentities=True,
                                           DeveloperProviderName=DEVELOPER)["IdentityPoolId"]
    auth, guest = f"notes-auth-{suffix}", f"notes-guest-{suffix}"
    iam.create_role(RoleName=auth, AssumeRolePolicyDocument=trust(pool_id, "authenticated"))
    iam.create_role(RoleName=guest, AssumeRolePolicyDocument=trust(pool_id, "unauthenticated"))
    iam.put_role_policy(RoleName=auth, PolicyName="own-notes", PolicyDocument=NOTES_POLICY)
    iam.put_role_policy(RoleName=guest, PolicyName="public", PolicyDocument=GUEST_POLICY)
    cognito.set_identity_pool_roles(IdentityPoolId=pool_id, Roles={
        "authenticated": f"arn:aws:iam::{ACCOUNT}:role/{auth}", "unauthenticated": f"arn:aws:iam::{ACCOUNT}:role/{guest}"})

    def developer(user: str) -> Caller:
        issued = cognito.get_open_id_token_for_developer_identity(IdentityPoolId=pool_id, Logins={DEVELOPER: user})
        identity, token = issued["IdentityId"], issued["Token"]
        return Caller(identity, credentials_for(live.url, identity, token), token)

    guest_id = public_cognito(live.url).get_id(IdentityPoolId=pool_id)["IdentityId"]
    return Notes(pool_id, auth, guest, developer("alice"), developer("bob"),
                 Caller(guest_id, credentials_for(live.url, guest_id, None)))


# --- signed calls --------------------------------------------------------------------------
def signed(method: str, url: str, credentials: Credentials, *, body: bytes = b"",
           headers: dict[str, str] | None = None, service: str = "execute-api", state_hash: bool = False,
           region: str = REGION) -> tuple[str, dict[str, str]]:
    """The URL and headers botocore's SigV4Auth signs ``body`` with; ``state_hash`` adds
    X-Amz-Content-SHA256, as the AWS SDKs for JavaScript do."""
    request = AWSRequest(method=method, url=url, data=body, headers=dict(headers or {}))
    if state_hash:
        request.headers["X-Amz-Content-SHA256"] = hashlib.sha256(body).hexdigest()
    SigV4Auth(credentials, service, region).add_auth(request)
    return url, dict(request.headers.items())


def call(method: str, url: str, credentials: Credentials, *, body: bytes = b"",
         headers: dict[str, str] | None = None, **options: Any) -> httpx.Response:
    target, signed_headers = signed(method, url, credentials, body=body, headers=headers, **options)
    return httpx.request(method, target, headers=signed_headers, content=body, timeout=30)


def presigned_url(method: str, url: str, credentials: Credentials, expires: int = 300) -> str:
    request = AWSRequest(method=method, url=url)
    SigV4QueryAuth(credentials, "execute-api", REGION, expires=expires).add_auth(request)
    return str(request.url)


def error_of(response: httpx.Response) -> tuple[int, str | None, dict[str, Any]]:
    return response.status_code, response.headers.get("x-amzn-errortype"), response.json()


# --- idpool gateway as a process -----------------------------------------------------------
class GatewayProcess:
    """``idpool gateway --port 0`` started as a user starts it; its banner says where it listens."""

    def __init__(self, *args: str, env: dict[str, str]) -> None:
        self.log = tempfile.NamedTemporaryFile("w+", prefix="gateway-", suffix=".log", delete=False)  # noqa: SIM115 - closed in stop()
        self.proc = subprocess.Popen([str(BIN), "gateway", "--port", "0", *args], stdout=subprocess.PIPE,
                                     stderr=self.log, text=True, env=env)
        assert self.proc.stdout is not None
        first = self.proc.stdout.readline()
        match = re.search(r"listening on (http://\S+)", first)
        if match is None:
            self.stop()
            raise RuntimeError(f"idpool gateway did not start: {first}{self.logged()}")
        self.url = match.group(1)

    def logged(self) -> str:
        return Path(self.log.name).read_text()

    def stop(self, sig: int = 15) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
        try:
            return self.proc.wait(timeout=30)
        finally:
            if self.proc.stdout:
                self.proc.stdout.close()
            self.log.close()
            Path(self.log.name).unlink(missing_ok=True)


def process_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "IDPOOL_"))}
    env.update(extra)
    return env
