"""How a SQL engine runs a unit of work: the flavor layer under ``SqlStore``.

``SqlStore`` writes every query once, with ``?`` placeholders and PostgreSQL's
row-locking clause (``FOR UPDATE``). A flavor owns what differs between engines:
how a connection is obtained, how a write transaction starts, how placeholders
and locking clauses are spelled, how timestamps are stored, and what a driver
error means. The engines are ``idpool.storage.sqlite`` and
``idpool.storage.postgres``.

This module holds what they share: ``Tx`` (the statements of one unit of work)
and ``Flavor.run``, which runs a unit, retries lock races and dead connections
(bounded, with jitter) and turns every other driver error into an
``idpool.storage`` error, so none crosses the seam.
"""

from __future__ import annotations

import abc
import contextlib
import datetime as dt
import enum
import random
import time
from collections.abc import Callable, Sequence
from typing import Any, TypeVar, cast

from idpool.storage import AlreadyExists, NotFound, StorageError, Unavailable

T = TypeVar("T")
Row = tuple[Any, ...]

_BACKOFF_BASE_S = 0.002
_BACKOFF_CAP_S = 0.25


class Fault(enum.Enum):
    """What a driver error means to the runner."""

    UNIQUE = "a unique rule would break"
    FOREIGN_KEY = "a referenced row is missing"
    RETRY = "lost a race for a lock: run the transaction again"
    RECONNECT = "the connection is dead: run again on a fresh one"
    UNAVAILABLE = "the database cannot serve now"
    OTHER = "unexpected database error"


_ATTEMPTS = {
    Fault.RETRY: 12,  # lock contention: serialization failures, deadlocks, SQLITE_BUSY
    Fault.RECONNECT: 3,  # a connection found dead (e.g. after a PostgreSQL restart)
}
_GAVE_UP = {
    Fault.RETRY: "the database stayed busy; retry later",
    Fault.RECONNECT: "the database cannot be reached",
}


def _meaning(fault: Fault) -> StorageError:
    if fault is Fault.UNIQUE:
        return AlreadyExists("the record already exists")
    if fault is Fault.FOREIGN_KEY:
        return NotFound("a record it refers to does not exist")
    if fault is Fault.UNAVAILABLE:
        return Unavailable("the database is unavailable")
    return StorageError("unexpected database error")


class UniqueViolation(Exception):
    """Raised by ``Tx`` when a statement breaks a unique rule (the transaction is lost)."""


class ForeignKeyViolation(Exception):
    """Raised by ``Tx`` when a statement refers to a missing row (the transaction is lost)."""


class RetryTransaction(Exception):
    """Raised by a unit of work to roll back and run again (bounded, with jitter)."""


class _CommitFailed(Exception):
    def __init__(self, cause: Exception) -> None:
        super().__init__("commit failed")
        self.cause = cause


class Tx:
    """The statements of one unit of work, on one connection."""

    def __init__(self, flavor: Flavor, cursor: Any) -> None:
        self._flavor = flavor
        self._cursor = cursor

    def one(self, query: str, params: Sequence[Any] = ()) -> Row | None:
        self._execute(query, params)
        return cast("Row | None", self._cursor.fetchone())

    def all(self, query: str, params: Sequence[Any] = ()) -> list[Row]:
        self._execute(query, params)
        return cast("list[Row]", self._cursor.fetchall())

    def run(self, query: str, params: Sequence[Any] = ()) -> int:
        """Execute a write; return the number of rows it changed."""
        self._execute(query, params)
        return int(self._cursor.rowcount)

    def _execute(self, query: str, params: Sequence[Any]) -> None:
        self._guard(lambda: self._cursor.execute(self._flavor.sql(query), params))

    def _guard(self, call: Callable[[], object]) -> None:
        try:
            call()
        except self._flavor.driver_errors as exc:
            fault = self._flavor.classify(exc)
            if fault is Fault.UNIQUE:
                raise UniqueViolation(str(fault.value)) from exc
            if fault is Fault.FOREIGN_KEY:
                raise ForeignKeyViolation(str(fault.value)) from exc
            raise


