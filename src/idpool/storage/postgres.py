"""The PostgreSQL flavor: one database shared by any number of idpool processes.

psycopg 3 with a ``psycopg_pool.ConnectionPool``. Writes run in READ COMMITTED
transactions with explicit row locks; deadlocks and serialization failures are
retried by the runner. A connection found dead (PostgreSQL restarted, a backend
terminated) is replaced and the unit run again, as long as COMMIT was not yet
sent; if the connection dies during COMMIT the outcome is unknown, so the caller
gets ``Unavailable`` instead of a blind retry (a write may have landed).
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Iterator
from typing import Any, cast
from urllib.parse import unquote, urlsplit

import psycopg
import psycopg.errors
from psycopg.pq import TransactionStatus
from psycopg_pool import ConnectionPool, PoolClosed, PoolTimeout

from idpool.storage import StorageError, Unavailable
from idpool.storage.flavors import Fault, Flavor, require_aware

# Connection exceptions (class 08) and shutdowns (57P01-57P03): the connection is gone.
_PG_GONE_PREFIXES = ("08", "57P01", "57P02", "57P03")
# Lock races worth running again (PostgreSQL docs 13.2 and appendix A).
_PG_RETRY = ("40001", "40P01", "55P03")
# Insufficient resources (53), system errors (58), canceled statements (57014),
# writes sent to a read-only standby (25006).
_PG_UNAVAILABLE_PREFIXES = ("53", "58", "57014", "25006")
_MIGRATION_LOCK_KEY = 0x1D9001  # pg_advisory_xact_lock key for schema changes


class PostgresFlavor(Flavor):
    """A PostgreSQL database shared by any number of idpool processes."""

    name = "postgres"
    driver_errors = (psycopg.Error,)

    def __init__(self, url: str, *, min_size: int = 1, max_size: int = 10, timeout: float = 5.0) -> None:
        super().__init__()
        _probe(url, timeout)
        self._pool: ConnectionPool[psycopg.Connection[Any]] = ConnectionPool(
            url,
            min_size=min_size,
            max_size=max_size,
            timeout=timeout,
            open=False,
            name="idpool",
            kwargs={"autocommit": True},  # reads are single statements; writes say BEGIN
            configure=_configure_pg_session,
            # psycopg_pool backs off without a cap while the server is down; give up an attempt
            # series after 8 s and start again, so a returning PostgreSQL is used within ~1 s.
            reconnect_timeout=8.0,
        )
        try:
            self._pool.open(wait=True, timeout=timeout)
        except PoolTimeout as exc:
            self._pool.close()
            raise Unavailable("cannot connect to PostgreSQL") from exc

    def _translate(self, query: str) -> str:
        return query.replace("?", "%s")

    @contextlib.contextmanager
    def _connection(self) -> Iterator[psycopg.Connection[Any]]:
        with self._pool.connection() as conn:
            yield conn

    def _begin(self, cursor: Any, *, migration_lock: bool) -> None:
        # READ COMMITTED is chosen, not inherited: every write path here relies on a
        # new statement seeing rows committed while it waited (PostgreSQL docs 13.2.1).
        cursor.execute("BEGIN ISOLATION LEVEL READ COMMITTED")
        if migration_lock:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", (_MIGRATION_LOCK_KEY,))

    def _rollback_quietly(self, conn: Any) -> None:
        if conn.info.transaction_status in (TransactionStatus.INTRANS, TransactionStatus.INERROR):
            with contextlib.suppress(psycopg.Error):
                conn.execute("ROLLBACK")

    def classify(self, exc: BaseException) -> Fault:
        if isinstance(exc, (PoolTimeout, PoolClosed)):
            return Fault.UNAVAILABLE
        if isinstance(exc, psycopg.errors.UniqueViolation):
            return Fault.UNIQUE
        if isinstance(exc, psycopg.errors.ForeignKeyViolation):
            return Fault.FOREIGN_KEY
        state = getattr(exc, "sqlstate", None) or ""
        if state in _PG_RETRY:
            return Fault.RETRY
        if state.startswith(_PG_GONE_PREFIXES) or (
            isinstance(exc, (psycopg.OperationalError, psycopg.InterfaceError)) and not state
        ):
            return Fault.RECONNECT
        if state.startswith(_PG_UNAVAILABLE_PREFIXES) or isinstance(exc, psycopg.OperationalError):
            return Fault.UNAVAILABLE
        return Fault.OTHER

    def _recover(self) -> None:
        # After a restart every idle connection is dead: test them all now and let
        # the pool replace the broken ones, instead of failing on each in turn.
        with contextlib.suppress(psycopg.Error):
            self._pool.check()

    def time_in(self, value: dt.datetime) -> dt.datetime:
        return require_aware(value)

    def time_out(self, value: Any) -> dt.datetime:
        return cast(dt.datetime, value).astimezone(dt.UTC)

    def close(self) -> None:
        self._pool.close()


def _probe(url: str, timeout: float) -> None:
    """Connect once, so a wrong URL, password or database name is reported as such
    at start instead of as a pool timeout."""
    try:
        psycopg.connect(url, connect_timeout=max(1, round(timeout))).close()
    except psycopg.OperationalError as exc:
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise Unavailable(f"cannot connect to PostgreSQL: {_without_password(reason, url)}") from None
    except psycopg.Error:
        # libpq's URL parse errors quote the offending part, which may be the password
        raise StorageError("the PostgreSQL URL is not valid (see libpq's connection URI format)") from None


def _without_password(text: str, url: str) -> str:
    with contextlib.suppress(ValueError):
        password = urlsplit(url).password
        if password:
            for form in {password, unquote(password)}:
                text = text.replace(form, "***")
    return text


def _configure_pg_session(conn: psycopg.Connection[Any]) -> None:
    # timestamptz comes back in the session's zone; UTC keeps it independent of the
    # server's TimeZone setting (which psycopg might not know how to map).
    conn.execute("SET TIME ZONE 'UTC'")
