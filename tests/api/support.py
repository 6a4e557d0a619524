"""What the API tests share: pools, roles, names and the clients they call as.

A plain module (not a test module, not a conftest): tests import from it, never from
each other.
"""

from __future__ import annotations

import base64
import json
import uuid
from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.support import client

ACCOUNT = "123456789012"
DEV = "login.example.app"
COGNITO = "cognito-identity.amazonaws.com"


def new_pool(cognito: Any, **extra: Any) -> dict[str, Any]:
    params: dict[str, Any] = {
        "IdentityPoolName": f"app_{uuid.uuid4().hex[:8]}",
        "AllowUnauthenticatedIdentities": False,
        "DeveloperProviderName": DEV,
    }
    params.update(extra)
    return cognito.create_identity_pool(**params)  # type: ignore[no-any-return]


def code(exc: pytest.ExceptionInfo[ClientError]) -> str:
    return str(exc.value.response["Error"]["Code"])


def name(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def trust_for(pool_id: str, amr: str = "authenticated", tag_session: bool = False) -> str:
    actions = ["sts:AssumeRoleWithWebIdentity"] + (["sts:TagSession"] if tag_session else [])
    return json.dumps({"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"Federated": COGNITO},
        "Action": actions if tag_session else actions[0],
        "Condition": {"StringEquals": {f"{COGNITO}:aud": pool_id},
                      "ForAnyValue:StringLike": {f"{COGNITO}:amr": amr}}}]})


def allow(actions: list[str], resources: list[str] | str = "*", **extra: Any) -> str:
    statement = {"Effect": "Allow", "Action": actions, "Resource": resources, **extra}
    return json.dumps({"Version": "2012-10-17", "Statement": [statement]})


def claims_of(token: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """A JWT's header and claims, unverified (the tests verify signatures elsewhere)."""
    head, body, _ = token.split(".")

    def pad(segment: str) -> str:
        return segment + "=" * (-len(segment) % 4)

    return json.loads(base64.urlsafe_b64decode(pad(head))), json.loads(base64.urlsafe_b64decode(pad(body)))


def as_creds(live: Any, service: str, creds: dict[str, Any]) -> Any:
    """A client signing with temporary credentials as GetCredentialsForIdentity or STS return them."""
    secret = creds.get("SecretKey") or creds["SecretAccessKey"]
    return client(live, service, key=creds["AccessKeyId"], secret=secret, token=creds["SessionToken"])
