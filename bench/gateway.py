"""How much `idpool gateway` adds to a request: a benchmark, not a test.

    python bench/gateway.py [--requests 2000] [--concurrency 16] [--seconds 5]

Starts, as real processes on loopback: `idpool serve` (a fresh SQLite data dir), a tiny
upstream (uvicorn, one route answering 2 bytes) and `idpool gateway` in front of it. Sets up
what a frontend has (an identity pool, a role whose policy allows its own notes, temporary
credentials from GetCredentialsForIdentity) and then measures, with one kept-alive httpx
client:

1. the check alone, in this process, on the same store: ``Gateway.check`` of a signed
   request (SigV4 verification with the sealed session token, then policy evaluation with
   the role read from SQLite), p50 and p99;
   and the whole gateway app (``GatewayApp``: ASGI in, httpx out) against a mocked
   upstream, as CPU time per request: what the gateway itself costs, whatever the load;
2. latency, one request at a time: upstream directly vs through the gateway (the same
   signed request, replayed: SigV4 accepts replays within its 5 minutes, so the client's
   own signing is not counted), p50 and p99, and the p50 overhead;
3. throughput through the gateway with ``--concurrency`` clients for ``--seconds``.

Prints a Markdown table for docs/GATEWAY.md. ``BENCH_LOG_LEVEL=info`` keeps the processes'
request logs (in the temporary folder, removed after a successful run).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import boto3
import httpx
from botocore import UNSIGNED
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.config import Config
from botocore.credentials import Credentials

BIN = Path(sys.executable).parent / "idpool"
ROOT = ("AKIABENCHROOT0000001", "bench-root-secret-0123456789abcdefghijkl")
MASTER_KEY = "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY="
ACCOUNT, REGION, DEVELOPER = "123456789012", "us-east-1", "login.bench"
UPSTREAM = """
async def app(scope, receive, send):
    if scope["type"] != "http":
        return
    await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"text/plain")]})
    await send({"type": "http.response.body", "body": b"ok"})
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def env() -> dict[str, str]:
    values = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "IDPOOL_"))}
    values.update(IDPOOL_ROOT_ACCESS_KEY_ID=ROOT[0], IDPOOL_ROOT_SECRET_ACCESS_KEY=ROOT[1], IDPOOL_MASTER_KEY=MASTER_KEY,
                  IDPOOL_ACCOUNT_ID=ACCOUNT, IDPOOL_LOG_LEVEL=os.environ.get("BENCH_LOG_LEVEL", "warning"))
    return values


def start(args: list[str], workdir: Path) -> tuple[subprocess.Popen[str], str]:
    with open(workdir / f"{args[1]}.log", "w") as log:  # the child keeps its own descriptor
        proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=log, text=True, env=env(), cwd=workdir)
    assert proc.stdout is not None
    line = proc.stdout.readline()
    found = re.search(r"listening on (http://\S+)", line)
    if found is None:
        proc.kill()
        raise RuntimeError(f"{args[:2]} did not start: {line!r}")
    threading.Thread(target=proc.stdout.read, daemon=True).start()  # drain the rest of the banner
    return proc, found.group(1)


def wait_for(url: str) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            httpx.get(url, timeout=1)
            return
        except httpx.HTTPError:
            time.sleep(0.05)
    raise RuntimeError(f"{url} never answered")


