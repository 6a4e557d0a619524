"""The IAM part of ``MemoryStore``: roles, users, access keys, managed policies, attachments.

A mixin of ``MemoryStore`` (see ``idpool.storage.memory`` for the rules every part keeps: one
lock, checks before changes, records in and out as copies). The SQL schema's IAM rules, kept by
hand: names unique per account case-insensitively (roles, users and policies are keyed by
(account, lower-cased name)); at most N access keys per user and none left when the user goes;
a policy cannot be deleted while a role or user uses it; attachments and boundaries change only
through ``attach_policy``, ``detach_policy`` and ``set_permissions_boundary`` (an updater's
changes to them are ignored, as ``SqlStore`` ignores them).
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
from collections.abc import Callable, Sequence

from idpool.model import AccessKey, ManagedPolicy, Role, User
from idpool.storage import AlreadyExists, Conflict, EntityKind, LimitReached, NotFound, PolicyUse
from idpool.storage.memory_tables import Tables, copy_of, found, page, utc
from idpool.storage.rules import check_status, same_entity


class IamMemoryMixin:
    """The IAM methods of the ``Store`` protocol; ``MemoryStore`` supplies ``_tx``."""

    def _tx(self) -> contextlib.AbstractContextManager[Tables]:
        raise NotImplementedError

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
            return copy_of(found(t.roles.get(_name_key(account_id, name)), "role"))

    def update_role(self, account_id: str, name: str, updater: Callable[[Role], Role]) -> Role:
        with self._tx() as t:
            old = found(t.roles.get(_name_key(account_id, name)), "role")
            new = updater(copy_of(old))
            same_entity("role", (old.account_id, old.name, old.role_id), (new.account_id, new.name, new.role_id))
            stored = _stored_role(dataclasses.replace(  # attachments change only through attach_policy and friends
                new, created_at=old.created_at, attached_policies=old.attached_policies,
                permissions_boundary=old.permissions_boundary, last_used_at=old.last_used_at,
                last_used_region=old.last_used_region))
            t.roles[_name_key(account_id, name)] = stored
            return copy_of(stored)

    def delete_role(self, account_id: str, name: str, check: Callable[[Role], None] | None = None) -> None:
        with self._tx() as t:
            role = found(t.roles.get(_name_key(account_id, name)), "role")
            if check is not None:
                check(copy_of(role))
            del t.roles[_name_key(account_id, name)]

    def list_roles(self, account_id: str, limit: int, after: str | None = None, path_prefix: str = "/") -> list[Role]:
        with self._tx() as t:
            listed = [r for key, r in t.roles.items() if _listed(key, r.path, account_id, after, path_prefix)]
            return [copy_of(r) for r in page(listed, lambda r: r.name.lower(), limit)]

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
            return copy_of(found(t.users.get(_name_key(account_id, name)), "user"))

    def update_user(self, account_id: str, name: str, updater: Callable[[User], User]) -> User:
        with self._tx() as t:
            old = found(t.users.get(_name_key(account_id, name)), "user")
            new = updater(copy_of(old))
            same_entity("user", (old.account_id, old.name, old.user_id), (new.account_id, new.name, new.user_id))
            stored = _stored_user(dataclasses.replace(  # attachments change only through attach_policy and friends
                new, created_at=old.created_at, attached_policies=old.attached_policies,
                permissions_boundary=old.permissions_boundary))
            t.users[_name_key(account_id, name)] = stored
            return copy_of(stored)

    def delete_user(self, account_id: str, name: str, check: Callable[[User], None] | None = None) -> None:
        with self._tx() as t:
            user = found(t.users.get(_name_key(account_id, name)), "user")
            if check is not None:
                check(copy_of(user))
            if _keys_of(t, user):  # IAM DeleteUser: DeleteConflict while access keys remain
                raise Conflict("the user still has access keys")
            del t.users[_name_key(account_id, name)]

    def list_users(self, account_id: str, limit: int, after: str | None = None, path_prefix: str = "/") -> list[User]:
        with self._tx() as t:
            listed = [u for key, u in t.users.items() if _listed(key, u.path, account_id, after, path_prefix)]
            return [copy_of(u) for u in page(listed, lambda u: u.name.lower(), limit)]

    # --- IAM: access keys ------------------------------------------------------------------------
    def create_access_key(self, key: AccessKey, max_per_user: int) -> None:
        check_status(key.status)
        created_at = utc(key.created_at)
        with self._tx() as t:
            user = found(t.users.get(_name_key(key.account_id, key.user_name)), "user")
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

    # --- IAM: managed policies, attachments, boundaries ---------------------------------------------
    def create_policy(self, policy: ManagedPolicy) -> None:
        stored = _stored_policy(policy)
        with self._tx() as t:
            key = _name_key(policy.account_id, policy.name)
            if key in t.policies or any(p.policy_id == policy.policy_id for p in t.policies.values()):
                raise AlreadyExists(f"policy {policy.name} already exists")
            t.policies[key] = stored

    def get_policy(self, account_id: str, name: str) -> ManagedPolicy:
        with self._tx() as t:
            return copy_of(found(t.policies.get(_name_key(account_id, name)), "policy"))

    def get_policies(self, policy_ids: Sequence[str]) -> list[ManagedPolicy]:
        with self._tx() as t:
            by_id = {p.policy_id: p for p in t.policies.values()}
            return [copy_of(by_id[i]) for i in policy_ids if i in by_id]

    def policy_documents(self, policy_ids: Sequence[str]) -> dict[str, tuple[str, str]]:
        with self._tx() as t:
            by_id = {p.policy_id: p for p in t.policies.values()}
            return {i: (by_id[i].name, by_id[i].document) for i in policy_ids if i in by_id}

    def list_policies(self, account_id: str, limit: int, after: str | None = None,
                      path_prefix: str = "/") -> list[ManagedPolicy]:
        with self._tx() as t:
            listed = [p for key, p in t.policies.items() if _listed(key, p.path, account_id, after, path_prefix)]
            return [copy_of(p) for p in page(listed, lambda p: p.name.lower(), limit)]

    def update_policy(self, account_id: str, name: str,
                      updater: Callable[[ManagedPolicy], ManagedPolicy]) -> ManagedPolicy:
        with self._tx() as t:
            old = found(t.policies.get(_name_key(account_id, name)), "policy")
            new = updater(copy_of(old))
            if (new.account_id, new.name, new.policy_id, new.path) != (old.account_id, old.name, old.policy_id, old.path):
                raise ValueError("an updater must not change a policy's account, name, id or path")
            stored = _stored_policy(dataclasses.replace(new, created_at=old.created_at))
            t.policies[_name_key(account_id, name)] = stored
            return copy_of(stored)

    def delete_policy(self, account_id: str, name: str, check: Callable[[ManagedPolicy], None] | None = None) -> None:
        with self._tx() as t:
            policy = found(t.policies.get(_name_key(account_id, name)), "policy")
            if _uses(t, account_id, policy.policy_id):
                raise Conflict("the policy is attached to entities")
            if check is not None:
                check(copy_of(policy))
            del t.policies[_name_key(account_id, name)]

    def policy_uses(self, account_id: str, policy_id: str) -> list[PolicyUse]:
        with self._tx() as t:
            return _uses(t, account_id, policy_id)

    def attach_policy(
        self, account_id: str, kind: EntityKind, name: str, policy_id: str, *, customer: bool, limit: int | None = None
    ) -> None:
        with self._tx() as t:
            _check_customer_policy(t, policy_id, customer)
            entity = _entity(t, account_id, kind, name)
            if policy_id in entity.attached_policies:
                return
            if limit is not None and len(entity.attached_policies) >= limit:
                raise LimitReached(f"the {kind} already has {limit} managed policies attached")
            attached = tuple(sorted({*entity.attached_policies, policy_id}))
            _put_entity(t, kind, dataclasses.replace(entity, attached_policies=attached))

    def detach_policy(self, account_id: str, kind: EntityKind, name: str, policy_id: str) -> None:
        with self._tx() as t:
            entity = _entity(t, account_id, kind, name)
            if policy_id not in entity.attached_policies:
                raise NotFound("the policy is not attached")
            attached = tuple(a for a in entity.attached_policies if a != policy_id)
            _put_entity(t, kind, dataclasses.replace(entity, attached_policies=attached))

    def set_permissions_boundary(
        self, account_id: str, kind: EntityKind, name: str, policy_id: str | None, *, customer: bool = False
    ) -> None:
        with self._tx() as t:
            if policy_id is not None:
                _check_customer_policy(t, policy_id, customer)
            entity = _entity(t, account_id, kind, name)
            _put_entity(t, kind, dataclasses.replace(entity, permissions_boundary=policy_id))

    def record_role_use(self, role_id: str, at: dt.datetime, region: str, unless_since: dt.datetime) -> None:
        at, unless_since = utc(at), utc(unless_since)
        with self._tx() as t:
            for key, role in t.roles.items():
                if role.role_id == role_id and (role.last_used_at is None or role.last_used_at < unless_since):
                    t.roles[key] = dataclasses.replace(role, last_used_at=at, last_used_region=region)


# --- IAM helpers -----------------------------------------------------------------------------
def _name_key(account_id: str, name: str) -> tuple[str, str]:
    # IAM names are ASCII ([\w+=,.@-]+), so lower() folds exactly the case IAM ignores.
    return account_id, name.lower()


def _listed(key: tuple[str, str], path: str, account_id: str, after: str | None, path_prefix: str) -> bool:
    """In the account, after ``after`` (a lower-cased name), under ``path_prefix``: an exact
    prefix comparison, as SqlStore's substr() (no wildcards, case-sensitive)."""
    acct, name_key = key
    return acct == account_id and name_key > (after or "") and path.startswith(path_prefix)


