"""Clusters of real ``idpool serve`` processes sharing one database, as operators run them.

Every node is its own process with its own (empty) data directory; what makes them
one service is the database URL, the shared ``IDPOOL_MASTER_KEY`` and one ``--issuer``
(the load balancer's URL). Each PostgreSQL test gets a database of its own, created
at the server named by ``IDPOOL_TEST_POSTGRES_URL`` and dropped afterwards. Under
``CI=true`` an unreachable PostgreSQL fails the run; elsewhere those tests skip.

Nodes write stdout and stderr to files in the test's directory (a pipe nobody reads
could fill up and stall a node that logs a lot during an outage); ``Node.log()``
returns what a node logged, for assertions and for failure reports.

Helpers of this suite (a plain module: tests import from it; conftest.py holds only
the fixtures)."""

from __future__ import annotations

import base64
import contextlib
import os
import re
import secrets
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlsplit, urlunsplit

import boto3
import httpx
import jwt
import psycopg
from botocore.config import Config

BIN = Path(sys.executable).parent / "idpool"


# What a load balancer in front of the nodes would be called: every node signs tokens
# with this `iss` and verifies it, whichever port it listens on.
ISSUER = "https://idpool.lb.test"


REGION = "us-east-1"


START_SECONDS = 60.0


T = TypeVar("T")


# --- PostgreSQL -------------------------------------------------------------------------------
@contextlib.contextmanager
def fresh_database(admin_url: str) -> Iterator[str]:
    """A new, empty database on the admin URL's server; its URL. Dropped (connections
    and all) on exit."""
    name = f"idpool_t_{secrets.token_hex(6)}"
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name}")
    try:
        yield with_database(admin_url, name)
    finally:
        with psycopg.connect(admin_url, autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def with_database(url: str, name: str) -> str:
    return urlunsplit(urlsplit(url)._replace(path=f"/{name}"))


def with_port(url: str, port: int) -> str:
    """The same URL, pointed at 127.0.0.1:``port`` (a proxy in front of the server)."""
    parts = urlsplit(url)
    user = parts.netloc.rsplit("@", 1)[0] + "@" if "@" in parts.netloc else ""
    return urlunsplit(parts._replace(netloc=f"{user}127.0.0.1:{port}"))


# --- processes --------------------------------------------------------------------------------
class Node:
    """One ``idpool serve`` process; ``url`` is where it listens."""

    def __init__(self, name: str, workdir: Path, args: Sequence[str], env: dict[str, str]) -> None:
        self.name = name
        self.data_dir = workdir / name
        self.out_path, self.log_path = workdir / f"{name}.stdout", workdir / f"{name}.log"
        with open(self.out_path, "w") as out, open(self.log_path, "w") as err:
            self.proc = subprocess.Popen(
                [str(BIN), "serve", "--port", "0", "--data-dir", str(self.data_dir), *args],
                stdout=out, stderr=err, stdin=subprocess.DEVNULL, text=True, env=env,
            )
        self.pid = self.proc.pid
        self.banner = ""
        self.url = ""

    def wait_banner(self) -> None:
        """Read the banner (the CLI prints it once the store is migrated and the port bound)."""
        deadline = time.monotonic() + START_SECONDS
        while time.monotonic() < deadline:
            text = self.out_path.read_text()
            if re.search(r"^export AWS_REGION=", text, re.M):
                self.banner = text
                match = re.search(r"listening on (http://\S+)", text)
                assert match, text
                self.url = match.group(1)
                return
            if self.proc.poll() is not None:
                raise RuntimeError(f"{self.name} exited {self.proc.returncode}: {self.log()}")
            time.sleep(0.05)
        raise RuntimeError(f"{self.name} printed no banner: {self.log()}")

    def wait_healthy(self, timeout: float = START_SECONDS) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.health() == 200:
                return
            assert self.proc.poll() is None, f"{self.name} exited: {self.log()}"
            time.sleep(0.05)
        raise RuntimeError(f"{self.name} never became healthy: {self.log()}")

    def health(self) -> int | None:
        try:
            return httpx.get(self.url + "/health", timeout=10).status_code
        except httpx.HTTPError:
            return None

    def exports(self) -> dict[str, str]:
        return dict(re.findall(r"^export (\w+)=(\S+)$", self.banner, re.M))

    def root_access_key_id(self) -> str:
        match = re.search(r"^(?:export AWS_ACCESS_KEY_ID=|Root access key )([A-Z0-9]+)", self.banner, re.M)
        assert match, self.banner
        return match.group(1)

    def log(self) -> str:
        return self.log_path.read_text() if self.log_path.exists() else ""

    def jwks(self) -> dict[str, Any]:
        response = httpx.get(self.url + "/.well-known/jwks_uri", timeout=10)
        assert response.status_code == 200, response.text
        return dict(response.json())

    def kill(self) -> None:
        """SIGKILL, as a crash or the OOM killer would (workers are left to die with their pipe)."""
        self.proc.kill()
        self.proc.wait(timeout=30)

    def stop(self) -> None:
        """SIGTERM (uvicorn drains and stops its workers); SIGKILL whatever is left."""
        descendants = child_pids(self.pid)
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=15)
        for pid in descendants:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)


