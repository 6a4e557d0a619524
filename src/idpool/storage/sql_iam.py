"""The IAM part of ``SqlStore``: roles, users and access keys (migration 2).

A mixin of ``SqlStore``, on its flavor and by its rules (see ``idpool.storage.sql``):

- Names are unique per account case-insensitively and kept as given (IAM User
  Guide, "IAM identifiers"): every row is keyed by ``name.lower()`` (``name_key``),
  so a lookup in any case finds the stored spelling, and "Admin" beside "admin"
  breaks the unique index (``AlreadyExists``).
- Read-modify-write locks the row (``FOR UPDATE``; on SQLite ``BEGIN IMMEDIATE``),
  runs the updater, then writes.
- Access keys are counted under their user's row lock, which every key insert and
  every user delete takes first: "at most N keys per user" and "no keys remain" hold
  however many processes race.
- Tags and inline policies are JSON objects in the row, sorted by key, so a record
  read back lists them in the order of the record the store returned.
- ``get_access_key`` is one statement, no transaction: it runs on every request an
  IAM user signs.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

from idpool.model import AccessKey, Role, User
from idpool.storage import AlreadyExists, Conflict, NotFound, Unavailable
from idpool.storage import queries_iam as q
from idpool.storage.flavors import Flavor, Row, Tx
from idpool.storage.rules import check_status, same_entity

_V = TypeVar("_V")


class IamSqlMixin:
    """The IAM methods of the ``Store`` protocol; ``SqlStore`` supplies ``flavor`` and ``_t``."""

    flavor: Flavor

    if TYPE_CHECKING:

        def _t(self, value: dt.datetime) -> Any: ...

    # --- roles ----------------------------------------------------------------------------
    def create_role(self, role: Role) -> None:
        row = (
            _name_key(role.name), role.role_id, role.account_id, role.name, role.path, role.trust_policy,
            role.description, role.max_session_duration, _doc(role.tags), _doc(role.policies),
            self._t(role.created_at), _ids(role.attached_policies), role.permissions_boundary,
            None if role.last_used_at is None else self._t(role.last_used_at), role.last_used_region,
        )  # fmt: skip
        try:
            self.flavor.run(lambda tx: tx.run(q.INSERT_ROLE, row), write=True)
        except AlreadyExists:
            raise AlreadyExists(f"role {role.name} already exists") from None

    def get_role(self, account_id: str, name: str) -> Role:
        row = self.flavor.run(lambda tx: tx.one(q.GET_ROLE, (account_id, _name_key(name))))
        return self._role(_found(row, "role"))

    def update_role(self, account_id: str, name: str, updater: Callable[[Role], Role]) -> Role:
        def work(tx: Tx) -> Role:
            old = self._lock_role(tx, account_id, name)
            new = updater(old)
            same_entity("role", (old.account_id, old.name, old.role_id), (new.account_id, new.name, new.role_id))
            stored = dataclasses.replace(  # attachments change only through attach_policy and friends
                new, created_at=old.created_at, tags=_sorted(new.tags), policies=_sorted(new.policies),
                attached_policies=old.attached_policies, permissions_boundary=old.permissions_boundary,
                last_used_at=old.last_used_at, last_used_region=old.last_used_region,
            )
            tx.run(q.UPDATE_ROLE, (
                stored.path, stored.trust_policy, stored.description, stored.max_session_duration,
                _doc(stored.tags), _doc(stored.policies), stored.role_id,
            ))  # fmt: skip
            return stored

        return self.flavor.run(work, write=True)

    def delete_role(self, account_id: str, name: str, check: Callable[[Role], None] | None = None) -> None:
        def work(tx: Tx) -> None:
            role = self._lock_role(tx, account_id, name)
            if check is not None:
                check(role)
            tx.run(q.DELETE_ROLE, (role.role_id,))

        self.flavor.run(work, write=True)

    def list_roles(self, account_id: str, limit: int, after: str | None = None, path_prefix: str = "/") -> list[Role]:
        params = _page(account_id, limit, after, path_prefix)
        return [self._role(row) for row in self.flavor.run(lambda tx: tx.all(q.LIST_ROLES, params))]

    def _lock_role(self, tx: Tx, account_id: str, name: str) -> Role:
        return self._role(_found(tx.one(q.LOCK_ROLE, (account_id, _name_key(name))), "role"))

    # --- users -----------------------------------------------------------------------------
    def create_user(self, user: User) -> None:
        row = (
            _name_key(user.name), user.user_id, user.account_id, user.name, user.path,
            _doc(user.tags), _doc(user.policies), self._t(user.created_at), _ids(user.attached_policies),
            user.permissions_boundary,
        )  # fmt: skip
        try:
            self.flavor.run(lambda tx: tx.run(q.INSERT_USER, row), write=True)
        except AlreadyExists:
            raise AlreadyExists(f"user {user.name} already exists") from None

    def get_user(self, account_id: str, name: str) -> User:
        row = self.flavor.run(lambda tx: tx.one(q.GET_USER, (account_id, _name_key(name))))
        return self._user(_found(row, "user"))

    def update_user(self, account_id: str, name: str, updater: Callable[[User], User]) -> User:
        def work(tx: Tx) -> User:
            old = self._lock_user(tx, account_id, name)
            new = updater(old)
            same_entity("user", (old.account_id, old.name, old.user_id), (new.account_id, new.name, new.user_id))
            stored = dataclasses.replace(  # attachments change only through attach_policy and friends
                new, created_at=old.created_at, tags=_sorted(new.tags), policies=_sorted(new.policies),
                attached_policies=old.attached_policies, permissions_boundary=old.permissions_boundary,
            )
            tx.run(q.UPDATE_USER, (stored.path, _doc(stored.tags), _doc(stored.policies), stored.user_id))
            return stored

        return self.flavor.run(work, write=True)

    def delete_user(self, account_id: str, name: str, check: Callable[[User], None] | None = None) -> None:
        def work(tx: Tx) -> None:
            user = self._lock_user(tx, account_id, name)
            if check is not None:
                check(user)
            # Counted under the user's lock, which create_access_key takes too: no key
            # can appear between this count and the delete (IAM DeleteUser: DeleteConflict).
            if self._key_count(tx, user.user_id) > 0:
                raise Conflict("the user still has access keys")
            tx.run(q.DELETE_USER, (user.user_id,))

        self.flavor.run(work, write=True)

    def list_users(self, account_id: str, limit: int, after: str | None = None, path_prefix: str = "/") -> list[User]:
        params = _page(account_id, limit, after, path_prefix)
        return [self._user(row) for row in self.flavor.run(lambda tx: tx.all(q.LIST_USERS, params))]

    def _lock_user(self, tx: Tx, account_id: str, name: str) -> User:
        return self._user(_found(tx.one(q.LOCK_USER, (account_id, _name_key(name))), "user"))

    # --- access keys ------------------------------------------------------------------------
    def create_access_key(self, key: AccessKey, max_per_user: int) -> None:
        check_status(key.status)

        def work(tx: Tx) -> None:
            (user_id,) = _found(tx.one(q.LOCK_USER_ID, (key.account_id, _name_key(key.user_name))), "user")
            if self._key_count(tx, user_id) >= max_per_user:
                raise Conflict(f"the user already has {max_per_user} access keys")
            row = (key.access_key_id, user_id, bytes(key.sealed_secret), key.status, self._t(key.created_at))
            tx.run(q.INSERT_ACCESS_KEY, row)

        try:
            self.flavor.run(work, write=True)
        except AlreadyExists:
            raise AlreadyExists(f"access key {key.access_key_id} already exists") from None

    def get_access_key(self, access_key_id: str) -> AccessKey | None:
        row = self.flavor.run(lambda tx: tx.one(q.GET_ACCESS_KEY, (access_key_id,)))
        return None if row is None else self._access_key(row)

    def list_access_keys(self, account_id: str, user_name: str) -> list[AccessKey]:
        rows = self.flavor.run(lambda tx: tx.all(q.LIST_ACCESS_KEYS, (account_id, _name_key(user_name))))
        return [self._access_key(row) for row in rows]

    def set_access_key_status(self, account_id: str, user_name: str, access_key_id: str, status: str) -> None:
        check_status(status)
        params = (status, access_key_id, account_id, _name_key(user_name))
        if self.flavor.run(lambda tx: tx.run(q.SET_ACCESS_KEY_STATUS, params), write=True) == 0:
            raise NotFound("access key not found")

    def delete_access_key(self, account_id: str, user_name: str, access_key_id: str) -> None:
        params = (access_key_id, account_id, _name_key(user_name))
        if self.flavor.run(lambda tx: tx.run(q.DELETE_ACCESS_KEY, params), write=True) == 0:
            raise NotFound("access key not found")

    def _key_count(self, tx: Tx, user_id: str) -> int:
        row = tx.one(q.COUNT_USER_KEYS, (user_id,))
        if row is None:
            raise Unavailable("the database returned no row where one must exist")
        return int(row[0])

    # --- rows <-> records -------------------------------------------------------------------
    def _role(self, row: Row) -> Role:
        (role_id, account_id, name, path, trust_policy, description, max_session, tags, policies, created_at,
         attached, boundary, last_used_at, last_used_region) = row
        return Role(
            account_id=account_id, name=name, role_id=role_id, path=path, trust_policy=trust_policy,
            created_at=self.flavor.time_out(created_at), description=description,
            max_session_duration=int(max_session), tags=json.loads(tags), policies=json.loads(policies),
            attached_policies=tuple(json.loads(attached)), permissions_boundary=boundary,
            last_used_at=None if last_used_at is None else self.flavor.time_out(last_used_at),
            last_used_region=last_used_region,
        )  # fmt: skip

    def _user(self, row: Row) -> User:
        user_id, account_id, name, path, tags, policies, created_at, attached, boundary = row
        return User(
            account_id=account_id, name=name, user_id=user_id, path=path,
            created_at=self.flavor.time_out(created_at), tags=json.loads(tags), policies=json.loads(policies),
            attached_policies=tuple(json.loads(attached)), permissions_boundary=boundary,
        )  # fmt: skip

    def _access_key(self, row: Row) -> AccessKey:
        account_id, user_name, access_key_id, sealed_secret, status, created_at = row
        return AccessKey(
            account_id=account_id, user_name=user_name, access_key_id=access_key_id,
            sealed_secret=bytes(sealed_secret), status=status, created_at=self.flavor.time_out(created_at),
        )  # fmt: skip


def _name_key(name: str) -> str:
    # IAM names are ASCII ([\w+=,.@-]+), so lower() folds exactly the case IAM ignores.
    return name.lower()


def _page(account_id: str, limit: int, after: str | None, path_prefix: str) -> tuple[Any, ...]:
    return (account_id, after or "", len(path_prefix), path_prefix, max(limit, 0))


def _sorted(mapping: Mapping[str, str]) -> dict[str, str]:
    return dict(sorted(mapping.items()))


def _doc(mapping: Mapping[str, str]) -> str:
    return json.dumps(_sorted(mapping), separators=(",", ":"))


def _ids(ids: Sequence[str]) -> str:
    return json.dumps(sorted(set(ids)), separators=(",", ":"))


def _found(value: _V | None, what: str) -> _V:
    if value is None:
        raise NotFound(f"{what} not found")
    return value
