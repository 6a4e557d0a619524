"""`idpool serve --database-url memory://` as a user runs it: the root credentials the banner
prints work (the store outlives start-up), nothing is written to disk, nothing survives a
restart, and more than one worker is refused."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import boto3
import pytest

pytestmark = pytest.mark.slow

MASTER_KEY = {"IDPOOL_MASTER_KEY": "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY="}


def cognito(served: Any) -> Any:
    e = served.exports
    return boto3.client("cognito-identity", endpoint_url=served.url, region_name=e["AWS_REGION"],
                        aws_access_key_id=e["AWS_ACCESS_KEY_ID"], aws_secret_access_key=e["AWS_SECRET_ACCESS_KEY"])


def test_a_memory_server_works_with_its_banner_credentials_and_forgets_everything(serve: Any, tmp_path: Path) -> None:
    data = tmp_path / "data"
    first = serve("--database-url", "memory://", env=MASTER_KEY, data_dir=data)
    client = cognito(first)
    pool = client.create_identity_pool(IdentityPoolName="ephemeral", AllowUnauthenticatedIdentities=True)
    assert [p["IdentityPoolId"] for p in client.list_identity_pools(MaxResults=5)["IdentityPools"]] == [
        pool["IdentityPoolId"]]
    assert first.stop() == 0
    assert not data.exists() or list(data.iterdir()) == []  # no database file, no key file

    second = serve("--database-url", "memory://", env=MASTER_KEY, data_dir=data)
    assert second.exports["AWS_ACCESS_KEY_ID"] != first.exports["AWS_ACCESS_KEY_ID"]  # new root, shown again
    assert cognito(second).list_identity_pools(MaxResults=5)["IdentityPools"] == []


def test_a_memory_server_refuses_more_than_one_worker(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "IDPOOL_"))}
    out = subprocess.run(
        [str(Path(sys.executable).parent / "idpool"), "serve", "--port", "0", "--data-dir", str(tmp_path),
         "--database-url", "memory://", "--workers", "2"],
        capture_output=True, text=True, env=env, timeout=60,
    )  # fmt: skip
    assert out.returncode != 0
    assert "--workers must be 1" in out.stderr
