"""Cleanup of guests never used: unauthenticated identities that obtained no token and no
credentials within ``IDPOOL_UNUSED_GUEST_DAYS`` of their creation (GetId without logins).

AWS says Cognito may delete unused unauthenticated identities but publishes no period that
could be confirmed (docs/AWS_REFERENCE.md); idpool's default is 90 days. Used guests, and
every identity that ever had a login, are never deleted here. The work is idempotent and
safe on many nodes at once: each batch is one conditional DELETE, so two nodes cleaning
together delete each guest once, and a guest used meanwhile is kept.
"""

from __future__ import annotations

import datetime as dt

from idpool.clock import Clock
from idpool.storage import Store

BATCH = 500  # guests per transaction: short transactions, however many are due


class GuestCleanup:
    def __init__(self, store: Store, clock: Clock, unused_days: int) -> None:
        self._store = store
        self._clock = clock
        self._unused_days = unused_days  # 0: never

    def run(self, max_batches: int = 1000) -> int:
        """Delete the guests due now, in batches; return how many were deleted."""
        if self._unused_days <= 0:
            return 0
        before = self._clock.now() - dt.timedelta(days=self._unused_days)
        deleted = 0
        for _ in range(max_batches):
            batch = self._store.delete_unused_guests(before, BATCH)
            deleted += batch
            if batch < BATCH:
                break
        return deleted
