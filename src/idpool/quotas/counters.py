"""Where calls are counted: fixed-window counters behind one small interface.

- ``LocalCounters``: this process's memory (one worker on SQLite or memory://): no I/O.
- ``StoreCounters``: the store's ``rate_counters`` (SQLite shared by ``--workers N``,
  PostgreSQL shared by every node): one upsert per counter.
- ``RedisCounters``: Redis (``--redis-url``): ``INCR`` and ``EXPIREAT`` per counter, all of a
  request's counters in one round trip.

A counter is named by its bucket (quota, key and window) and lives until its window ends
(``expires_at``, epoch seconds); each backend forgets ended windows on its own (local:
swept as time passes; store: ``prune``, run by the server's upkeep task; Redis: EXPIREAT).
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import Any, Protocol

from idpool.storage import Store

Bucket = tuple[str, int]  # (name, expires_at in epoch seconds)


class Counters(Protocol):
    def hit(self, buckets: Sequence[Bucket], now_epoch: int) -> list[int]:
        """Add one to each counter; the new counts, in order. ``now_epoch``: the quotas' clock."""

    def prune(self, now_epoch: int) -> None:
        """Forget the counters of windows that ended at or before ``now_epoch``."""

    def close(self) -> None:
        """Let go of connections of its own (the store's are the store's to close)."""


class LocalCounters:
    """Counters in this process: right for one worker; with several, each would count alone."""

    def __init__(self) -> None:
        self._counts: dict[str, tuple[int, int]] = {}
        self._lock = threading.Lock()
        self._swept_at = 0

    def hit(self, buckets: Sequence[Bucket], now_epoch: int) -> list[int]:
        with self._lock:
            if now_epoch >= self._swept_at:
                self._sweep(now_epoch)
            for name, expires_at in dict(buckets).items():  # a bucket named twice counts once (as the store)
                self._counts[name] = (self._counts.get(name, (0, expires_at))[0] + 1, expires_at)
            return [self._counts[name][0] for name, _ in buckets]

    def prune(self, now_epoch: int) -> None:
        with self._lock:
            self._sweep(now_epoch)

    def close(self) -> None:
        """Nothing to let go of."""

    def _sweep(self, now_epoch: int) -> None:
        """Drop ended windows; runs at most once a second, under the lock."""
        self._counts = {name: value for name, value in self._counts.items() if value[1] > now_epoch}
        self._swept_at = now_epoch + 1


class StoreCounters:
    """Counters in the store, shared by every process on the same database."""

    def __init__(self, store: Store) -> None:
        self._store = store

    def hit(self, buckets: Sequence[Bucket], now_epoch: int) -> list[int]:
        return self._store.hit_rate_counters(buckets)

    def prune(self, now_epoch: int) -> None:
        self._store.prune_rate_counters(now_epoch)

    def close(self) -> None:
        """The store is closed with the services."""


class RedisCounters:
    """Counters in Redis, shared by every process that uses the same Redis."""

    def __init__(self, url: str, timeout: float = 1.0) -> None:
        import redis  # only when configured

        self._client: Any = redis.Redis.from_url(url, socket_timeout=timeout, socket_connect_timeout=timeout)

    def hit(self, buckets: Sequence[Bucket], now_epoch: int) -> list[int]:
        distinct = dict(buckets)  # a bucket named twice counts once (as the store)
        pipe = self._client.pipeline(transaction=False)
        for name, expires_at in distinct.items():
            pipe.incr(name)
            pipe.expireat(name, expires_at)
        counts = dict(zip(distinct, (int(count) for count in pipe.execute()[0::2]), strict=True))
        return [counts[name] for name, _ in buckets]

    def prune(self, now_epoch: int) -> None:
        """Nothing to do: every counter carries its own EXPIREAT."""

    def close(self) -> None:
        self._client.close()
