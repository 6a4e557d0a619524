"""/health: 503 while starting, 200 once serving, 503 while the database is unreachable."""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn

from idpool import storage
from idpool.app import build_services
from idpool.web.server import create_app
from tests.support import make_settings


@contextlib.contextmanager
def serving(app: Any) -> Iterator[httpx.Client]:
    """The app on a loopback port with its lifespan, as uvicorn runs it for `idpool serve`."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="on"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.01)
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{sock.getsockname()[1]}", timeout=10) as http:
            yield http
    finally:
        server.should_exit = True
        thread.join(10)


def test_health_is_503_until_started_then_200(tmp_path: Path) -> None:
    release = threading.Event()

    def slow_start() -> Any:
        release.wait(10)
        return build_services(make_settings(tmp_path))

    with serving(create_app(starter=slow_start)) as http:
        starting = http.get("/health")
        assert starting.status_code == 503 and starting.json()["status"] == "starting"
        api = http.post("/", content=b"{}", headers={"X-Amz-Target": "AWSCognitoIdentityService.GetId",
                                                     "Content-Type": "application/x-amz-json-1.1"})
        assert api.status_code == 503 and api.json()["__type"] == "ServiceUnavailableException"
        release.set()
        deadline = time.monotonic() + 10
        while http.get("/health").status_code != 200:
            assert time.monotonic() < deadline
            time.sleep(0.02)


def test_health_reports_a_failed_start(tmp_path: Path) -> None:
    def broken() -> Any:
        raise RuntimeError("database refused")

    with serving(create_app(starter=broken)) as http:
        deadline = time.monotonic() + 5
        while (body := http.get("/health").json())["status"] == "starting":
            assert time.monotonic() < deadline
            time.sleep(0.02)
        assert body == {"status": "failed", "error": "RuntimeError: database refused"}


@pytest.mark.catalogue("F03")
def test_health_is_503_while_the_store_is_down(tmp_path: Path, monkeypatch: Any) -> None:
    services = build_services(make_settings(tmp_path))

    def down() -> None:
        raise storage.Unavailable("connection refused")

    with serving(create_app(services)) as http:
        assert http.get("/health").status_code == 200
        monkeypatch.setattr(services.store, "ping", down)
        monkeypatch.setattr("idpool.web.server.HEALTH_PING_SECONDS", 0.0)
        assert http.get("/health").status_code == 503
