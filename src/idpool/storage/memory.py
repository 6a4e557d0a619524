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

A ``MemoryDatabase`` may be shared by several ``MemoryStore`` handles (like two
connections to one database): closing a handle does not lose the data. ``memory://``
URLs name process-wide databases (``named_database``) so that every ``open_store`` of
the same URL in one process sees the same data.
"""

from __future__ import annotations

import contextlib
import copy
import dataclasses
import datetime as dt
import re
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import TypeVar

from idpool.model import AccessKey, Identity, IdentityPool, Login, Role, SigningKey, User, pool_from_json, pool_to_json
from idpool.storage import AlreadyExists, Conflict, Disabled, LimitReached, NotFound, Unavailable
from idpool.storage.rules import check_status, same_entity

_R = TypeVar("_R")
MEMORY_PREFIX = "memory://"
_MEMORY_NAME = re.compile(r"[A-Za-z0-9._-]{0,64}")


@dataclass
class _Tables:
    settings: dict[str, str] = field(default_factory=dict)
    pools: dict[str, IdentityPool] = field(default_factory=dict)
    identities: dict[str, Identity] = field(default_factory=dict)  # with their logins, sorted
    login_owners: dict[tuple[str, Login], str] = field(default_factory=dict)  # (pool id, login) -> identity id
    signing_keys: dict[str, SigningKey] = field(default_factory=dict)
    roles: dict[tuple[str, str], Role] = field(default_factory=dict)  # (account, lower-cased name)
    users: dict[tuple[str, str], User] = field(default_factory=dict)  # (account, lower-cased name)
    access_keys: dict[str, AccessKey] = field(default_factory=dict)  # naming the user's stored spelling
    guests: dict[str, int] = field(default_factory=dict)  # pool id -> unauthenticated identities
    rate_counters: dict[str, tuple[int, int]] = field(default_factory=dict)  # bucket -> (hits, expires at)


class MemoryDatabase:
    """The tables of one in-memory database and the lock that serializes every operation."""

    def __init__(self) -> None:
        self.tables = _Tables()
        self._lock = threading.Lock()
        self._holder: int | None = None

    @contextlib.contextmanager
    def transaction(self) -> Iterator[_Tables]:
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


def memory_database_name(url: str) -> str:
    """The name in ``memory://<name>`` (empty for ``memory://``); ``ValueError`` unless the
    name is at most 64 letters, digits, ``.``, ``_`` or ``-`` (no path, query or credentials)."""
    name = url.removeprefix(MEMORY_PREFIX)
    if not url.startswith(MEMORY_PREFIX) or not _MEMORY_NAME.fullmatch(name):
        raise ValueError("a memory:// URL may only add a name of up to 64 letters, digits, '.', '_' or '-'")
    return name


class MemoryStore:
    """The ``Store`` protocol over a ``MemoryDatabase`` (see ``idpool.storage``)."""

    def __init__(self, database: MemoryDatabase | None = None) -> None:
        self.database = database or MemoryDatabase()
        self._closed = False

    @contextlib.contextmanager
    def _tx(self) -> Iterator[_Tables]:
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
            return _copy(_found(t.pools.get(pool_id), "identity pool"))

    def update_pool(self, pool_id: str, updater: Callable[[IdentityPool], IdentityPool]) -> IdentityPool:
        with self._tx() as t:
            old = _found(t.pools.get(pool_id), "identity pool")
            new = updater(_copy(old))
            if (new.pool_id, new.account_id) != (old.pool_id, old.account_id):
                raise ValueError("an updater must not change a pool's id or account")
            stored = _stored_pool(dataclasses.replace(new, created_at=old.created_at), version=old.version + 1)
            t.pools[pool_id] = stored
            return _copy(stored)

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
            return [_copy(p) for p in _page(mine, lambda p: p.pool_id, limit)]

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
            return _found(t.identities.get(identity_id), "identity")  # only immutable values: no copy

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
                found = t.identities[owner]
                if found.disabled:  # stranded by an older idpool's racing merges: give it back (migration 3)
                    found = dataclasses.replace(found, disabled=False, authenticated=True)
                    _put_identity(t, found)
                return _copy(found), False
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
        now = _utc(now)
        with self._tx() as t:
            identity = _found(t.identities.get(identity_id), "identity")
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
        now = _utc(now)
        with self._tx() as t:
            identity = _found(t.identities.get(identity_id), "identity")
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
        now = _utc(now)
        with self._tx() as t:
            src, dst = (t.identities[_owner(t, pool_id, login)] for login in (source, destination))
            if src.identity_id == dst.identity_id:
                return _copy(dst)
            for identity in (src, dst):
                if identity.disabled:
                    raise _disabled(identity)
            if check is not None:
                check(_copy(src), _copy(dst))
            merged = dataclasses.replace(
                dst, authenticated=True, last_modified_at=now, logins=tuple(sorted(dst.logins + src.logins))
            )
            _put_identity(t, dataclasses.replace(src, disabled=True, last_modified_at=now, logins=()))
            _put_identity(t, merged)
            return _copy(merged)

    def list_identities(
        self, pool_id: str, limit: int, after: str | None = None, hide_disabled: bool = False
    ) -> list[Identity]:
        with self._tx() as t:
            found = [
                i for i in t.identities.values()
                if i.pool_id == pool_id and i.identity_id > (after or "") and not (hide_disabled and i.disabled)
            ]  # fmt: skip
            return _page(found, lambda i: i.identity_id, limit)

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
        before = _utc(created_before)
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

    # --- OpenID token signing keys -------------------------------------------------------
    def list_signing_keys(self) -> list[SigningKey]:
        with self._tx() as t:
            newest_first = sorted(t.signing_keys.values(), key=lambda k: (k.created_at, k.kid), reverse=True)
            return [_copy(k) for k in newest_first]

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
        retired_at, verify_until = _utc(now), _utc(retired_verify_until)
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
        now = _utc(now)
        with self._tx() as t:
            doomed = [
                k.kid for k in t.signing_keys.values()
                if not k.active and k.verify_until is not None and k.verify_until < now
            ]  # fmt: skip
            for kid in doomed:
                del t.signing_keys[kid]
            return len(doomed)

    # --- IAM: roles -------------------------------------------------------------------------
    def create_role(self, role: Role) -> None:
        stored = _stored_role(role)
        with self._tx() as t:
            if _name_key(role.account_id, role.name) in t.roles or any(
                r.role_id == role.role_id for r in t.roles.values()
            ):
                raise AlreadyExists(f"role {role.name} already exists")
            t.roles[_name_key(role.account_id, role.name)] = stored

    def get_role(self, account_id: str, name: str) -> Role:
        with self._tx() as t:
            return _copy(_found(t.roles.get(_name_key(account_id, name)), "role"))

    def update_role(self, account_id: str, name: str, updater: Callable[[Role], Role]) -> Role:
        with self._tx() as t:
            old = _found(t.roles.get(_name_key(account_id, name)), "role")
            new = updater(_copy(old))
            same_entity("role", (old.account_id, old.name, old.role_id), (new.account_id, new.name, new.role_id))
            stored = _stored_role(dataclasses.replace(new, created_at=old.created_at))
            t.roles[_name_key(account_id, name)] = stored
            return _copy(stored)

    def delete_role(self, account_id: str, name: str, check: Callable[[Role], None] | None = None) -> None:
        with self._tx() as t:
            role = _found(t.roles.get(_name_key(account_id, name)), "role")
            if check is not None:
                check(_copy(role))
            del t.roles[_name_key(account_id, name)]

    def list_roles(self, account_id: str, limit: int, after: str | None = None, path_prefix: str = "/") -> list[Role]:
        with self._tx() as t:
            found = [r for key, r in t.roles.items() if _listed(key, r.path, account_id, after, path_prefix)]
            return [_copy(r) for r in _page(found, lambda r: r.name.lower(), limit)]

    # --- IAM: users ---------------------------------------------------------------------------
    def create_user(self, user: User) -> None:
        stored = _stored_user(user)
        with self._tx() as t:
            if _name_key(user.account_id, user.name) in t.users or any(
                u.user_id == user.user_id for u in t.users.values()
            ):
                raise AlreadyExists(f"user {user.name} already exists")
            t.users[_name_key(user.account_id, user.name)] = stored

    def get_user(self, account_id: str, name: str) -> User:
        with self._tx() as t:
            return _copy(_found(t.users.get(_name_key(account_id, name)), "user"))

    def update_user(self, account_id: str, name: str, updater: Callable[[User], User]) -> User:
        with self._tx() as t:
            old = _found(t.users.get(_name_key(account_id, name)), "user")
            new = updater(_copy(old))
            same_entity("user", (old.account_id, old.name, old.user_id), (new.account_id, new.name, new.user_id))
            stored = _stored_user(dataclasses.replace(new, created_at=old.created_at))
            t.users[_name_key(account_id, name)] = stored
            return _copy(stored)

    def delete_user(self, account_id: str, name: str, check: Callable[[User], None] | None = None) -> None:
        with self._tx() as t:
            user = _found(t.users.get(_name_key(account_id, name)), "user")
            if check is not None:
                check(_copy(user))
            if _keys_of(t, user):  # IAM DeleteUser: DeleteConflict while access keys remain
                raise Conflict("the user still has access keys")
            del t.users[_name_key(account_id, name)]

    def list_users(self, account_id: str, limit: int, after: str | None = None, path_prefix: str = "/") -> list[User]:
        with self._tx() as t:
            found = [u for key, u in t.users.items() if _listed(key, u.path, account_id, after, path_prefix)]
            return [_copy(u) for u in _page(found, lambda u: u.name.lower(), limit)]

    # --- IAM: access keys ------------------------------------------------------------------------
    def create_access_key(self, key: AccessKey, max_per_user: int) -> None:
        check_status(key.status)
        created_at = _utc(key.created_at)
        with self._tx() as t:
            user = _found(t.users.get(_name_key(key.account_id, key.user_name)), "user")
            if len(_keys_of(t, user)) >= max_per_user:
                raise Conflict(f"the user already has {max_per_user} access keys")
            if key.access_key_id in t.access_keys:
                raise AlreadyExists(f"access key {key.access_key_id} already exists")
            # the key names its user as stored, whatever spelling the caller used
            t.access_keys[key.access_key_id] = dataclasses.replace(
                key, account_id=user.account_id, user_name=user.name, created_at=created_at,
                sealed_secret=bytes(key.sealed_secret),
            )

    def get_access_key(self, access_key_id: str) -> AccessKey | None:
        with self._tx() as t:
            return t.access_keys.get(access_key_id)  # only immutable values: no copy

    def list_access_keys(self, account_id: str, user_name: str) -> list[AccessKey]:
        with self._tx() as t:
            user = t.users.get(_name_key(account_id, user_name))
            return [] if user is None else _keys_of(t, user)

    def set_access_key_status(self, account_id: str, user_name: str, access_key_id: str, status: str) -> None:
        check_status(status)
        with self._tx() as t:
            key = _users_key(t, account_id, user_name, access_key_id)
            t.access_keys[access_key_id] = dataclasses.replace(key, status=status)

    def delete_access_key(self, account_id: str, user_name: str, access_key_id: str) -> None:
        with self._tx() as t:
            _users_key(t, account_id, user_name, access_key_id)
            del t.access_keys[access_key_id]


# --- identities: the table and its login index change together ------------------------------
def _owner(t: _Tables, pool_id: str, login: Login) -> str:
    owner = t.login_owners.get((pool_id, login))
    if owner is None:
        raise NotFound(f"login {login.provider}/{login.subject} is not linked in this pool", login=login)
    return owner


def _disabled(identity: Identity) -> Disabled:
    return Disabled(f"identity {identity.identity_id} is disabled", identity_id=identity.identity_id)


def _count(pools: Iterable[IdentityPool], account_id: str) -> int:
    return sum(1 for pool in pools if pool.account_id == account_id)


def _put_identity(t: _Tables, identity: Identity) -> None:
    """Store ``identity`` and make the login index and the pool's guest count agree with it."""
    previous = t.identities.get(identity.identity_id)
    for login in previous.logins if previous else ():
        del t.login_owners[(identity.pool_id, login)]
    for login in identity.logins:
        t.login_owners[(identity.pool_id, login)] = identity.identity_id
    was_guest = previous is not None and not previous.authenticated
    _count_guest(t, identity.pool_id, int(not identity.authenticated) - int(was_guest))
    t.identities[identity.identity_id] = identity


