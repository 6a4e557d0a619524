"""The domain services as ``build_services`` wires them, on a ``MemoryStore`` and a
``FixedClock``: every time rule is checked at exact instants, with no sleeping, no
server and no token made by hand.

Helpers of this suite (a plain module: tests import from it; conftest.py holds only
the fixtures)."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from idpool.app import Services

ACCOUNT = "123456789012"


REGION = "us-east-1"


ISSUER = "https://id.example.test"


DEVELOPER = "login.example"


# Not on a whole second: tokens count whole seconds (iat, exp), sessions too (Expiration).
START = dt.datetime(2026, 3, 1, 12, 0, 0, 250000, tzinfo=dt.UTC)


WHOLE_START = START.replace(microsecond=0)


def trust_policy(pool_id: str, amr: str) -> str:
    statement: dict[str, Any] = {
        "Effect": "Allow",
        "Principal": {"Federated": "cognito-identity.amazonaws.com"},
        "Action": "sts:AssumeRoleWithWebIdentity",
        "Condition": {
            "StringEquals": {"cognito-identity.amazonaws.com:aud": pool_id},
            "ForAnyValue:StringLike": {"cognito-identity.amazonaws.com:amr": amr},
        },
    }
    return json.dumps({"Version": "2012-10-17", "Statement": [statement]})


def claims_of(services: Services, token: str, at: dt.datetime) -> dict[str, Any]:
    """The claims of a token we issued, as this server verifies them at ``at``."""
    return services.keys.verify(token, now=at)
