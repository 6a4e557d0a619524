"""Quotas and guest upkeep in ``SqlStore`` (migration 5): request-rate counters, the guest
count of each pool, and the cleanup of guests that were never used.

A mixin of ``SqlStore``, on its flavor and by its rules (see ``idpool.storage.sql``):

- A rate counter is one upsert (``INSERT ... ON CONFLICT DO UPDATE ... RETURNING``) on a
  row per (quota key, window). On PostgreSQL it runs outside a transaction on an UNLOGGED
  table: one round trip, no WAL to flush, so every node counts in one place cheaply. On
  SQLite it runs under ``BEGIN IMMEDIATE`` like every write, so the busy timeout applies.
- A guest created, authenticated (its first login) or deleted changes its pool's
  ``guests`` count in the same transaction (``sql.py``); the cleanup below does the same.
- ``mark_identity_used`` is conditional (``AND NOT used``): repeating it writes nothing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from idpool.storage import queries as q
from idpool.storage.flavors import Flavor, Tx


class UpkeepSqlMixin:
    """Rate counters and guest upkeep of the ``Store`` protocol; ``SqlStore`` supplies
    ``flavor`` and ``_t``."""

    flavor: Flavor

    if TYPE_CHECKING:

        def _t(self, value: dt.datetime) -> Any: ...

    # --- request-rate counters -----------------------------------------------------------
    def hit_rate_counters(self, buckets: Sequence[tuple[str, int]]) -> list[int]:
        distinct = dict(buckets)  # one row per bucket: an upsert may not touch a row twice
        if not distinct:
            return []
        query = q.HIT_RATE_COUNTERS.format(rows=", ".join(["(?, 1, ?)"] * len(distinct)))
        values = [value for bucket in distinct.items() for value in bucket]
        # PostgreSQL: one statement is atomic on its own, and a transaction would cost two more
        # round trips. SQLite: a write transaction (BEGIN IMMEDIATE) so the busy timeout applies.
        rows = self.flavor.run(lambda tx: tx.all(query, values), write=self.flavor.name == "sqlite")
        counts = {str(bucket): int(hits) for bucket, hits in rows}
        return [counts[bucket] for bucket, _ in buckets]

    def prune_rate_counters(self, now_epoch: int) -> int:
        return self.flavor.run(lambda tx: tx.run(q.PRUNE_RATE_COUNTERS, (now_epoch,)), write=True)

    # --- guests -------------------------------------------------------------------------------
    def mark_identity_used(self, identity_id: str) -> None:
        self.flavor.run(lambda tx: tx.run(q.MARK_USED, (identity_id,)), write=True)

    def delete_unused_guests(self, created_before: dt.datetime, limit: int) -> int:
        def work(tx: Tx) -> int:
            rows = tx.all(q.DELETE_UNUSED_GUESTS, (self._t(created_before), max(limit, 0)))
            guests: dict[str, int] = {}
            for (pool_id,) in rows:
                guests[pool_id] = guests.get(pool_id, 0) + 1
            self._forget_guests(tx, guests)
            return len(rows)

        return self.flavor.run(work, write=True)

    @staticmethod
    def _forget_guests(tx: Tx, guests: Mapping[str, int]) -> None:
        """Lower the pools' guest counts, in pool id order (a fixed lock order)."""
        for pool_id in sorted(guests):
            tx.run(q.REMOVE_GUESTS, (guests[pool_id], pool_id))