def _delete_identities(t: _Tables, identities: Sequence[Identity]) -> None:
    for identity in identities:
        for login in identity.logins:
            del t.login_owners[(identity.pool_id, login)]
        _count_guest(t, identity.pool_id, -int(not identity.authenticated))
        del t.identities[identity.identity_id]


def _count_guest(t: _Tables, pool_id: str, change: int) -> None:
    if change:
        t.guests[pool_id] = t.guests.get(pool_id, 0) + change


# --- IAM helpers -----------------------------------------------------------------------------
def _name_key(account_id: str, name: str) -> tuple[str, str]:
    # IAM names are ASCII ([\w+=,.@-]+), so lower() folds exactly the case IAM ignores.
    return account_id, name.lower()


def _listed(key: tuple[str, str], path: str, account_id: str, after: str | None, path_prefix: str) -> bool:
    """In the account, after ``after`` (a lower-cased name), under ``path_prefix``: an exact
    prefix comparison, as SqlStore's substr() (no wildcards, case-sensitive)."""
    acct, name_key = key
    return acct == account_id and name_key > (after or "") and path.startswith(path_prefix)


def _keys_of(t: _Tables, user: User) -> list[AccessKey]:
    """The user's keys, oldest first. Keys name their user as stored, and names cannot change."""
    mine = [k for k in t.access_keys.values() if (k.account_id, k.user_name) == (user.account_id, user.name)]
    return sorted(mine, key=lambda k: (k.created_at, k.access_key_id))