def _keys_of(t: Tables, user: User) -> list[AccessKey]:
    """The user's keys, oldest first. Keys name their user as stored, and names cannot change."""
    mine = [k for k in t.access_keys.values() if (k.account_id, k.user_name) == (user.account_id, user.name)]
    return sorted(mine, key=lambda k: (k.created_at, k.access_key_id))


def _users_key(t: Tables, account_id: str, user_name: str, access_key_id: str) -> AccessKey:
    user = t.users.get(_name_key(account_id, user_name))
    key = t.access_keys.get(access_key_id)
    if user is None or key is None or (key.account_id, key.user_name) != (user.account_id, user.name):
        raise NotFound("access key not found")
    return key


def _entity(t: Tables, account_id: str, kind: EntityKind, name: str) -> Role | User:
    key = _name_key(account_id, name)
    entity: Role | User | None = t.roles.get(key) if kind == "role" else t.users.get(key)
    if entity is None:
        raise NotFound(f"{kind} not found")
    return entity


def _put_entity(t: Tables, kind: EntityKind, entity: Role | User) -> None:
    if isinstance(entity, Role):
        t.roles[_name_key(entity.account_id, entity.name)] = entity
    else:
        t.users[_name_key(entity.account_id, entity.name)] = entity


def _check_customer_policy(t: Tables, policy_id: str, customer: bool) -> None:
    if customer and not any(p.policy_id == policy_id for p in t.policies.values()):
        raise NotFound("policy not found")


