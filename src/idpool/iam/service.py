"""IAM operations (CreateRole ... DeleteAccessKey) with IAM's rules and errors.

Facts: docs/AWS_REFERENCE.md §6 (IAM User Guide "IAM identifiers", "IAM and STS
quotas"): names unique case-insensitively, 2 access keys per user, inline policy size
limits (role 10,240 / user 2,048 characters without whitespace), trust policies
validated, MaxSessionDuration 3600..43200.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from idpool import errors, storage
from idpool.clock import Clock
from idpool.iam.tags import check_count, merged, without
from idpool.ids import new_access_key_id, new_secret_access_key, new_unique_id
from idpool.keys.sealing import Sealer
from idpool.model import AccessKey, Role, User
from idpool.paging import keyset_page
from idpool.policy import parse_policy
from idpool.storage import Store

MAX_KEYS_PER_USER = 2
ROLE_POLICY_CHARS = 10240
USER_POLICY_CHARS = 2048
T = TypeVar("T")


def access_key_aad(access_key_id: str) -> bytes:
    return f"access-key:{access_key_id}".encode()


@dataclass(frozen=True)
class NewAccessKey:
    key: AccessKey
    secret_access_key: str  # shown once, at creation (as AWS does)


class IamService:
    def __init__(self, store: Store, clock: Clock, sealer: Sealer, partition: str = "aws") -> None:
        self._store = store
        self._clock = clock
        self._sealer = sealer
        self.partition = partition  # of every ARN this account's IAM forms (the server's region)

    # --- roles ----------------------------------------------------------------------------
    def create_role(
        self, account_id: str, name: str, trust_policy: str, path: str = "/", description: str | None = None,
        max_session_duration: int = 3600, tags: Mapping[str, str] | None = None, permissions_boundary: str | None = None,
    ) -> Role:
        """``permissions_boundary``: a managed policy id the caller resolved (``ManagedPolicies``)."""
        parse_policy(trust_policy, "trust")
        check_count(tags or {})
        role = Role(account_id, name, new_unique_id("AROA"), path, trust_policy, self._clock.now(), description,
                    max_session_duration, dict(tags or {}), permissions_boundary=permissions_boundary)
        try:
            self._store.create_role(role)
        except storage.AlreadyExists:
            raise errors.EntityAlreadyExists(f"Role with name {name} already exists.") from None
        return role

    def get_role(self, account_id: str, name: str) -> Role:
        return _found(lambda: self._store.get_role(account_id, name), f"The role with name {name} cannot be found.")

    def list_roles(self, account_id: str, limit: int, marker: str | None, path_prefix: str = "/") -> tuple[list[Role], str | None]:
        return keyset_page(lambda n: self._store.list_roles(account_id, n, marker, path_prefix), limit,
                           lambda role: role.name.lower())

    def update_role(self, account_id: str, name: str, description: str | None, max_session_duration: int | None) -> Role:
        def apply(role: Role) -> Role:
            changes: dict[str, Any] = {}
            if description is not None:
                changes["description"] = description
            if max_session_duration is not None:
                changes["max_session_duration"] = max_session_duration
            return dataclasses.replace(role, **changes)

        return self._update_role(account_id, name, apply)

    def update_trust_policy(self, account_id: str, name: str, document: str) -> Role:
        parse_policy(document, "trust")
        return self._update_role(account_id, name, lambda role: dataclasses.replace(role, trust_policy=document))

    def delete_role(self, account_id: str, name: str) -> None:
        _found(lambda: self._store.delete_role(account_id, name, _deletable), f"The role with name {name} cannot be found.")

    def tag_role(self, account_id: str, name: str, tags: Mapping[str, str]) -> Role:
        return self._update_role(account_id, name, lambda role: dataclasses.replace(role, tags=merged(role.tags, tags)))

    def untag_role(self, account_id: str, name: str, keys: Sequence[str]) -> Role:
        return self._update_role(account_id, name, lambda role: dataclasses.replace(role, tags=without(role.tags, keys)))

    def put_role_policy(self, account_id: str, name: str, policy_name: str, document: str) -> Role:
        parse_policy(document, "identity")

        def apply(role: Role) -> Role:
            policies = {**role.policies, policy_name: document}
            _check_size(policies, ROLE_POLICY_CHARS, "role")
            return dataclasses.replace(role, policies=policies)

        return self._update_role(account_id, name, apply)

    def delete_role_policy(self, account_id: str, name: str, policy_name: str) -> Role:
        def apply(role: Role) -> Role:
            if policy_name not in role.policies:
                raise errors.NoSuchEntity(f"The role policy with name {policy_name} cannot be found.")
            return dataclasses.replace(role, policies={k: v for k, v in role.policies.items() if k != policy_name})

        return self._update_role(account_id, name, apply)

    def _update_role(self, account_id: str, name: str, apply: Callable[[Role], Role]) -> Role:
        return _found(lambda: self._store.update_role(account_id, name, apply), f"The role with name {name} cannot be found.")

    # --- users ------------------------------------------------------------------------------
    def create_user(self, account_id: str, name: str, path: str = "/", tags: Mapping[str, str] | None = None,
                    permissions_boundary: str | None = None) -> User:
        check_count(tags or {})
        user = User(account_id, name, new_unique_id("AIDA"), path, self._clock.now(), dict(tags or {}),
                    permissions_boundary=permissions_boundary)
        try:
            self._store.create_user(user)
        except storage.AlreadyExists:
            raise errors.EntityAlreadyExists(f"User with name {name} already exists.") from None
        return user

    def get_user(self, account_id: str, name: str) -> User:
        return _found(lambda: self._store.get_user(account_id, name), f"The user with name {name} cannot be found.")

    def list_users(self, account_id: str, limit: int, marker: str | None, path_prefix: str = "/") -> tuple[list[User], str | None]:
        return keyset_page(lambda n: self._store.list_users(account_id, n, marker, path_prefix), limit,
                           lambda user: user.name.lower())

    def delete_user(self, account_id: str, name: str) -> None:
        # The store refuses (Conflict) while access keys remain, counting them inside its
        # transaction; a store call made from ``check`` would run outside it.
        try:
            _found(lambda: self._store.delete_user(account_id, name, _deletable),
                   f"The user with name {name} cannot be found.")
        except storage.Conflict:
            raise errors.DeleteConflict("Cannot delete entity, must delete access keys first.") from None

    def tag_user(self, account_id: str, name: str, tags: Mapping[str, str]) -> User:
        return self._update_user(account_id, name, lambda user: dataclasses.replace(user, tags=merged(user.tags, tags)))

    def untag_user(self, account_id: str, name: str, keys: Sequence[str]) -> User:
        return self._update_user(account_id, name, lambda user: dataclasses.replace(user, tags=without(user.tags, keys)))

    def put_user_policy(self, account_id: str, name: str, policy_name: str, document: str) -> User:
        parse_policy(document, "identity")

        def apply(user: User) -> User:
            policies = {**user.policies, policy_name: document}
            _check_size(policies, USER_POLICY_CHARS, "user")
            return dataclasses.replace(user, policies=policies)

        return self._update_user(account_id, name, apply)

    def delete_user_policy(self, account_id: str, name: str, policy_name: str) -> User:
        def apply(user: User) -> User:
            if policy_name not in user.policies:
                raise errors.NoSuchEntity(f"The user policy with name {policy_name} cannot be found.")
            return dataclasses.replace(user, policies={k: v for k, v in user.policies.items() if k != policy_name})

        return self._update_user(account_id, name, apply)

    def _update_user(self, account_id: str, name: str, apply: Callable[[User], User]) -> User:
        return _found(lambda: self._store.update_user(account_id, name, apply), f"The user with name {name} cannot be found.")

    # --- access keys -------------------------------------------------------------------------
    def create_access_key(self, account_id: str, user_name: str) -> NewAccessKey:
        user = self.get_user(account_id, user_name)
        akid, secret = new_access_key_id("AKIA"), new_secret_access_key()
        key = AccessKey(account_id, user.name, akid, self._sealer.seal(secret.encode(), access_key_aad(akid)),
                        "Active", self._clock.now())
        try:
            self._store.create_access_key(key, MAX_KEYS_PER_USER)
        except storage.NotFound:
            raise errors.NoSuchEntity(f"The user with name {user_name} cannot be found.") from None
        except storage.Conflict:
            raise errors.IamLimitExceeded(
                f"Cannot exceed quota for AccessKeysPerUser: {MAX_KEYS_PER_USER}") from None
        return NewAccessKey(key, secret)

    def list_access_keys(self, account_id: str, user_name: str) -> list[AccessKey]:
        user = self.get_user(account_id, user_name)
        return self._store.list_access_keys(account_id, user.name)

    def set_access_key_status(self, account_id: str, user_name: str, access_key_id: str, status: str) -> None:
        if status not in ("Active", "Inactive"):
            raise errors.InvalidInput(f"Status {status} is not valid: Active or Inactive.")
        user = self.get_user(account_id, user_name)
        _found(lambda: self._store.set_access_key_status(account_id, user.name, access_key_id, status),
               f"The Access Key with id {access_key_id} cannot be found.")

    def delete_access_key(self, account_id: str, user_name: str, access_key_id: str) -> None:
        user = self.get_user(account_id, user_name)
        _found(lambda: self._store.delete_access_key(account_id, user.name, access_key_id),
               f"The Access Key with id {access_key_id} cannot be found.")


def _found(call: Callable[[], T], message: str) -> T:
    try:
        return call()
    except storage.NotFound:
        raise errors.NoSuchEntity(message) from None


def _deletable(entity: Role | User) -> None:
    """DeleteRole / DeleteUser: managed policies detached, then inline policies deleted (a
    permissions boundary goes with the entity)."""
    if entity.attached_policies:
        raise errors.DeleteConflict("Cannot delete entity, must detach all policies first.")
    if entity.policies:
        raise errors.DeleteConflict("Cannot delete entity, must delete policies first.")


def _check_size(policies: Mapping[str, str], limit: int, kind: str) -> None:
    size = sum(len("".join(text.split())) for text in policies.values())
    if size > limit:
        raise errors.IamLimitExceeded(
            f"Maximum policy size of {limit} bytes exceeded for {kind}.")


def check_role(role: Role) -> None:
    """What CreateRole, PutRolePolicy and TagRole would accept, for a role written whole
    (``idpool import``): the trust policy (the Cognito audience pin included), each inline
    policy, their total size and the tags."""
    parse_policy(role.trust_policy, "trust")
    for document in role.policies.values():
        parse_policy(document, "identity")
    _check_size(role.policies, ROLE_POLICY_CHARS, "role")
    check_count(role.tags)


def check_user(user: User) -> None:
    """What CreateUser and PutUserPolicy would accept, for a user written whole."""
    for document in user.policies.values():
        parse_policy(document, "identity")
    _check_size(user.policies, USER_POLICY_CHARS, "user")
    check_count(user.tags)