def child_pids(parent: int) -> list[int]:
    """The processes whose parent is ``parent`` (read from /proc, so nothing is added to idpool)."""
    children = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        with contextlib.suppress(OSError):
            stat = (entry / "stat").read_text()
            if int(stat.rsplit(")", 1)[1].split()[1]) == parent:
                children.append(int(entry.name))
    return children


def worker_pids(node: Node) -> set[int]:
    """The worker processes of a ``--workers N`` node: its children started by multiprocessing's
    spawn (its resource tracker is a child too, and is not one)."""
    def is_worker(pid: int) -> bool:
        try:
            return b"spawn_main" in Path(f"/proc/{pid}/cmdline").read_bytes()
        except OSError:
            return False

    return {pid for pid in child_pids(node.pid) if is_worker(pid)}


@dataclass
class RootKeys:
    access_key_id: str
    secret_access_key: str


class Cluster:
    """Nodes on one database sharing one master key and one issuer."""

    def __init__(self, workdir: Path, database_url: str | None) -> None:
        self.workdir = workdir
        self.database_url = database_url
        self.env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "IDPOOL_"))}
        self.env["IDPOOL_MASTER_KEY"] = base64.b64encode(secrets.token_bytes(32)).decode()
        self.env["IDPOOL_LOG_LEVEL"] = "warning"
        self.env["IDPOOL_QUOTAS"] = "off"  # bursts from one address; the quota tests set their own
        self.nodes: list[Node] = []
        self.root: RootKeys | None = None
        self.jwks_at_start: dict[str, dict[str, Any]] = {}  # node name -> its JWKS, for fixtures to fill

    def start(self, count: int = 1, *args: str, issuer: str | None = ISSUER) -> list[Node]:
        """Start ``count`` nodes at once and wait until each is healthy. ``issuer=None``
        leaves each node its default issuer, its own http://127.0.0.1:<port>."""
        db_args = ["--database-url", self.database_url] if self.database_url else []
        issuer_args = ["--issuer", issuer] if issuer else []
        names = [f"node-{chr(ord('a') + len(self.nodes) + i)}" for i in range(count)]
        started = [Node(name, self.workdir, [*db_args, *issuer_args, *args], self.env) for name in names]
        self.nodes += started
        for node in started:
            node.wait_banner()
            self._learn_root(node)
        for node in started:
            node.wait_healthy()
        return started

    def _learn_root(self, node: Node) -> None:
        secret = node.exports().get("AWS_SECRET_ACCESS_KEY")
        if secret is not None:
            assert self.root is None, "root credentials were generated twice"
            self.root = RootKeys(node.root_access_key_id(), secret)

    def client(self, node: Node, service: str = "cognito-identity", **config: Any) -> Any:
        assert self.root is not None, "no node has printed the root credentials"
        keys = self.root
        return connect(node, service, keys.access_key_id, keys.secret_access_key, **config)

    def cli(self, *args: str) -> subprocess.CompletedProcess[str]:
        """``idpool <args>`` against the cluster's database, as an operator runs it."""
        db_args = ["--database-url", self.database_url] if self.database_url else []
        return subprocess.run(
            [str(BIN), *args, *db_args, "--data-dir", str(self.workdir / "cli")],
            env=self.env, capture_output=True, text=True, timeout=60,
        )

    def close(self) -> None:
        for node in self.nodes:
            node.stop()