def _uses(t: Tables, account_id: str, policy_id: str) -> list[PolicyUse]:
    uses: list[PolicyUse] = []
    entities: list[tuple[EntityKind, Role | User]] = [
        *(("role", r) for r in sorted(t.roles.values(), key=lambda r: r.name.lower())),
        *(("user", u) for u in sorted(t.users.values(), key=lambda u: u.name.lower())),
    ]
    for kind, entity in entities:
        if entity.account_id != account_id:
            continue
        entity_id = entity.role_id if isinstance(entity, Role) else entity.user_id
        if policy_id in entity.attached_policies:
            uses.append(PolicyUse(kind, entity.name, entity_id, entity.path, "attached"))
        if entity.permissions_boundary == policy_id:
            uses.append(PolicyUse(kind, entity.name, entity_id, entity.path, "boundary"))
    return uses


def _stored_role(role: Role) -> Role:
    return dataclasses.replace(
        role, created_at=utc(role.created_at), tags=dict(sorted(role.tags.items())),
        policies=dict(sorted(role.policies.items())), attached_policies=tuple(sorted(set(role.attached_policies))),
        last_used_at=None if role.last_used_at is None else utc(role.last_used_at),
    )  # fmt: skip


def _stored_user(user: User) -> User:
    return dataclasses.replace(
        user, created_at=utc(user.created_at), tags=dict(sorted(user.tags.items())),
        policies=dict(sorted(user.policies.items())), attached_policies=tuple(sorted(set(user.attached_policies))),
    )  # fmt: skip


def _stored_policy(policy: ManagedPolicy) -> ManagedPolicy:
    versions = tuple(dataclasses.replace(v, created_at=utc(v.created_at)) for v in policy.versions)
    return dataclasses.replace(
        policy, created_at=utc(policy.created_at), updated_at=utc(policy.updated_at), versions=versions,
        tags=dict(sorted(policy.tags.items())),
    )  # fmt: skip
