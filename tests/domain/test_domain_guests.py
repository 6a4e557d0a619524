"""Guests at exact instants: a guest never used is deleted by the server's upkeep once it is
older than IDPOOL_UNUSED_GUEST_DAYS (90), not a second before; a used one never is."""

from __future__ import annotations

import time

import pytest

from idpool import errors
from idpool.app import Services
from idpool.clock import FixedClock
from idpool.model import IdentityPool

DAY = 86400


@pytest.mark.catalogue("R01")
def test_the_upkeep_deletes_unused_guests_after_ninety_days(
    services: Services, pool: IdentityPool, clock: FixedClock
) -> None:
    unused = services.identities.get_id(pool.pool_id, None)
    used = services.identities.get_id(pool.pool_id, None)
    services.identities.get_open_id_token(used, None)
    clock.advance(90 * DAY)
    services.upkeep.run(time.monotonic())
    assert services.identities.describe(pool.account_id, unused).identity_id == unused  # exactly 90 days: kept
    clock.advance(1)
    services.upkeep.run(time.monotonic())  # within the hour of the last run: not due yet
    services.upkeep.run(time.monotonic() + services.upkeep.GUESTS_EVERY)
    with pytest.raises(errors.ResourceNotFound):
        services.identities.describe(pool.account_id, unused)
    assert services.identities.describe(pool.account_id, used).used
    deleted = services.observer.metrics.registry.get_sample_value("idpool_unused_guests_deleted_total")
    assert deleted == 1
