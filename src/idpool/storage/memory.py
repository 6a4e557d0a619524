"""``MemoryStore``: the ``Store`` protocol in this process's memory, for tests and trials.

Nothing is written to disk: the data lives as long as the process. Every method takes
the database's one lock, so each is atomic and the store is safe from any number of
threads. Each write first reads and checks everything it needs, runs the caller's
updater or check, and only then changes the tables; an exception at any point before
that (a check that refuses, an updater that raises, a uniqueness rule) leaves nothing
changed, as a rolled-back transaction would. Updaters and checks therefore run exactly
once here, and must not call the store (it would wait on its own lock; it is refused).

The SQL schema's rules are kept by hand, one place each:

- one identity per (pool, login): ``login_owners``, changed only with the identities;
- IAM names unique per account case-insensitively: roles and users are keyed by
  (account, lower-cased name), as ``SqlStore`` keys them by ``name_key``;
- one active signing key: ``add_first_signing_key`` and ``rotate_signing_key`` check it;
- a pool's identities and logins go with it (``ON DELETE CASCADE`` in SQL).

Records go in and come out as copies, with timestamps in UTC, so no caller can change
the stored data by mutating a record's mappings. Pools go through the same JSON
document ``SqlStore`` keeps (``pool_to_json``), so both backends return the same shapes;
roles' and users' tags and policies are sorted by key, as ``SqlStore`` stores them.

The tables and the record helpers are in ``memory_tables``; the IAM methods (roles, users, access
keys, managed policies) in ``memory_iam``, a mixin of ``MemoryStore``.

A ``MemoryDatabase`` may be shared by several ``MemoryStore`` handles (like two
connections to one database): closing a handle does not lose the data. ``memory://``
URLs name process-wide databases (``named_database``) so that every ``open_store`` of
the same URL in one process sees the same data.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
from collections.abc import Callable, Iterable, Iterator, Sequence

from idpool.model import Identity, IdentityPool, Login, SigningKey, pool_from_json, pool_to_json
from idpool.storage import AlreadyExists, Conflict, Disabled, LimitReached, NotFound, Unavailable
from idpool.storage.memory_iam import IamMemoryMixin
from idpool.storage.memory_tables import (
    MEMORY_PREFIX,
    MemoryDatabase,
    Tables,
    copy_of,
    forget_named_database,
    found,
    memory_database_name,
    named_database,
    page,
    utc,
)
from idpool.storage.rules import check_importable

__all__ = [
    "MEMORY_PREFIX", "MemoryDatabase", "MemoryStore", "forget_named_database", "memory_database_name",
    "named_database",
]

class MemoryStore(IamMemoryMixin):
    """The ``Store`` protocol over a ``MemoryDatabase`` (see ``idpool.storage``)."""

    def __init__(self, database: MemoryDatabase | None = None) -> None:
        self.database = database or MemoryDatabase()
        self._closed = False

    @contextlib.contextmanager
    def _tx(self) -> Iterator[Tables]:
        if self._closed:
            raise Unavailable("the store is closed")
        with self.database.transaction() as tables:
            yield tables

    # --- lifecycle ------------------------------------------------------------------
    def close(self) -> None:
        """Close this handle; the database and other handles on it are untouched."""
        self._closed = True

    def ping(self) -> None:
        with self._tx():
            pass

    # --- settings ---------------------------------------------------------------------
    def get_setting(self, key: str) -> str | None:
        with self._tx() as t:
            return t.settings.get(key)

    def put_setting_if_absent(self, key: str, value: str) -> str:
        with self._tx() as t:
            return t.settings.setdefault(key, value)

    # --- identity pools ---------------------------------------------------------------
    def create_pool(self, pool: IdentityPool, max_per_account: int | None = None) -> None:
        stored = _stored_pool(pool, version=pool.version)
        with self._tx() as t:
            if max_per_account is not None and _count(t.pools.values(), pool.account_id) >= max_per_account:
                raise LimitReached(f"account {pool.account_id} has {max_per_account} identity pools")
            if pool.pool_id in t.pools:
                raise AlreadyExists(f"identity pool {pool.pool_id} already exists")
            t.pools[pool.pool_id] = stored

    def get_pool(self, pool_id: str) -> IdentityPool:
        with self._tx() as t:
            return copy_of(found(t.pools.get(pool_id), "identity pool"))

    def update_pool(self, pool_id: str, updater: Callable[[IdentityPool], IdentityPool]) -> IdentityPool:
        with self._tx() as t:
            old = found(t.pools.get(pool_id), "identity pool")
            new = updater(copy_of(old))
            if (new.pool_id, new.account_id) != (old.pool_id, old.account_id):
                raise ValueError("an updater must not change a pool's id or account")
            stored = _stored_pool(dataclasses.replace(new, created_at=old.created_at), version=old.version + 1)
            t.pools[pool_id] = stored
            return copy_of(stored)

    def delete_pool(self, pool_id: str) -> None:
        with self._tx() as t:
            if t.pools.pop(pool_id, None) is None:
                raise NotFound(f"identity pool {pool_id} not found")
            doomed = [i for i in t.identities.values() if i.pool_id == pool_id]
            _delete_identities(t, doomed)
            t.guests.pop(pool_id, None)

    def list_pools(self, account_id: str, limit: int, after: str | None = None) -> list[IdentityPool]:
        with self._tx() as t:
            mine = [p for p in t.pools.values() if p.account_id == account_id and p.pool_id > (after or "")]
            return [copy_of(p) for p in page(mine, lambda p: p.pool_id, limit)]

    def count_pools(self, account_id: str) -> int:
        with self._tx() as t:
            return _count(t.pools.values(), account_id)

    # --- identities and their logins -------------------------------------------------------
    def create_identity(self, identity: Identity, max_guests: int | None = None) -> None:
        if identity.logins or identity.authenticated:
            raise ValueError("create_identity makes a guest; link logins with link_logins")
        stored = _stored_identity(identity)
        with self._tx() as t:
            if identity.pool_id not in t.pools:
                raise NotFound(f"identity pool {identity.pool_id} not found")
            if max_guests is not None and t.guests.get(identity.pool_id, 0) >= max_guests:
                raise LimitReached(f"identity pool {identity.pool_id} has {max_guests} unauthenticated identities")
            if identity.identity_id in t.identities:
                raise AlreadyExists(f"identity {identity.identity_id} already exists")
            _put_identity(t, stored)

    def get_identity(self, identity_id: str) -> Identity:
        with self._tx() as t:
            return found(t.identities.get(identity_id), "identity")  # only immutable values: no copy

    def identity_for_login(self, pool_id: str, login: Login) -> Identity | None:
        with self._tx() as t:
            owner = t.login_owners.get((pool_id, login))
            return None if owner is None else t.identities[owner]

    def get_or_create_identity_for_login(
        self, pool_id: str, login: Login, candidate: Identity
    ) -> tuple[Identity, bool]:
        if candidate.pool_id != pool_id:
            raise ValueError("the candidate identity belongs to another pool")
        created = _stored_identity(dataclasses.replace(candidate, authenticated=True, logins=(login,)))
        with self._tx() as t:
            owner = t.login_owners.get((pool_id, login))
            if owner is not None:
                existing = t.identities[owner]
                if existing.disabled:  # stranded by an older idpool's racing merges: give it back (migration 3)
                    existing = dataclasses.replace(existing, disabled=False, authenticated=True)
                    _put_identity(t, existing)
                return copy_of(existing), False
            if pool_id not in t.pools:
                raise NotFound(f"identity pool {pool_id} not found")
            if created.identity_id in t.identities:
                raise AlreadyExists(f"identity {created.identity_id} already exists")
            _put_identity(t, created)
            return created, True

    def link_logins(
        self,
        identity_id: str,
        logins: Sequence[Login],
        now: dt.datetime,
        check: Callable[[Identity], None] | None = None,
    ) -> Identity:
        now = utc(now)
        with self._tx() as t:
            identity = found(t.identities.get(identity_id), "identity")
            if check is not None:
                check(identity)
            if identity.disabled:
                raise _disabled(identity)
            for login in logins:
                owner = t.login_owners.get((identity.pool_id, login))
                if owner is not None and owner != identity_id:
                    raise Conflict("login is linked to another identity", login=login, owner=owner)
            linked = tuple(sorted(set(identity.logins) | set(logins)))
            updated = dataclasses.replace(identity, authenticated=True, last_modified_at=now, logins=linked)
            _put_identity(t, updated)
            return updated

    def unlink_logins(
        self,
        identity_id: str,
        now: dt.datetime,
        *,
        logins: Sequence[Login] = (),
        providers: Sequence[str] = (),
    ) -> tuple[Identity, int]:
        now = utc(now)
        with self._tx() as t:
            identity = found(t.identities.get(identity_id), "identity")
            named, whole = set(logins), set(providers)
            kept = tuple(lg for lg in identity.logins if lg not in named and lg.provider not in whole)
            removed = len(identity.logins) - len(kept)
            if removed == 0:
                return identity, 0
            updated = dataclasses.replace(identity, last_modified_at=now, logins=kept)
            _put_identity(t, updated)
            return updated, removed

    def merge_logins(
        self,
        pool_id: str,
        source: Login,
        destination: Login,
        now: dt.datetime,
        check: Callable[[Identity, Identity], None] | None = None,
    ) -> Identity:
        now = utc(now)
        with self._tx() as t:
            src, dst = (t.identities[_owner(t, pool_id, login)] for login in (source, destination))
            if src.identity_id == dst.identity_id:
                return copy_of(dst)
            for identity in (src, dst):
                if identity.disabled:
                    raise _disabled(identity)
            if check is not None:
                check(copy_of(src), copy_of(dst))
            merged = dataclasses.replace(
                dst, authenticated=True, last_modified_at=now, logins=tuple(sorted(dst.logins + src.logins))
            )
            _put_identity(t, dataclasses.replace(src, disabled=True, last_modified_at=now, logins=()))
            _put_identity(t, merged)
            return copy_of(merged)

    def list_identities(
        self, pool_id: str, limit: int, after: str | None = None, hide_disabled: bool = False
    ) -> list[Identity]:
        with self._tx() as t:
            listed = [
                i for i in t.identities.values()
                if i.pool_id == pool_id and i.identity_id > (after or "") and not (hide_disabled and i.disabled)
            ]  # fmt: skip
            return page(listed, lambda i: i.identity_id, limit)

    def delete_identities(self, identity_ids: Sequence[str]) -> None:
        with self._tx() as t:
            doomed = [t.identities[i] for i in dict.fromkeys(identity_ids) if i in t.identities]
            _delete_identities(t, doomed)

    def mark_identity_used(self, identity_id: str) -> None:
        with self._tx() as t:
            identity = t.identities.get(identity_id)
            if identity is not None and not identity.used:
                _put_identity(t, dataclasses.replace(identity, used=True))

    def delete_unused_guests(self, created_before: dt.datetime, limit: int) -> int:
        before = utc(created_before)
        with self._tx() as t:
            unused = [i for i in t.identities.values() if not (i.authenticated or i.used) and i.created_at < before]
            doomed = sorted(unused, key=lambda i: (i.created_at, i.identity_id))[: max(limit, 0)]
            _delete_identities(t, doomed)
            return len(doomed)

    # --- request-rate counters ---------------------------------------------------------------
    def hit_rate_counters(self, buckets: Sequence[tuple[str, int]]) -> list[int]:
        with self._tx() as t:
            for bucket, expires_at in dict(buckets).items():  # a bucket named twice counts once
                t.rate_counters[bucket] = (t.rate_counters.get(bucket, (0, expires_at))[0] + 1, expires_at)
            return [t.rate_counters[bucket][0] for bucket, _ in buckets]

    def prune_rate_counters(self, now_epoch: int) -> int:
        with self._tx() as t:
            over = [bucket for bucket, (_, expires_at) in t.rate_counters.items() if expires_at <= now_epoch]
            for bucket in over:
                del t.rate_counters[bucket]
            return len(over)

    def import_identity(self, identity: Identity) -> None:
        check_importable(identity)
        stored = _stored_identity(dataclasses.replace(identity, logins=tuple(set(identity.logins))))
        with self._tx() as t:
            if identity.identity_id in t.identities:
                raise AlreadyExists(f"identity {identity.identity_id} already exists")
            if identity.pool_id not in t.pools:
                raise NotFound(f"identity pool {identity.pool_id} not found")
            for login in stored.logins:
                owner = t.login_owners.get((identity.pool_id, login))
                if owner is not None:
                    raise Conflict("login is linked to another identity", login=login, owner=owner)
            _put_identity(t, stored)

    # --- OpenID token signing keys -------------------------------------------------------
    def list_signing_keys(self) -> list[SigningKey]:
        with self._tx() as t:
            newest_first = sorted(t.signing_keys.values(), key=lambda k: (k.created_at, k.kid), reverse=True)
            return [copy_of(k) for k in newest_first]

    def add_first_signing_key(self, key: SigningKey) -> bool:
        stored = _new_active_key(key)
        with self._tx() as t:
            if any(k.active for k in t.signing_keys.values()):
                return False
            if key.kid in t.signing_keys:
                raise AlreadyExists(f"signing key {key.kid} already exists")
            t.signing_keys[key.kid] = stored
            return True

    def rotate_signing_key(
        self, expected_active_kid: str, new_key: SigningKey, retired_verify_until: dt.datetime, now: dt.datetime
    ) -> bool:
        stored = _new_active_key(new_key)
        retired_at, verify_until = utc(now), utc(retired_verify_until)
        with self._tx() as t:
            current = t.signing_keys.get(expected_active_kid)
            if current is None or not current.active:
                return False  # another rotation won, or the kid is not active
            if new_key.kid in t.signing_keys:
                raise AlreadyExists(f"signing key {new_key.kid} already exists")
            t.signing_keys[current.kid] = dataclasses.replace(
                current, active=False, retired_at=retired_at, verify_until=verify_until
            )
            t.signing_keys[new_key.kid] = stored
            return True

    def prune_signing_keys(self, now: dt.datetime) -> int:
        now = utc(now)
        with self._tx() as t:
            doomed = [
                k.kid for k in t.signing_keys.values()
                if not k.active and k.verify_until is not None and k.verify_until < now
            ]  # fmt: skip
            for kid in doomed:
                del t.signing_keys[kid]
            return len(doomed)


# --- identities: the table and its login index change together ------------------------------
def _owner(t: Tables, pool_id: str, login: Login) -> str:
    owner = t.login_owners.get((pool_id, login))
    if owner is None:
        raise NotFound(f"login {login.provider}/{login.subject} is not linked in this pool", login=login)
    return owner


def _disabled(identity: Identity) -> Disabled:
    return Disabled(f"identity {identity.identity_id} is disabled", identity_id=identity.identity_id)


def _count(pools: Iterable[IdentityPool], account_id: str) -> int:
    return sum(1 for pool in pools if pool.account_id == account_id)


def _put_identity(t: Tables, identity: Identity) -> None:
    """Store ``identity`` and make the login index and the pool's guest count agree with it."""
    previous = t.identities.get(identity.identity_id)
    for login in previous.logins if previous else ():
        del t.login_owners[(identity.pool_id, login)]
    for login in identity.logins:
        t.login_owners[(identity.pool_id, login)] = identity.identity_id
    was_guest = previous is not None and not previous.authenticated
    _count_guest(t, identity.pool_id, int(not identity.authenticated) - int(was_guest))
    t.identities[identity.identity_id] = identity


