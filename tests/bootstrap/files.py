"""Bootstrap files and fragments the bootstrap tests share (a plain module)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "testing" / "idpool.yaml"  # the example app's file, also used by docs/TESTING.md
DEV = "login.myapp.example"


def minimal_pool(name: str, **extra: Any) -> dict[str, Any]:
    return {"name": name, "allow_unauthenticated_identities": False, **extra}


def trust(pool_name: str) -> dict[str, Any]:
    """A trust policy for Cognito web identities of the file's pool ``pool_name``."""
    return {"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"Federated": "cognito-identity.amazonaws.com"},
        "Action": ["sts:AssumeRoleWithWebIdentity", "sts:TagSession"],
        "Condition": {"StringEquals": {"cognito-identity.amazonaws.com:aud": f"{{{{pool:{pool_name}}}}}"}}}]}