def _users_key(t: _Tables, account_id: str, user_name: str, access_key_id: str) -> AccessKey:
    user = t.users.get(_name_key(account_id, user_name))
    key = t.access_keys.get(access_key_id)
    if user is None or key is None or (key.account_id, key.user_name) != (user.account_id, user.name):
        raise NotFound("access key not found")
    return key




# --- records in and out ---------------------------------------------------------------------------
def _utc(value: dt.datetime) -> dt.datetime:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError("timestamps given to the store must be timezone-aware")
    return value.astimezone(dt.UTC)


def _copy(record: _R) -> _R:
    """A deep copy: records are frozen, but their mappings (tags, policies, JWKs) are dicts."""
    return copy.deepcopy(record)


def _stored_pool(pool: IdentityPool, *, version: int) -> IdentityPool:
    # Through the JSON document SqlStore keeps: a deep copy, with mappings sorted by key.
    return pool_from_json(
        pool_to_json(pool), account_id=pool.account_id, pool_id=pool.pool_id, name=pool.name,
        created_at=_utc(pool.created_at), version=version,
    )  # fmt: skip


def _stored_identity(identity: Identity) -> Identity:
    return dataclasses.replace(
        identity, created_at=_utc(identity.created_at), last_modified_at=_utc(identity.last_modified_at),
        logins=tuple(sorted(identity.logins)),
    )  # fmt: skip


def _new_active_key(key: SigningKey) -> SigningKey:
    """A key as inserted: active, never retired (as SqlStore inserts it, whatever it says)."""
    return dataclasses.replace(
        _copy(key), created_at=_utc(key.created_at), active=True, retired_at=None, verify_until=None,
        sealed_private_key=bytes(key.sealed_private_key),
    )  # fmt: skip


def _stored_role(role: Role) -> Role:
    return dataclasses.replace(
        role, created_at=_utc(role.created_at), tags=dict(sorted(role.tags.items())),
        policies=dict(sorted(role.policies.items())),
    )  # fmt: skip


def _stored_user(user: User) -> User:
    return dataclasses.replace(
        user, created_at=_utc(user.created_at), tags=dict(sorted(user.tags.items())),
        policies=dict(sorted(user.policies.items())),
    )  # fmt: skip


def _page(records: list[_R], key: Callable[[_R], str], limit: int) -> list[_R]:
    return sorted(records, key=key)[: max(limit, 0)]


def _found(value: _R | None, what: str) -> _R:
    if value is None:
        raise NotFound(f"{what} not found")
    return value
