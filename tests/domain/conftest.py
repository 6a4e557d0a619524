"""Fixtures of this suite; their helpers are in fixed.py."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from idpool.app import Services, build_services
from idpool.clock import FixedClock
from idpool.identity_pools.pools import PoolConfig
from idpool.model import IdentityPool
from idpool.settings import Settings
from idpool.storage.memory import MemoryStore

from .fixed import ACCOUNT, DEVELOPER, ISSUER, REGION, START, trust_policy


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
    roles = {kind: services.iam.create_role(ACCOUNT, f"{kind}-role", trust_policy(pool.pool_id, kind)).arn_in("aws")
             for kind in ("authenticated", "unauthenticated")}  # fmt: skip
    return services.pools.set_roles(ACCOUNT, pool.pool_id, roles, {})
