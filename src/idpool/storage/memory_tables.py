"""The tables of the memory store, the lock that serializes them, and the record helpers every
part of ``MemoryStore`` shares (``memory`` and ``memory_iam``); see ``idpool.storage.memory``."""

from __future__ import annotations

import contextlib
import copy
import datetime as dt
import re
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import TypeVar

from idpool.model import AccessKey, Identity, IdentityPool, Login, ManagedPolicy, Role, SigningKey, User
from idpool.storage import NotFound

_R = TypeVar("_R")
MEMORY_PREFIX = "memory://"
_MEMORY_NAME = re.compile(r"[A-Za-z0-9._-]{0,64}")


@dataclass
class Tables:
    settings: dict[str, str] = field(default_factory=dict)
    pools: dict[str, IdentityPool] = field(default_factory=dict)
    identities: dict[str, Identity] = field(default_factory=dict)  # with their logins, sorted
    login_owners: dict[tuple[str, Login], str] = field(default_factory=dict)  # (pool id, login) -> identity id
    signing_keys: dict[str, SigningKey] = field(default_factory=dict)
    roles: dict[tuple[str, str], Role] = field(default_factory=dict)  # (account, lower-cased name)
    users: dict[tuple[str, str], User] = field(default_factory=dict)  # (account, lower-cased name)
    access_keys: dict[str, AccessKey] = field(default_factory=dict)  # naming the user's stored spelling
    policies: dict[tuple[str, str], ManagedPolicy] = field(default_factory=dict)  # (account, lower-cased name)
    guests: dict[str, int] = field(default_factory=dict)  # pool id -> unauthenticated identities
    rate_counters: dict[str, tuple[int, int]] = field(default_factory=dict)  # bucket -> (hits, expires at)


class MemoryDatabase:
    """The tables of one in-memory database and the lock that serializes every operation."""

    def __init__(self) -> None:
        self.tables = Tables()
        self._lock = threading.Lock()
        self._holder: int | None = None

    @contextlib.contextmanager
    def transaction(self) -> Iterator[Tables]:
        if self._holder == threading.get_ident():  # only this thread can have set it to its own id
            raise RuntimeError("an updater or check must not call the store")
        with self._lock:
            self._holder = threading.get_ident()
            try:
                yield self.tables
            finally:
                self._holder = None


_NAMED: dict[str, MemoryDatabase] = {}
_NAMED_LOCK = threading.Lock()


def named_database(name: str) -> MemoryDatabase:
    """The process-wide database called ``name``, created empty on first use. It lives until
    the process exits, so that ``idpool serve`` (which initializes, closes and opens the
    store again in one process) keeps what it created at start."""
    with _NAMED_LOCK:
        return _NAMED.setdefault(name, MemoryDatabase())


def forget_named_database(name: str) -> None:
    """Let the database called ``name`` go (the testing kit, when a server it named stops);
    handles still open on it keep it, and the next ``named_database(name)`` is a new one."""
    with _NAMED_LOCK:
        _NAMED.pop(name, None)


def memory_database_name(url: str) -> str:
    """The name in ``memory://<name>`` (empty for ``memory://``); ``ValueError`` unless the
    name is at most 64 letters, digits, ``.``, ``_`` or ``-`` (no path, query or credentials)."""
    name = url.removeprefix(MEMORY_PREFIX)
    if not url.startswith(MEMORY_PREFIX) or not _MEMORY_NAME.fullmatch(name):
        raise ValueError("a memory:// URL may only add a name of up to 64 letters, digits, '.', '_' or '-'")
    return name


def utc(value: dt.datetime) -> dt.datetime:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError("timestamps given to the store must be timezone-aware")
    return value.astimezone(dt.UTC)


def copy_of(record: _R) -> _R:
    """A deep copy: records are frozen, but their mappings (tags, policies, JWKs) are dicts."""
    return copy.deepcopy(record)


def page(records: list[_R], key: Callable[[_R], str], limit: int) -> list[_R]:
    return sorted(records, key=key)[: max(limit, 0)]


def found(value: _R | None, what: str) -> _R:
    if value is None:
        raise NotFound(f"{what} not found")
    return value
