"""Shared fixtures: an idpool server in this process (uvicorn on a loopback port, in a
thread) and boto3 clients pointed at it, as users' code would be."""

from __future__ import annotations

import os
import socket
import threading
import time
from pathlib import Path
from typing import Any, Callable, Iterator

import boto3
import pytest
from botocore.config import Config

from idpool.app import Services, build_services
from idpool.settings import Settings

ROOT_KEY = "AKIAIDPOOLTESTROOT01"
ROOT_SECRET = "test-root-secret-0123456789abcdefghijklmn"


class LiveServer:
    def __init__(self, make_services: Callable[[int], Services]) -> None:
        import uvicorn

        from idpool.web.edge import uvicorn_config
        from idpool.web.server import create_app

        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self.services = make_services(self.port)
        # the same edge as `idpool serve` (header and body deadlines), default limits
        config = uvicorn_config(create_app(self.services), header_timeout=10, drain_seconds=30, lifespan="off")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, kwargs={"sockets": [self.sock]}, daemon=True)

    def start(self) -> "LiveServer":
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
        self.services.close()


def make_settings(tmp: Path, port: int = 8740, **extra: Any) -> Settings:
    values: dict[str, Any] = dict(
        data_dir=tmp, region="us-east-1", account_id="123456789012", port=port,
        root_access_key_id=ROOT_KEY, root_secret_access_key=ROOT_SECRET,
        master_key="MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=",
    )
    values.update(extra)
    return Settings(**values).validate()


@pytest.fixture(scope="session")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    tmp = tmp_path_factory.mktemp("idpool")
    server = LiveServer(lambda port: build_services(make_settings(tmp, port=port, issuer=f"http://127.0.0.1:{port}")))
    server.start()
    yield server
    server.stop()


def client(live: LiveServer, service: str, *, key: str = ROOT_KEY, secret: str = ROOT_SECRET,
           token: str | None = None, region: str = "us-east-1") -> Any:
    return boto3.client(
        service, endpoint_url=live.url, region_name=region,
        aws_access_key_id=key, aws_secret_access_key=secret, aws_session_token=token,
        config=Config(retries={"max_attempts": 1}),
    )


@pytest.fixture
def cognito(live: LiveServer) -> Any:
    return client(live, "cognito-identity")


@pytest.fixture
def public_cognito(live: LiveServer) -> Any:
    """A client with no credentials at all: public operations are sent unsigned."""
    from botocore import UNSIGNED

    return boto3.client("cognito-identity", endpoint_url=live.url, region_name="us-east-1",
                        config=Config(signature_version=UNSIGNED, retries={"max_attempts": 1}))


@pytest.fixture(scope="session")
def postgres_admin_url() -> str:
    """The PostgreSQL server the tests may create schemas and databases on. Under CI=true an
    unreachable server fails the run: the PostgreSQL backend is never silently untested."""
    import psycopg

    url = os.environ.get("IDPOOL_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")
    try:
        with psycopg.connect(url, connect_timeout=3) as conn:
            conn.execute("SELECT 1")
    except psycopg.Error as exc:
        reason = f"PostgreSQL at IDPOOL_TEST_POSTGRES_URL is unreachable ({type(exc).__name__})"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"{reason}; under CI=true the PostgreSQL tests must run")
        pytest.skip(reason)
    return url


@pytest.fixture(autouse=True)
def _no_ambient_aws(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests never pick up the developer's own AWS configuration."""
    for name in list(os.environ):
        if name.startswith("AWS_"):
            monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", "/nonexistent")
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent")
