"""What every suite shares: an idpool server in this process and boto3 clients for it.

A plain module: tests and conftests import from it, never from each other.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import boto3
from botocore.config import Config

from idpool.app import Services
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

    def start(self) -> LiveServer:
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
        quotas="off",  # tests call faster than one client would; the quota tests set their own
    )
    values.update(extra)
    return Settings(**values).validate()


def client(live: LiveServer, service: str, *, key: str = ROOT_KEY, secret: str = ROOT_SECRET,
           token: str | None = None, region: str = "us-east-1") -> Any:
    return boto3.client(
        service, endpoint_url=live.url, region_name=region,
        aws_access_key_id=key, aws_secret_access_key=secret, aws_session_token=token,
        config=Config(retries={"max_attempts": 1}),
    )
