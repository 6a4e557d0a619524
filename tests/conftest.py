"""Shared fixtures: an idpool server in this process (uvicorn on a loopback port, in a
thread) and boto3 clients pointed at it, as users' code would be. The server and client
helpers themselves are in tests/support.py."""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.config import Config

from idpool.app import build_services
from tests.catalogue import CASES
from tests.support import LiveServer, client, make_settings

pytest_plugins = ["pytester"]  # tests/testing runs pytest sessions that use idpool's own plugin


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """A ``catalogue`` marker names known cases only (tests/catalogue.py), so that
    docs/reliability.md, generated from the markers, lists no case that does not exist."""
    for item in items:
        for mark in item.iter_markers("catalogue"):
            unknown = [case for case in mark.args if case not in CASES]
            if not mark.args or unknown:
                raise pytest.UsageError(f"{item.nodeid}: catalogue marker with unknown or no case ids {unknown}")


@pytest.fixture(scope="session")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    tmp = tmp_path_factory.mktemp("idpool")
    server = LiveServer(lambda port: build_services(make_settings(tmp, port=port, issuer=f"http://127.0.0.1:{port}")))
    server.start()
    yield server
    server.stop()


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
