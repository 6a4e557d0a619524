"""``SqlStore``: the ``Store`` protocol over SQLite and PostgreSQL, one code path for both.

The SQL is in ``queries``, written once; the flavor (``flavors``) adapts it, runs
each method as one unit of work and turns driver errors into storage errors.
How each write stays correct when several processes race:

- A new login is claimed by ``INSERT ... ON CONFLICT DO NOTHING`` on the ``logins``
  primary key. Under READ COMMITTED a racing insert waits for the first one to
  commit or roll back; under SQLite's ``BEGIN IMMEDIATE`` writers are serialized.
  Either way exactly one insert lands, and the losers roll back and read it.
- A change to an identity's logins first locks the identity row (``FOR UPDATE``);
  every statement that changes an existing identity's logins holds that lock, so
  the logins read after it are current.
- A merge finds the owners of its two logins, locks both rows in identity id order
  (two merges never wait on each other in a cycle), then reads the owners again: if
  a racing merge, unlink or delete moved a login while we waited, it starts over
  with the new owners. No login moves to or from a disabled identity, so no login
  is ever left on one.
- Read-modify-write of a pool locks the pool row, then runs the updater.
- A pool created under the per-account limit first locks its account's row in
  ``account_locks``, then counts and inserts: creations for one account take turns,
  so the count each one sees includes every pool committed before it.
- Signing keys: the partial unique index allows one active key; rotation is a
  conditional ``UPDATE ... WHERE kid = ? AND active``, which only one racer can win.

The hot path (``identity_for_login``, ``get_pool``) is one statement, one round trip.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from collections.abc import Callable, Iterable, Sequence
from typing import Any, TypeVar

from idpool.model import Identity, IdentityPool, Login, SigningKey, pool_from_json, pool_to_json
from idpool.storage import AlreadyExists, Conflict, Disabled, LimitReached, NotFound, Unavailable
from idpool.storage import queries as q
from idpool.storage.flavors import Flavor, ForeignKeyViolation, RetryTransaction, Row, Tx, UniqueViolation
from idpool.storage.rules import check_importable
from idpool.storage.sql_iam import IamSqlMixin
from idpool.storage.sql_policies import PolicySqlMixin
from idpool.storage.sql_upkeep import UpkeepSqlMixin

_V = TypeVar("_V")
_CLAIM_ROUNDS = 8  # get_or_create: lost the race, then the winner vanished (deleted), again...


class _LoginTaken(Exception):
    """The candidate lost the race for a login: roll back and read the winner."""


class SqlStore(IamSqlMixin, PolicySqlMixin, UpkeepSqlMixin):
    """The ``Store`` protocol over SQLite or PostgreSQL (see ``idpool.storage``)."""

    def __init__(self, flavor: Flavor) -> None:
        self.flavor = flavor

    # --- lifecycle ------------------------------------------------------------------
    def close(self) -> None:
        self.flavor.close()

    def ping(self) -> None:
        self.flavor.run(lambda tx: tx.one(self.flavor.ping_query))

    # --- settings -------------------------------------------------------------------------
    def get_setting(self, key: str) -> str | None:
        row = self.flavor.run(lambda tx: tx.one(q.GET_SETTING, (key,)))
        return None if row is None else str(row[0])

    def put_setting_if_absent(self, key: str, value: str) -> str:
        def work(tx: Tx) -> str:
            tx.run(q.PUT_SETTING_IF_ABSENT, (key, value))
            # A new statement: under READ COMMITTED it sees the winner's committed row.
            return str(_required(tx.one(q.GET_SETTING, (key,)))[0])

        return self.flavor.run(work, write=True)

    # --- identity pools ------------------------------------------------------------------
    def create_pool(self, pool: IdentityPool, max_per_account: int | None = None) -> None:
        row = (pool.pool_id, pool.account_id, pool.name, pool_to_json(pool), self._t(pool.created_at), pool.version)

        def work(tx: Tx) -> None:
            if max_per_account is not None:
                tx.run(q.ADD_ACCOUNT_LOCK, (pool.account_id,))
                tx.one(q.LOCK_ACCOUNT, (pool.account_id,))
                # A new statement after the lock: it counts every pool committed before it.
                if int(_required(tx.one(q.COUNT_POOLS, (pool.account_id,)))[0]) >= max_per_account:
                    raise LimitReached(f"account {pool.account_id} has {max_per_account} identity pools")
            tx.run(q.INSERT_POOL, row)

        try:
            self.flavor.run(work, write=True)
        except AlreadyExists:
            raise AlreadyExists(f"identity pool {pool.pool_id} already exists") from None

    def get_pool(self, pool_id: str) -> IdentityPool:
        return self._pool(_not_found(self.flavor.run(lambda tx: tx.one(q.GET_POOL, (pool_id,))), "identity pool"))

    def update_pool(self, pool_id: str, updater: Callable[[IdentityPool], IdentityPool]) -> IdentityPool:
        def work(tx: Tx) -> IdentityPool:
            old = self._pool(_not_found(tx.one(q.LOCK_POOL, (pool_id,)), "identity pool"))
            new = updater(old)
            if (new.pool_id, new.account_id) != (old.pool_id, old.account_id):
                raise ValueError("an updater must not change a pool's id or account")
            stored = dataclasses.replace(new, created_at=old.created_at, version=old.version + 1)
            tx.run(q.UPDATE_POOL, (stored.name, pool_to_json(stored), stored.version, pool_id))
            return stored

        return self.flavor.run(work, write=True)

    def delete_pool(self, pool_id: str) -> None:
        # identities and logins follow through ON DELETE CASCADE
        if self.flavor.run(lambda tx: tx.run(q.DELETE_POOL, (pool_id,)), write=True) == 0:
            raise NotFound(f"identity pool {pool_id} not found")

    def list_pools(self, account_id: str, limit: int, after: str | None = None) -> list[IdentityPool]:
        rows = self.flavor.run(lambda tx: tx.all(q.LIST_POOLS, (account_id, after or "", max(limit, 0))))
        return [self._pool(row) for row in rows]

    def count_pools(self, account_id: str) -> int:
        return int(_required(self.flavor.run(lambda tx: tx.one(q.COUNT_POOLS, (account_id,))))[0])

    # --- identities ------------------------------------------------------------------------
    def create_identity(self, identity: Identity, max_guests: int | None = None) -> None:
        if identity.logins or identity.authenticated:
            raise ValueError("create_identity makes a guest; link logins with link_logins")

        def work(tx: Tx) -> None:
            # The pool's guest count first: the conditional UPDATE is the cap, and its row
            # lock makes concurrent GetId calls of one pool take turns near the cap.
            if max_guests is None:
                counted = tx.run(q.ADD_GUEST, (identity.pool_id,))
            else:
                counted = tx.run(q.ADD_GUEST_UNDER_CAP, (identity.pool_id, max_guests))
            if counted == 0:
                if tx.one(q.POOL_EXISTS, (identity.pool_id,)) is None:
                    raise NotFound(f"identity pool {identity.pool_id} not found")
                raise LimitReached(f"identity pool {identity.pool_id} has {max_guests} unauthenticated identities")
            self._insert_identity(tx, identity)

        try:
            self.flavor.run(work, write=True)
        except AlreadyExists:
            raise AlreadyExists(f"identity {identity.identity_id} already exists") from None

    def get_identity(self, identity_id: str) -> Identity:
        rows = self.flavor.run(lambda tx: tx.all(q.GET_IDENTITY, (identity_id,)))
        return _not_found(self._first_identity(rows), "identity")

    def identity_for_login(self, pool_id: str, login: Login) -> Identity | None:
        rows = self.flavor.run(lambda tx: tx.all(q.IDENTITY_FOR_LOGIN, (pool_id, login.provider, login.subject)))
        return self._first_identity(rows)

    def get_or_create_identity_for_login(
        self, pool_id: str, login: Login, candidate: Identity
    ) -> tuple[Identity, bool]:
        if candidate.pool_id != pool_id:
            raise ValueError("the candidate identity belongs to another pool")
        created = dataclasses.replace(candidate, authenticated=True, logins=(login,))
        for _ in range(_CLAIM_ROUNDS):
            found = self.identity_for_login(pool_id, login)
            if found is not None and found.disabled:
                self._give_back_stranded(found.identity_id)
                continue  # read it again, enabled (or the login's new owner, had it moved meanwhile)
            if found is not None:
                return found, False
            try:
                self.flavor.run(lambda tx: self._claim_login(tx, created, login), write=True)
                return created, True
            except _LoginTaken:
                continue  # the winner committed first: read it on the next round
        raise Unavailable("the login kept changing hands; retry")

    def _give_back_stranded(self, identity_id: str) -> None:
        """Enable again a disabled identity that still has logins (the repair of migration 3,
        for logins stranded by an older idpool still running against this database)."""
        self.flavor.run(lambda tx: tx.run(q.ENABLE_STRANDED_IDENTITY, (identity_id,)), write=True)

    def _claim_login(self, tx: Tx, identity: Identity, login: Login) -> None:
        try:
            self._insert_identity(tx, identity)
        except UniqueViolation:
            raise AlreadyExists(f"identity {identity.identity_id} already exists") from None
        linked = tx.run(q.INSERT_LOGIN_IF_FREE, self._login_row(identity, login, identity.created_at))
        if linked == 0:
            raise _LoginTaken()  # rolls back the candidate identity too

    def _insert_identity(self, tx: Tx, identity: Identity) -> None:
        row = (
            identity.identity_id, identity.pool_id, identity.account_id, self._t(identity.created_at),
            self._t(identity.last_modified_at), identity.authenticated, identity.disabled, identity.used,
        )  # fmt: skip
        try:
            tx.run(q.INSERT_IDENTITY, row)
        except ForeignKeyViolation:
            raise NotFound(f"identity pool {identity.pool_id} not found") from None

    def link_logins(
        self,
        identity_id: str,
        logins: Sequence[Login],
        now: dt.datetime,
        check: Callable[[Identity], None] | None = None,
    ) -> Identity:
        def work(tx: Tx) -> Identity:
            identity = self._lock_identity(tx, identity_id)
            if check is not None:
                check(identity)
            if identity.disabled:
                raise _disabled(identity)
            linked = set(identity.logins)
            for login in logins:
                if login not in linked:
                    self._link_one(tx, identity, login, now)
                    linked.add(login)
            tx.run(q.TOUCH_IDENTITY, (self._t(now), True, identity_id))
            if not identity.authenticated:  # a guest no more: the pool counts one guest less
                tx.run(q.REMOVE_GUESTS, (1, identity.pool_id))
            return dataclasses.replace(
                identity, authenticated=True, last_modified_at=now, logins=tuple(sorted(linked))
            )

        return self.flavor.run(work, write=True)

    def _link_one(self, tx: Tx, identity: Identity, login: Login, now: dt.datetime) -> None:
        if tx.run(q.INSERT_LOGIN_IF_FREE, self._login_row(identity, login, now)) == 1:
            return
        owner = tx.one(q.LOGIN_OWNER, (identity.pool_id, login.provider, login.subject))
        if owner is None:  # the holder was unlinked between our two statements
            raise RetryTransaction()
        if owner[0] != identity.identity_id:
            raise Conflict("login is linked to another identity", login=login, owner=str(owner[0]))

    def unlink_logins(
        self,
        identity_id: str,
        now: dt.datetime,
        *,
        logins: Sequence[Login] = (),
        providers: Sequence[str] = (),
    ) -> tuple[Identity, int]:
        def work(tx: Tx) -> tuple[Identity, int]:
            identity = self._lock_identity(tx, identity_id)
            named, whole = set(logins), set(providers)
            doomed = [lg for lg in identity.logins if lg in named or lg.provider in whole]
            if not doomed:
                return identity, 0
            for login in doomed:
                tx.run(q.DELETE_LOGIN, (identity.pool_id, login.provider, login.subject, identity_id))
            tx.run(q.TOUCH_IDENTITY, (self._t(now), identity.authenticated, identity_id))
            kept = tuple(lg for lg in identity.logins if lg not in doomed)
            return dataclasses.replace(identity, last_modified_at=now, logins=kept), len(doomed)

        return self.flavor.run(work, write=True)

    def merge_logins(
        self,
        pool_id: str,
        source: Login,
        destination: Login,
        now: dt.datetime,
        check: Callable[[Identity, Identity], None] | None = None,
    ) -> Identity:
        def work(tx: Tx) -> Identity:
            owners = self._owners(tx, pool_id, source, destination)
            if owners[0] == owners[1]:
                return _not_found(self._read_identity(tx, owners[1]), "identity")
            tx.all(q.LOCK_IDENTITIES, owners)
            # A new statement after the lock sees what a racing merge, unlink or delete
            # committed while we waited; if it moved either login, run again from the top.
            if self._owners(tx, pool_id, source, destination) != owners:
                raise RetryTransaction()
            src = _not_found(self._read_identity(tx, owners[0]), "identity")
            dst = _not_found(self._read_identity(tx, owners[1]), "identity")
            for identity in (src, dst):
                if identity.disabled:
                    raise _disabled(identity)
            if check is not None:
                check(src, dst)
            tx.run(q.MOVE_LOGINS, (dst.identity_id, src.identity_id))
            tx.run(q.DISABLE_IDENTITY, (self._t(now), src.identity_id))
            tx.run(q.TOUCH_IDENTITY, (self._t(now), True, dst.identity_id))
            return dataclasses.replace(
                dst, authenticated=True, last_modified_at=now, logins=tuple(sorted(dst.logins + src.logins))
            )

        return self.flavor.run(work, write=True)

    def _owners(self, tx: Tx, pool_id: str, *logins: Login) -> tuple[str, ...]:
        """The identity id each login is linked to; ``NotFound`` (naming it) for a free login."""
        owners = []
        for login in logins:
            row = tx.one(q.LOGIN_OWNER, (pool_id, login.provider, login.subject))
            if row is None:
                raise NotFound(f"login {login.provider}/{login.subject} is not linked in this pool", login=login)
            owners.append(str(row[0]))
        return tuple(owners)

    def list_identities(
        self, pool_id: str, limit: int, after: str | None = None, hide_disabled: bool = False
    ) -> list[Identity]:
        query = q.LIST_ENABLED_IDENTITIES if hide_disabled else q.LIST_ALL_IDENTITIES
        rows = self.flavor.run(lambda tx: tx.all(query, (pool_id, after or "", max(limit, 0))))
        return self._identities(rows)

    def delete_identities(self, identity_ids: Sequence[str]) -> None:
        # In id order, the order merges lock in, so a delete and a merge never deadlock.
        ids = sorted(set(identity_ids))

        def work(tx: Tx) -> None:
            guests: dict[str, int] = {}
            for identity_id in ids:  # logins follow through ON DELETE CASCADE; unknown ids delete nothing
                for pool_id, authenticated in tx.all(q.DELETE_IDENTITY, (identity_id,)):
                    if not authenticated:
                        guests[pool_id] = guests.get(pool_id, 0) + 1
            self._forget_guests(tx, guests)

        if ids:
            self.flavor.run(work, write=True)

    def import_identity(self, identity: Identity) -> None:
        check_importable(identity)

        def work(tx: Tx) -> None:
            self._insert_identity(tx, identity)
            for login in sorted(set(identity.logins)):
                self._link_one(tx, identity, login, identity.last_modified_at)

        try:
            self.flavor.run(work, write=True)
        except AlreadyExists:
            raise AlreadyExists(f"identity {identity.identity_id} already exists") from None

    def _lock_identity(self, tx: Tx, identity_id: str) -> Identity:
        # Lock first, then read in a new statement: under READ COMMITTED that read
        # sees every change committed by whoever held the lock before us.
        tx.all(q.LOCK_IDENTITIES, (identity_id, identity_id))
        return _not_found(self._read_identity(tx, identity_id), "identity")

    def _read_identity(self, tx: Tx, identity_id: str) -> Identity | None:
        return self._first_identity(tx.all(q.GET_IDENTITY, (identity_id,)))

    # --- signing keys ------------------------------------------------------------------------
    def list_signing_keys(self) -> list[SigningKey]:
        return [self._key(row) for row in self.flavor.run(lambda tx: tx.all(q.LIST_KEYS))]

    def add_first_signing_key(self, key: SigningKey) -> bool:
        # The partial unique index is the arbiter: a second active key does nothing.
        try:
            return self.flavor.run(lambda tx: tx.run(q.INSERT_FIRST_KEY, self._key_row(key)), write=True) == 1
        except AlreadyExists:
            raise AlreadyExists(f"signing key {key.kid} already exists") from None

    def rotate_signing_key(
        self, expected_active_kid: str, new_key: SigningKey, retired_verify_until: dt.datetime, now: dt.datetime
    ) -> bool:
        def work(tx: Tx) -> bool:
            retire = (self._t(now), self._t(retired_verify_until), expected_active_kid)
            if tx.run(q.RETIRE_KEY, retire) == 0:
                return False  # another rotation won, or the kid is not active
            tx.run(q.INSERT_KEY, self._key_row(new_key))
            return True

        try:
            return self.flavor.run(work, write=True)
        except AlreadyExists:
            raise AlreadyExists(f"signing key {new_key.kid} already exists") from None

    def prune_signing_keys(self, now: dt.datetime) -> int:
        return self.flavor.run(lambda tx: tx.run(q.PRUNE_KEYS, (self._t(now),)), write=True)

    # --- rows <-> records -----------------------------------------------------------------
    def _t(self, value: dt.datetime) -> Any:
        return self.flavor.time_in(value)

    def _pool(self, row: Row) -> IdentityPool:
        pool_id, account_id, name, doc, created_at, version = row
        return pool_from_json(
            doc, account_id=account_id, pool_id=pool_id, name=name,
            created_at=self.flavor.time_out(created_at), version=int(version),
        )  # fmt: skip

    def _login_row(self, identity: Identity, login: Login, at: dt.datetime) -> tuple[Any, ...]:
        return (identity.pool_id, login.provider, login.subject, identity.identity_id, self._t(at))

    def _first_identity(self, rows: list[Row]) -> Identity | None:
        found = self._identities(rows)
        return found[0] if found else None

    def _identities(self, rows: Iterable[Row]) -> list[Identity]:
        """Rows of (identity columns..., provider, subject), grouped by identity in order."""
        grouped: dict[str, tuple[Row, list[Login]]] = {}
        for row in rows:
            _, logins = grouped.setdefault(row[0], (row, []))
            if row[8] is not None:
                logins.append(Login(row[8], row[9]))
        return [self._identity(head, logins) for head, logins in grouped.values()]

    def _identity(self, row: Row, logins: list[Login]) -> Identity:
        return Identity(
            identity_id=row[0], pool_id=row[1], account_id=row[2],
            created_at=self.flavor.time_out(row[3]), last_modified_at=self.flavor.time_out(row[4]),
            authenticated=bool(row[5]), disabled=bool(row[6]), logins=tuple(sorted(logins)), used=bool(row[7]),
        )  # fmt: skip

    def _key_row(self, key: SigningKey) -> tuple[Any, ...]:
        jwk = json.dumps(dict(key.public_jwk), sort_keys=True, separators=(",", ":"))
        return (key.kid, key.alg, jwk, bytes(key.sealed_private_key), self._t(key.created_at))

    def _key(self, row: Row) -> SigningKey:
        kid, alg, jwk, sealed, created_at, active, retired_at, verify_until = row
        return SigningKey(
            kid=kid, alg=alg, public_jwk=json.loads(jwk), sealed_private_key=bytes(sealed),
            created_at=self.flavor.time_out(created_at), active=bool(active),
            retired_at=None if retired_at is None else self.flavor.time_out(retired_at),
            verify_until=None if verify_until is None else self.flavor.time_out(verify_until),
        )  # fmt: skip


def _required(row: Row | None) -> Row:
    if row is None:
        raise Unavailable("the database returned no row where one must exist")
    return row


def _disabled(identity: Identity) -> Disabled:
    return Disabled(f"identity {identity.identity_id} is disabled", identity_id=identity.identity_id)


def _not_found(value: _V | None, what: str) -> _V:
    if value is None:
        raise NotFound(f"{what} not found")
    return value


