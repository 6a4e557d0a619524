"""The SQLite flavor: a database file shared by any number of threads and processes.

Connections come from a small bounded pool: a unit of work checks one out and gives
it back when it ends, whichever thread runs it. A connection kept per thread would
outlive the thread: a server's thread pool retires idle workers and starts new ones
under the next burst, and every retired worker's connection (its descriptors and
page cache) stayed open until the store closed. WAL lets the pooled connections read
at the same time while one writes.

Autocommit mode, and an explicit ``BEGIN IMMEDIATE`` for every write, so a
transaction takes the write lock before its first read and the busy timeout applies.
A deferred transaction that reads and then writes gets SQLITE_BUSY at once, bypassing
the timeout (SQLite docs, "Transaction" and "Write-Ahead Logging"). What is left of
SQLITE_BUSY is retried by the runner, so "database is locked" never reaches a caller.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import re
import sqlite3
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from idpool.storage import StorageError, Unavailable
from idpool.storage.flavors import Fault, Flavor, require_aware

_MINIMUM_SQLITE = (3, 37, 0)  # STRICT tables; upsert, partial-index conflict targets and TRUE are older
_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
_MICROSECOND = dt.timedelta(microseconds=1)
_FOR_UPDATE = re.compile(r"\s+FOR UPDATE(?: OF \w+)?")
# Extended result codes: the primary code is the low byte (sqlite.org/rescode.html).
_SQLITE_BUSY, _SQLITE_LOCKED = 5, 6
_SQLITE_UNAVAILABLE = {8, 10, 11, 13, 14, 26}  # READONLY IOERR CORRUPT FULL CANTOPEN NOTADB


class SqliteFlavor(Flavor):
    """A SQLite file shared by any number of threads and processes."""

    name = "sqlite"
    driver_errors = (sqlite3.Error,)
    ping_query = "SELECT COUNT(*) FROM sqlite_master"  # reads the file, unlike SELECT 1

    def __init__(
        self, path: Path, *, busy_timeout_ms: int = 5000, max_connections: int = 8, checkout_timeout: float = 5.0
    ) -> None:
        if sqlite3.sqlite_version_info < _MINIMUM_SQLITE:
            raise StorageError(
                f"SQLite {sqlite3.sqlite_version} is too old: idpool needs {'.'.join(map(str, _MINIMUM_SQLITE))} or newer"
            )
        if max_connections < 1:
            raise ValueError("max_connections must be at least 1")
        super().__init__()
        self.path = path
        self._busy_timeout_ms = busy_timeout_ms
        self._max_connections = max_connections
        self._checkout_timeout = checkout_timeout
        self._idle: list[sqlite3.Connection] = []  # most recently returned last: its cache is warm
        self._opened = 0  # idle + checked out; never above max_connections
        self._changed = threading.Condition()
        self._closed = False

    def _translate(self, query: str) -> str:
        # SQLite has no row locks: BEGIN IMMEDIATE already holds the database's one write lock.
        return _FOR_UPDATE.sub("", query)

    @contextlib.contextmanager
    def _connection(self) -> Iterator[sqlite3.Connection]:
        conn = self._check_out()
        try:
            yield conn
        finally:
            self._check_in(conn)

    def _check_out(self) -> sqlite3.Connection:
        """An idle connection, a new one while under the bound, or else the next one
        given back (``Unavailable`` if none is within ``checkout_timeout``)."""
        deadline = time.monotonic() + self._checkout_timeout
        with self._changed:
            while True:
                if self._closed:
                    raise Unavailable("the store is closed")
                if self._idle:
                    return self._idle.pop()
                if self._opened < self._max_connections:
                    self._opened += 1
                    break
                left = deadline - time.monotonic()
                if left <= 0:
                    raise Unavailable("every database connection stayed busy; retry later")
                self._changed.wait(left)
        try:
            return self._connect()
        except BaseException:
            self._forget(None)
            raise

    def _check_in(self, conn: sqlite3.Connection) -> None:
        # The runner has committed or rolled back; a connection still in a transaction
        # (its rollback failed) is not handed to the next caller.
        try:
            reusable = not conn.in_transaction
        except sqlite3.Error:
            reusable = False
        with self._changed:
            if reusable and not self._closed:
                self._idle.append(conn)
                self._changed.notify()
                return
        self._forget(conn)

    def _forget(self, conn: sqlite3.Connection | None) -> None:
        """Close ``conn`` (if any) and free its place under the bound."""
        if conn is not None:
            with contextlib.suppress(sqlite3.Error):
                conn.close()
        with self._changed:
            self._opened -= 1
            self._changed.notify()

    def _connect(self) -> sqlite3.Connection:
        conn = sqlite3.connect(
            self.path,
            timeout=self._busy_timeout_ms / 1000,
            isolation_level=None,  # autocommit: we write BEGIN ourselves
            check_same_thread=False,  # a pooled connection serves one thread at a time, any thread
            cached_statements=256,
        )
        try:
            for pragma in (
                f"PRAGMA busy_timeout={self._busy_timeout_ms}",
                "PRAGMA journal_mode=WAL",  # readers never block the writer
                "PRAGMA synchronous=FULL",  # a commit survives power loss, not only a crash
                "PRAGMA foreign_keys=ON",
            ):
                conn.execute(pragma).fetchall()
        except BaseException:
            conn.close()
            raise
        return conn

    def _begin(self, cursor: Any, *, migration_lock: bool) -> None:
        # IMMEDIATE takes the write lock now (waiting up to busy_timeout); EXCLUSIVE
        # would also shut out readers, which WAL makes unnecessary even for migrations.
        cursor.execute("BEGIN IMMEDIATE")

    def _rollback_quietly(self, conn: Any) -> None:
        with contextlib.suppress(sqlite3.Error):
            if conn.in_transaction:
                conn.execute("ROLLBACK")

    def classify(self, exc: BaseException) -> Fault:
        code = getattr(exc, "sqlite_errorcode", None)
        name = getattr(exc, "sqlite_errorname", "") or ""
        if isinstance(exc, sqlite3.IntegrityError):
            if name in ("SQLITE_CONSTRAINT_UNIQUE", "SQLITE_CONSTRAINT_PRIMARYKEY"):
                return Fault.UNIQUE
            if name == "SQLITE_CONSTRAINT_FOREIGNKEY":
                return Fault.FOREIGN_KEY
            return Fault.OTHER
        if code is not None and (code & 0xFF) in (_SQLITE_BUSY, _SQLITE_LOCKED):
            return Fault.RETRY
        if code is not None and (code & 0xFF) in _SQLITE_UNAVAILABLE:
            return Fault.UNAVAILABLE
        if isinstance(exc, sqlite3.ProgrammingError) and self._closed:
            return Fault.UNAVAILABLE
        return Fault.OTHER

    def time_in(self, value: dt.datetime) -> int:
        # Integer microseconds since the epoch, UTC: exact, and ordered like the instants.
        return (require_aware(value) - _EPOCH) // _MICROSECOND

    def time_out(self, value: Any) -> dt.datetime:
        return _EPOCH + int(value) * _MICROSECOND

    def close(self) -> None:
        """Close the idle connections now; one still checked out is closed when given back."""
        with self._changed:
            self._closed = True
            idle, self._idle = self._idle, []
            self._changed.notify_all()
        for conn in idle:
            self._forget(conn)
