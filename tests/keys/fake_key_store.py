"""An in-test fake of the four signing-key methods of ``idpool.storage.Store``.

It honours the Store docstrings exactly (newest first; at most one active key
ever; compare-and-swap rotation; prune of lapsed retired keys) under one lock,
and several handles can share one table, as two nodes share one database.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import itertools
import threading

from idpool.model import SigningKey
from idpool.storage import AlreadyExists, Unavailable


class SigningKeyTable:
    """The shared 'database' behind any number of store handles."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.rows: dict[str, tuple[int, SigningKey]] = {}
        self.sequence = itertools.count()


class FakeSigningKeyStore:
    def __init__(self, table: SigningKeyTable | None = None) -> None:
        self.table = table or SigningKeyTable()
        self.unavailable = False
        self.list_calls = 0

    def _check(self) -> None:
        if self.unavailable:
            raise Unavailable("the fake database is down")

    def list_signing_keys(self) -> list[SigningKey]:
        self._check()
        with self.table.lock:
            self.list_calls += 1
            rows = sorted(self.table.rows.values(), key=lambda row: (row[1].created_at, row[0]), reverse=True)
            return [key for _, key in rows]

    def add_first_signing_key(self, key: SigningKey) -> bool:
        self._check()
        with self.table.lock:
            if any(row.active for _, row in self.table.rows.values()):
                return False
            self._insert(dataclasses.replace(key, active=True))
            return True

    def rotate_signing_key(
        self, expected_active_kid: str, new_key: SigningKey, retired_verify_until: dt.datetime, now: dt.datetime
    ) -> bool:
        self._check()
        with self.table.lock:
            active = [row for _, row in self.table.rows.values() if row.active]
            if [key.kid for key in active] != [expected_active_kid]:
                return False
            old = active[0]
            self._insert(dataclasses.replace(new_key, active=True))
            seq = self.table.rows[old.kid][0]
            retired = dataclasses.replace(old, active=False, retired_at=now, verify_until=retired_verify_until)
            self.table.rows[old.kid] = (seq, retired)
            return True

    def prune_signing_keys(self, now: dt.datetime) -> int:
        self._check()
        with self.table.lock:
            lapsed = [
                kid
                for kid, (_, key) in self.table.rows.items()
                if not key.active and key.verify_until is not None and key.verify_until <= now
            ]
            for kid in lapsed:
                del self.table.rows[kid]
            return len(lapsed)

    def _insert(self, key: SigningKey) -> None:
        if key.kid in self.table.rows:
            raise AlreadyExists(f"signing key {key.kid} exists")
        self.table.rows[key.kid] = (next(self.table.sequence), key)