def connect(node: Node, service: str, key: str, secret: str, token: str | None = None, **config: Any) -> Any:
    settings: dict[str, Any] = {"max_pool_connections": 64, "connect_timeout": 5, "read_timeout": 30}
    settings.update(config)
    return boto3.client(
        service, endpoint_url=node.url, region_name=REGION, aws_access_key_id=key,
        aws_secret_access_key=secret, aws_session_token=token, config=Config(**settings),
    )


# --- clients ------------------------------------------------------------------------------------
NO_RETRIES: dict[str, Any] = {"retries": {"mode": "standard", "total_max_attempts": 1}}  # one attempt, no retry


def together(count: int, call: Callable[[int], T], timeout: float = 120) -> list[T | BaseException]:
    """Run ``call(0..count-1)`` in ``count`` threads released at the same instant; each
    result or the exception it raised, in order."""
    barrier = threading.Barrier(count, timeout=timeout)

    def run(i: int) -> T | BaseException:
        barrier.wait()
        try:
            return call(i)
        except Exception as exc:  # reported to the test, which asserts on it
            return exc

    with ThreadPoolExecutor(count) as pool:
        futures = [pool.submit(run, i) for i in range(count)]
        return [f.result(timeout=timeout) for f in futures]


def verify_with_jwks(node: Node, token: str, pool_id: str) -> dict[str, Any]:
    """Verify ``token`` independently of idpool: PyJWT with the keys ``node`` publishes."""
    key = jwt.PyJWKClient(node.url + "/.well-known/jwks_uri", cache_keys=False).get_signing_key_from_jwt(token)
    return dict(jwt.decode(token, key.key, algorithms=["RS512"], audience=pool_id, issuer=ISSUER))


def new_pool(client: Any, name: str, provider: str = "login.multinode", **extra: Any) -> str:
    settings: dict[str, Any] = {"AllowUnauthenticatedIdentities": False, **extra}
    pool = client.create_identity_pool(IdentityPoolName=name, DeveloperProviderName=provider, **settings)
    return str(pool["IdentityPoolId"])


def all_identities(client: Any, pool_id: str, pages: int = 100) -> list[dict[str, Any]]:
    """Every identity of the pool, following NextToken (at most ``pages`` pages)."""
    found: list[dict[str, Any]] = []
    extra: dict[str, Any] = {}
    for _ in range(pages):
        page = client.list_identities(IdentityPoolId=pool_id, MaxResults=60, **extra)
        found += page["Identities"]
        if not page.get("NextToken"):
            return found
        extra = {"NextToken": page["NextToken"]}
    raise AssertionError(f"more than {pages} pages of identities")


def failures_of(results: Sequence[object], *nodes: Node) -> list[str]:
    """The exceptions among ``results``, described for an assertion message (AWS error code
    and HTTP status when there is one), followed by the tail of each node's log."""
    described = []
    for result in results:
        if isinstance(result, BaseException):
            response = getattr(result, "response", {})
            code = response.get("Error", {}).get("Code")
            status = response.get("ResponseMetadata", {}).get("HTTPStatusCode")
            described.append(f"{type(result).__name__} {code} {status}: {result}")
    if described:
        described += [f"--- {node.name} log ---\n{node.log()[-3000:]}" for node in nodes]
    return described