def frontend_credentials(endpoint: str) -> tuple[str, Credentials]:
    def aws(service: str) -> Any:
        return boto3.client(service, endpoint_url=endpoint, region_name=REGION, aws_access_key_id=ROOT[0],
                            aws_secret_access_key=ROOT[1])

    cognito, iam = aws("cognito-identity"), aws("iam")
    pool = cognito.create_identity_pool(IdentityPoolName="bench", AllowUnauthenticatedIdentities=False,
                                        DeveloperProviderName=DEVELOPER)["IdentityPoolId"]
    cognito_key = "cognito-identity.amazonaws.com"
    iam.create_role(RoleName="bench", AssumeRolePolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"Federated": cognito_key}, "Action": "sts:AssumeRoleWithWebIdentity",
        "Condition": {"StringEquals": {f"{cognito_key}:aud": pool}}}]}))
    iam.put_role_policy(RoleName="bench", PolicyName="notes", PolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Action": "execute-api:Invoke",
             "Resource": f"arn:aws:execute-api:*:*:api/prod/*/notes/${{{cognito_key}:sub}}"},
            {"Effect": "Deny", "Action": "execute-api:Invoke", "Resource": "arn:aws:execute-api:*:*:api/prod/DELETE/*"}]}))
    cognito.set_identity_pool_roles(IdentityPoolId=pool, Roles={"authenticated": f"arn:aws:iam::{ACCOUNT}:role/bench"})
    issued = cognito.get_open_id_token_for_developer_identity(IdentityPoolId=pool, Logins={DEVELOPER: "alice"})
    public = boto3.client("cognito-identity", endpoint_url=endpoint, region_name=REGION,
                          config=Config(signature_version=UNSIGNED))
    got = public.get_credentials_for_identity(IdentityId=issued["IdentityId"],
                                              Logins={cognito_key: issued["Token"]})["Credentials"]
    return issued["IdentityId"], Credentials(got["AccessKeyId"], got["SecretKey"], got["SessionToken"])


def signed_headers(url: str, credentials: Credentials) -> dict[str, str]:
    request = AWSRequest(method="GET", url=url)
    SigV4Auth(credentials, "execute-api", REGION).add_auth(request)
    return dict(request.headers.items())


