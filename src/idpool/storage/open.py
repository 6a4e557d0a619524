"""Opening a store from ``--database-url`` and ``--data-dir`` (README.md, "Configuration").

- no URL: the SQLite file ``<data_dir>/idpool.db``, the data dir created 0700 and
  the database file 0600 (it holds sealed keys and the root credentials);
- ``sqlite:///abs/path.db``: that SQLite file;
- ``postgresql://...`` (or ``postgres://``): PostgreSQL, with a connection pool.
  A schema other than the default can be chosen in the URL, e.g.
  ``?options=-csearch_path%3Dmyschema``;
- ``memory://`` or ``memory://<name>``: a ``MemoryStore``, nothing on disk, gone when the
  process exits. Every open of the same URL in one process sees the same data (see
  ``idpool.storage.memory.named_database``); other processes see none of it.

The SQL schema is migrated on open unless ``migrate=False``; a memory store has no schema.
"""

from __future__ import annotations

import os
from pathlib import Path

from idpool.storage import Store, migrations
from idpool.storage.flavors import Flavor
from idpool.storage.memory import MEMORY_PREFIX, MemoryStore, memory_database_name, named_database
from idpool.storage.postgres import PostgresFlavor
from idpool.storage.sql import SqlStore
from idpool.storage.sqlite import SqliteFlavor

DB_FILE_NAME = "idpool.db"


def open_store(
    database_url: str | None,
    data_dir: Path,
    *,
    migrate: bool = True,
    pool_min_size: int = 1,
    pool_max_size: int = 10,
    pool_timeout: float = 5.0,
) -> Store:
    """The store named by ``database_url``: a memory store, or an SQL one (``open_sql_store``)."""
    if database_url is not None and database_url.startswith(MEMORY_PREFIX):
        return MemoryStore(named_database(memory_database_name(database_url)))
    return open_sql_store(
        database_url, data_dir, migrate=migrate, pool_min_size=pool_min_size, pool_max_size=pool_max_size,
        pool_timeout=pool_timeout,
    )  # fmt: skip


def open_sql_store(
    database_url: str | None,
    data_dir: Path,
    *,
    migrate: bool = True,
    pool_min_size: int = 1,
    pool_max_size: int = 10,
    pool_timeout: float = 5.0,
) -> SqlStore:
    """Open (and by default migrate) the SQLite or PostgreSQL store named by ``database_url``.

    ``pool_*`` bound the connections: the most opened (both engines), how many are kept
    open (PostgreSQL), and how long a call waits for a free one before raising
    ``Unavailable`` (both engines).
    """
    flavor = _flavor(database_url, data_dir, pool_min_size, pool_max_size, pool_timeout)
    try:
        if migrate:
            migrations.migrate(flavor)
    except BaseException:
        flavor.close()
        raise
    return SqlStore(flavor)


def _flavor(url: str | None, data_dir: Path, min_size: int, max_size: int, timeout: float) -> Flavor:
    if url is None:
        _private_dir(data_dir)
        return SqliteFlavor(_private_file(data_dir / DB_FILE_NAME), max_connections=max_size, checkout_timeout=timeout)
    if url.startswith("sqlite:///"):
        return SqliteFlavor(_private_file(_sqlite_path(url)), max_connections=max_size, checkout_timeout=timeout)
    if url.startswith(("postgresql://", "postgres://")):
        return PostgresFlavor(url, min_size=min_size, max_size=max_size, timeout=timeout)
    raise ValueError("the database URL must start with postgresql://, sqlite:/// or memory://")


def _sqlite_path(url: str) -> Path:
    rest = url.removeprefix("sqlite://")
    if "?" in rest or rest in ("/", "/:memory:"):
        raise ValueError("a sqlite:/// URL names a database file by absolute path, with no options")
    return Path("/" + rest.lstrip("/"))


def _private_dir(path: Path) -> None:
    if not path.exists():
        path.mkdir(parents=True, mode=0o700)
        os.chmod(path, 0o700)  # mkdir's mode is filtered by the umask


def _private_file(path: Path) -> Path:
    # Create it ourselves with 0600 before SQLite does (SQLite would use 0644 less the
    # umask); the -wal and -shm files SQLite adds later copy the database file's mode.
    if not path.exists():
        fd = os.open(path, os.O_CREAT | os.O_RDWR, 0o600)
        os.close(fd)
        os.chmod(path, 0o600)
    return path
