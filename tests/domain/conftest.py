"""The domain services as ``build_services`` wires them, on a ``MemoryStore`` and a
``FixedClock``: every time rule is checked at exact instants, with no sleeping, no
server and no token made by hand."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any, Iterator

import pytest

from idpool.app import Services, build_services
from idpool.clock import FixedClock
from idpool.identity_pools.pools import PoolConfig
from idpool.model import IdentityPool
from idpool.settings import Settings
from idpool.storage.memory import MemoryStore

ACCOUNT = "123456789012"
REGION = "us-east-1"
ISSUER = "https://id.example.test"
DEVELOPER = "login.example"
# Not on a whole second: tokens count whole seconds (iat, exp), sessions too (Expiration).
START = dt.datetime(2026, 3, 1, 12, 0, 0, 250000, tzinfo=dt.UTC)
WHOLE_START = START.replace(microsecond=0)


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(START)


@pytest.fixture
def services(clock: FixedClock, tmp_path: Path) -> Iterator[Services]:
    settings = Settings(
        data_dir=tmp_path, region=REGION, account_id=ACCOUNT, issuer=ISSUER,
        master_key="MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=",
    ).validate()  # fmt: skip
    built = build_services(settings, clock=clock, store=MemoryStore())
    yield built
    built.close()


@pytest.fixture
def pool(services: Services) -> IdentityPool:
    """A pool with guests, the classic flow and a developer provider, and a role for each kind."""
    pool = services.pools.create(ACCOUNT, PoolConfig(
        name="timed", allow_unauthenticated=True, allow_classic_flow=True, developer_provider_name=DEVELOPER,
    ))  # fmt: skip
    roles = {kind: services.iam.create_role(ACCOUNT, f"{kind}-role", trust_policy(pool.pool_id, kind)).arn
             for kind in ("authenticated", "unauthenticated")}  # fmt: skip
    return services.pools.set_roles(ACCOUNT, pool.pool_id, roles, {})


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