def _delete_identities(t: Tables, identities: Sequence[Identity]) -> None:
    for identity in identities:
        for login in identity.logins:
            del t.login_owners[(identity.pool_id, login)]
        _count_guest(t, identity.pool_id, -int(not identity.authenticated))
        del t.identities[identity.identity_id]


def _count_guest(t: Tables, pool_id: str, change: int) -> None:
    if change:
        t.guests[pool_id] = t.guests.get(pool_id, 0) + change


# --- records in and out ---------------------------------------------------------------------------
def _stored_pool(pool: IdentityPool, *, version: int) -> IdentityPool:
    # Through the JSON document SqlStore keeps: a deep copy, with mappings sorted by key.
    return pool_from_json(
        pool_to_json(pool), account_id=pool.account_id, pool_id=pool.pool_id, name=pool.name,
        created_at=utc(pool.created_at), version=version,
    )  # fmt: skip


def _stored_identity(identity: Identity) -> Identity:
    return dataclasses.replace(
        identity, created_at=utc(identity.created_at), last_modified_at=utc(identity.last_modified_at),
        logins=tuple(sorted(identity.logins)),
    )  # fmt: skip


def _new_active_key(key: SigningKey) -> SigningKey:
    """A key as inserted: active, never retired (as SqlStore inserts it, whatever it says)."""
    return dataclasses.replace(
        copy_of(key), created_at=utc(key.created_at), active=True, retired_at=None, verify_until=None,
        sealed_private_key=bytes(key.sealed_private_key),
    )  # fmt: skip
