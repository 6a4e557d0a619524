"""What every suite shares: an idpool server in this process and boto3 clients for it.

A plain module: tests and conftests import from it, never from each other.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import boto3
from botocore.config import Config

from idpool.app import Services
from idpool.settings import Settings
from idpool.web.threaded import ThreadedServer

ROOT_KEY = "AKIAIDPOOLTESTROOT01"
ROOT_SECRET = "test-root-secret-0123456789abcdefghijklmn"


class LiveServer(ThreadedServer):
    """idpool in a thread of the test process, with ``idpool serve``'s drain deadline (30 s)."""

    def __init__(self, make_services: Callable[[int], Services]) -> None:
        super().__init__(make_services, drain_seconds=30)


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