def percentiles(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    return statistics.median(ordered), ordered[int(len(ordered) * 0.99) - 1]


def timed(client: httpx.Client, url: str, headers: dict[str, str], n: int) -> list[float]:
    samples = []
    for _ in range(n // 10):  # warm up the connection and both servers
        client.get(url, headers=headers)
    for _ in range(n):
        began = time.perf_counter()
        response = client.get(url, headers=headers)
        samples.append((time.perf_counter() - began) * 1000)
        assert response.status_code == 200, response.text
    return samples


def check_alone(data_dir: Path, identity: str, credentials: Credentials, gateway_url: str, n: int) -> list[float]:
    """Gateway.check in this process, on the same SQLite store the processes use."""
    from idpool.gateway import Inbound, connect
    from idpool.settings import from_env

    os.environ.update({k: v for k, v in env().items() if k.startswith("IDPOOL_")})
    gateway, store = connect(settings=from_env(data_dir=data_dir))
    url = f"{gateway_url}/prod/notes/{identity}"
    headers = signed_headers(url, credentials)
    headers["Host"] = httpx.URL(url).netloc.decode()
    inbound = Inbound("GET", f"/prod/notes/{identity}", "", list(headers.items()), b"", source_ip="127.0.0.1")
    samples = []
    try:
        for _ in range(n):
            began = time.perf_counter()
            decision = gateway.check(inbound)
            samples.append((time.perf_counter() - began) * 1000)
            assert getattr(decision, "path", None) == f"/notes/{identity}", decision
    finally:
        store.close()
    return samples


def app_alone(data_dir: Path, identity: str, credentials: Credentials, n: int) -> float:
    """CPU milliseconds per request of GatewayApp in this process, the upstream mocked."""
    import asyncio

    from idpool.gateway.cors import Cors
    from idpool.gateway.proxy import GatewayApp, Limits
    from idpool.gateway.server import gateway_over
    from idpool.settings import from_env
    from idpool.storage.open import open_store

    settings = from_env(data_dir=data_dir)
    store = open_store(settings.database_url, data_dir, migrate=False)
    mock = httpx.MockTransport(lambda request: httpx.Response(200, stream=httpx.ByteStream(b"ok")))
    app = GatewayApp(gateway_over(settings, store, "api", "prod"), "http://upstream.test", cors=Cors(["*"]),
                     limits=Limits(), healthy=lambda: True, transport=mock)
    path = f"/prod/notes/{identity}"
    headers = signed_headers(f"http://gateway.test{path}", credentials)
    raw = [(k.lower().encode(), v.encode()) for k, v in headers.items()] + [(b"host", b"gateway.test")]
    scope = {"type": "http", "method": "GET", "path": path, "raw_path": path.encode(), "query_string": b"",
             "headers": raw, "client": ("127.0.0.1", 40000), "scheme": "http"}

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def run() -> float:
        statuses: list[int] = []

        async def send(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                statuses.append(message["status"])

        for _ in range(n // 10):
            await app(scope, receive, send)
        began = time.process_time()
        for _ in range(n):
            await app(scope, receive, send)
        spent = time.process_time() - began
        await app.aclose()
        assert set(statuses) == {200}, set(statuses)
        return spent * 1000 / n

    try:
        return asyncio.run(run())
    finally:
        store.close()


def throughput(url: str, headers: dict[str, str], concurrency: int, seconds: float) -> float:
    done = [0] * concurrency
    stop = time.monotonic() + seconds

    def worker(index: int) -> None:
        with httpx.Client() as client:
            while time.monotonic() < stop:
                assert client.get(url, headers=headers).status_code == 200
                done[index] += 1

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(concurrency)]
    began = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sum(done) / (time.monotonic() - began)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--seconds", type=float, default=5.0)
    options = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="idpool-bench-"))
    (work / "upstream.py").write_text(UPSTREAM)
    data = work / "data"
    procs: list[subprocess.Popen[Any]] = []
    try:
        serve, endpoint = start([str(BIN), "serve", "--port", "0", "--data-dir", str(data)], work)
        procs.append(serve)
        wait_for(f"{endpoint}/health")
        upstream_port = free_port()
        procs.append(subprocess.Popen([sys.executable, "-m", "uvicorn", "upstream:app", "--port", str(upstream_port),
                                       "--log-level", "warning", "--no-access-log"], cwd=work, env=env()))
        upstream = f"http://127.0.0.1:{upstream_port}"
        wait_for(upstream)
        gateway, gateway_url = start([str(BIN), "gateway", "--port", "0", "--data-dir", str(data),
                                      "--upstream", upstream], work)
        procs.append(gateway)
        identity, credentials = frontend_credentials(endpoint)

        alone = check_alone(data, identity, credentials, gateway_url, options.requests)
        app_cpu = app_alone(data, identity, credentials, options.requests)
        through_url = f"{gateway_url}/prod/notes/{identity}"
        headers = signed_headers(through_url, credentials)
        with httpx.Client() as client:
            direct = timed(client, f"{upstream}/notes/{identity}", {}, options.requests)
            through = timed(client, through_url, headers, options.requests)
        rate = throughput(through_url, headers, options.concurrency, options.seconds)
        direct_rate = throughput(f"{upstream}/notes/{identity}", {}, options.concurrency, options.seconds)
    finally:
        for proc in reversed(procs):
            proc.send_signal(signal.SIGTERM)
            proc.wait(timeout=30)
    shutil.rmtree(work)  # kept when a step failed: its logs (serve.log, gateway.log) say why

    rows = [("Gateway.check alone (SigV4 + policy, role read from SQLite)", *percentiles(alone)),
            ("upstream directly", *percentiles(direct)), ("through idpool gateway", *percentiles(through))]
    print(f"{options.requests} sequential requests per row, one kept-alive client; Python {platform.python_version()}, "
          f"{os.cpu_count()} CPUs, {platform.machine()}\n")
    print("| measured | p50 (ms) | p99 (ms) |\n|---|---|---|")
    for name, p50, p99 in rows:
        print(f"| {name} | {p50:.3f} | {p99:.3f} |")
    print(f"\nCPU per request of the whole gateway app (ASGI in, httpx out; upstream mocked): {app_cpu:.3f} ms")
    print(f"p50 overhead of the gateway: {percentiles(through)[0] - percentiles(direct)[0]:.3f} ms")
    print(f"throughput, {options.concurrency} clients for {options.seconds:g} s: {rate:.0f} req/s through the gateway, "
          f"{direct_rate:.0f} req/s to the upstream directly")


if __name__ == "__main__":
    main()
