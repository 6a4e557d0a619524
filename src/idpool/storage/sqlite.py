"""The SQLite flavor: a database file shared by any number of threads and processes.

One connection per thread, autocommit mode, and an explicit ``BEGIN IMMEDIATE``
for every write, so a transaction takes the write lock before its first read and
the busy timeout applies. A deferred transaction that reads and then writes gets
SQLITE_BUSY at once, bypassing the timeout (SQLite docs, "Transaction" and
"Write-Ahead Logging"; ecosystem-security.md 2.5). What is left of SQLITE_BUSY
is retried by the runner, so "database is locked" never reaches a caller.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import re
import sqlite3
import threading
from pathlib import Path
from typing import Any, Iterator

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

    def __init__(self, path: Path, *, busy_timeout_ms: int = 5000) -> None:
        if sqlite3.sqlite_version_info < _MINIMUM_SQLITE:
            raise StorageError(
                f"SQLite {sqlite3.sqlite_version} is too old: idpool needs {'.'.join(map(str, _MINIMUM_SQLITE))} or newer"
            )
        super().__init__()
        self.path = path
        self._busy_timeout_ms = busy_timeout_ms
        self._local = threading.local()
        self._every: list[sqlite3.Connection] = []  # so close() reaches every thread's
        self._lock = threading.Lock()
        self._closed = False

    def _translate(self, query: str) -> str:
        # SQLite has no row locks: BEGIN IMMEDIATE already holds the database's one write lock.
        return _FOR_UPDATE.sub("", query)

    @contextlib.contextmanager
    def _connection(self) -> Iterator[sqlite3.Connection]:
        if self._closed:
            raise Unavailable("the store is closed")
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = self._local.conn = self._connect()
        yield conn

    def _connect(self) -> sqlite3.Connection:
        conn = sqlite3.connect(
            self.path,
            timeout=self._busy_timeout_ms / 1000,
            isolation_level=None,  # autocommit: we write BEGIN ourselves
            check_same_thread=False,  # only close() crosses threads
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
        with self._lock:
            self._every.append(conn)
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
        self._closed = True
        with self._lock:
            every, self._every = self._every, []
        for conn in every:
            with contextlib.suppress(sqlite3.Error):
                conn.close()
