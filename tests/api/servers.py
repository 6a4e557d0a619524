"""Servers of their own, with settings of their own (quotas, audit log, trusted proxies), and
raw unsigned calls for the tests of quotas, metrics and the audit log.

A plain module: tests import from it, never from each other.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import boto3
import httpx
from botocore import UNSIGNED
from botocore.config import Config

from tests.support import LiveServer, make_settings

FROZEN = 1_800_000_000.0  # every call of a test in one quota window, however slow the machine


@contextlib.contextmanager
def server_with(tmp: Path, rate_clock: Callable[[], float] = lambda: FROZEN, **settings: Any) -> Iterator[LiveServer]:
    """An in-process idpool server with ``settings`` (``quotas`` off unless given), its quota
    windows read from ``rate_clock``."""
    from idpool.app import build_services

    live = LiveServer(lambda port: build_services(
        make_settings(tmp, port=port, issuer=f"http://127.0.0.1:{port}", **settings), rate_clock=rate_clock))
    live.start()
    try:
        yield live
    finally:
        live.stop()


def quota_file(tmp: Path, text: str) -> str:
    path = tmp / "quotas.toml"
    path.write_text(text)
    return str(path)


def public(live: LiveServer, retries: int = 1) -> Any:
    """An unsigned Cognito Identity client, as an app in a browser or on a phone is."""
    return boto3.client("cognito-identity", endpoint_url=live.url, region_name="us-east-1",
                        config=Config(signature_version=UNSIGNED,
                                      retries={"mode": "standard", "total_max_attempts": retries}))


def cognito_call(live: LiveServer, operation: str, body: dict[str, Any], **headers: str) -> httpx.Response:
    """An unsigned awsJson1_1 call with extra headers (``X_Forwarded_For="..."``)."""
    sent = {"content-type": "application/x-amz-json-1.1",
            "x-amz-target": f"AWSCognitoIdentityService.{operation}",
            **{name.replace("_", "-").lower(): value for name, value in headers.items()}}
    return httpx.post(live.url + "/", content=json.dumps(body), headers=sent, timeout=30)


def metrics_text(live: LiveServer) -> str:
    response = httpx.get(live.url + "/metrics", timeout=30)
    assert response.status_code == 200, response.text
    return response.text


def sample(text: str, name: str, **labels: str) -> float:
    """The value of one sample of a Prometheus text exposition (0 when it is absent)."""
    from prometheus_client.parser import text_string_to_metric_families

    total = 0.0
    for family in text_string_to_metric_families(text):
        for s in family.samples:
            if s.name == name and all(s.labels.get(k) == v for k, v in labels.items()):
                total += s.value
    return total


def signed_cognito_call(live: LiveServer, operation: str, body: dict[str, Any]) -> httpx.Response:
    """A SigV4-signed awsJson1_1 call with the root keys, also to a public operation (boto3
    never signs those: the model marks them unsigned)."""
    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials

    from tests.support import ROOT_KEY, ROOT_SECRET

    request = AWSRequest("POST", live.url + "/", data=json.dumps(body), headers={
        "content-type": "application/x-amz-json-1.1", "x-amz-target": f"AWSCognitoIdentityService.{operation}"})
    SigV4Auth(Credentials(ROOT_KEY, ROOT_SECRET), "cognito-identity", "us-east-1").add_auth(request)
    return httpx.post(live.url + "/", content=request.body, headers=dict(request.headers.items()), timeout=30)