class Flavor(abc.ABC):
    """One engine: connections, transactions, spelling, time values, error meaning."""

    name: str
    driver_errors: tuple[type[Exception], ...]
    ping_query = "SELECT 1"

    def __init__(self) -> None:
        self._queries: dict[str, str] = {}
        self._caught: tuple[type[Exception], ...] = (
            RetryTransaction, UniqueViolation, ForeignKeyViolation, _CommitFailed, *self.driver_errors,
        )  # fmt: skip
        self._rng = random.Random()  # jitter only; nothing secret depends on it

    # --- engine specifics ------------------------------------------------------
    @abc.abstractmethod
    def _translate(self, query: str) -> str: ...

    @abc.abstractmethod
    def _connection(self) -> contextlib.AbstractContextManager[Any]: ...

    @abc.abstractmethod
    def _begin(self, cursor: Any, *, migration_lock: bool) -> None: ...

    @abc.abstractmethod
    def _rollback_quietly(self, conn: Any) -> None: ...

    @abc.abstractmethod
    def classify(self, exc: BaseException) -> Fault: ...

    @abc.abstractmethod
    def time_in(self, value: dt.datetime) -> Any: ...

    @abc.abstractmethod
    def time_out(self, value: Any) -> dt.datetime: ...

    @abc.abstractmethod
    def close(self) -> None: ...

    def _recover(self) -> None:  # noqa: B027 - optional hook: most flavors need nothing
        """Called before running again after ``Fault.RECONNECT``."""

    # --- shared ------------------------------------------------------------------
    def sql(self, query: str) -> str:
        translated = self._queries.get(query)
        if translated is None:
            translated = self._queries[query] = self._translate(query)
        return translated

    def run(self, work: Callable[[Tx], T], *, write: bool = False, migration_lock: bool = False) -> T:
        """Run ``work`` as one unit: a transaction when ``write``, else single-statement reads.

        Lock races and dead connections are retried (bounded, jittered); every
        other driver error becomes a storage error. Exceptions raised by ``work``
        itself roll back and propagate unchanged.
        """
        tries = dict.fromkeys(_ATTEMPTS, 0)
        while True:
            try:
                return self._attempt(work, write, migration_lock)
            except self._caught as exc:
                fault = self._retryable_fault(exc)
            tries[fault] += 1
            if tries[fault] >= _ATTEMPTS[fault]:
                raise Unavailable(_GAVE_UP[fault])
            self._pause(sum(tries.values()), fault)

    def _attempt(self, work: Callable[[Tx], T], write: bool, migration_lock: bool) -> T:
        with self._connection() as conn, contextlib.closing(conn.cursor()) as cursor:
            try:
                if write:
                    self._begin(cursor, migration_lock=migration_lock)
                result = work(Tx(self, cursor))
            except BaseException:
                self._rollback_quietly(conn)
                raise
            if write:
                try:
                    cursor.execute("COMMIT")
                except self.driver_errors as exc:
                    self._rollback_quietly(conn)
                    raise _CommitFailed(exc) from exc
            return result

    def _retryable_fault(self, exc: Exception) -> Fault:
        """The fault if running again may help; otherwise raise the storage error it means."""
        if isinstance(exc, RetryTransaction):
            return Fault.RETRY
        if isinstance(exc, (UniqueViolation, ForeignKeyViolation)):  # the work left it: generic meaning
            fault = Fault.UNIQUE if isinstance(exc, UniqueViolation) else Fault.FOREIGN_KEY
            raise _meaning(fault) from exc.__cause__
        committing = isinstance(exc, _CommitFailed)
        cause = exc.cause if isinstance(exc, _CommitFailed) else exc
        fault = self.classify(cause)
        if fault is Fault.RECONNECT and committing:
            raise Unavailable("the connection was lost during COMMIT; the outcome is unknown") from cause
        if fault in _ATTEMPTS:
            return fault
        raise _meaning(fault) from cause

    def _pause(self, attempt: int, fault: Fault) -> None:
        if fault is Fault.RECONNECT:
            self._recover()
        # Full jitter: contenders spread out instead of colliding again in step.
        time.sleep(self._rng.uniform(0, min(_BACKOFF_CAP_S, _BACKOFF_BASE_S * 2**attempt)))


def require_aware(value: dt.datetime) -> dt.datetime:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError("timestamps given to the store must be timezone-aware")
    return value
