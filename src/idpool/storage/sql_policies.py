"""The managed-policy part of ``SqlStore`` (migration 5): policies, attachments, boundaries.

A mixin of ``SqlStore``, by the rules of ``sql_iam``:

- A policy row holds its versions as JSON and the default version's text in ``document``, which
  the store keeps in step with ``versions`` and ``default_version`` on every write.
- Attaching, setting a boundary and deleting a policy all lock the policy row first (``FOR
  UPDATE``; SQLite's ``BEGIN IMMEDIATE`` serializes every writer anyway). So a delete either
  sees the attachment that committed before it and refuses (``Conflict``), or the attach finds
  the policy gone (``NotFound``): no role or user is ever left attached to a deleted policy.
- ``policy_documents`` is one statement per id, no transaction: it runs on requests.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from idpool.model import ManagedPolicy, versions_from_json, versions_to_json
from idpool.storage import AlreadyExists, Conflict, EntityKind, LimitReached, NotFound, PolicyUse
from idpool.storage import queries_policies as q
from idpool.storage.flavors import Flavor, Row, Tx


class PolicySqlMixin:
    """The managed-policy methods of the ``Store`` protocol; ``SqlStore`` supplies ``flavor`` and ``_t``."""

    flavor: Flavor

    if TYPE_CHECKING:

        def _t(self, value: dt.datetime) -> Any: ...

    # --- policies ----------------------------------------------------------------------------
    def create_policy(self, policy: ManagedPolicy) -> None:
        row = (policy.name.lower(), policy.document, *self._policy_row(policy))
        try:
            self.flavor.run(lambda tx: tx.run(q.INSERT_POLICY, row), write=True)
        except AlreadyExists:
            raise AlreadyExists(f"policy {policy.name} already exists") from None

    def get_policy(self, account_id: str, name: str) -> ManagedPolicy:
        row = self.flavor.run(lambda tx: tx.one(q.GET_POLICY, (account_id, name.lower())))
        if row is None:
            raise NotFound("policy not found")
        return self._policy(row)

    def get_policies(self, policy_ids: Sequence[str]) -> list[ManagedPolicy]:
        def work(tx: Tx) -> list[ManagedPolicy]:
            rows = [tx.one(q.GET_POLICY_BY_ID, (policy_id,)) for policy_id in policy_ids]
            return [self._policy(row) for row in rows if row is not None]

        return self.flavor.run(work) if policy_ids else []

    def policy_documents(self, policy_ids: Sequence[str]) -> dict[str, tuple[str, str]]:
        def work(tx: Tx) -> dict[str, tuple[str, str]]:
            rows = [tx.one(q.POLICY_DOCUMENT, (policy_id,)) for policy_id in policy_ids]
            return {str(row[0]): (str(row[1]), str(row[2])) for row in rows if row is not None}

        return self.flavor.run(work) if policy_ids else {}

    def list_policies(self, account_id: str, limit: int, after: str | None = None,
                      path_prefix: str = "/") -> list[ManagedPolicy]:
        params = (account_id, after or "", len(path_prefix), path_prefix, max(limit, 0))
        return [self._policy(row) for row in self.flavor.run(lambda tx: tx.all(q.LIST_POLICIES, params))]

    def update_policy(self, account_id: str, name: str,
                      updater: Callable[[ManagedPolicy], ManagedPolicy]) -> ManagedPolicy:
        def work(tx: Tx) -> ManagedPolicy:
            old = self._lock_policy(tx, account_id, name)
            new = updater(old)
            if (new.account_id, new.name, new.policy_id, new.path) != (old.account_id, old.name, old.policy_id, old.path):
                raise ValueError("an updater must not change a policy's account, name, id or path")
            stored = dataclasses.replace(new, created_at=old.created_at, tags=dict(sorted(new.tags.items())))
            tx.run(q.UPDATE_POLICY, (
                stored.description, versions_to_json(stored.versions), stored.default_version, stored.next_version,
                stored.document, _doc(stored.tags), self._t(stored.updated_at), stored.policy_id,
            ))  # fmt: skip
            return stored

        return self.flavor.run(work, write=True)

    def delete_policy(self, account_id: str, name: str, check: Callable[[ManagedPolicy], None] | None = None) -> None:
        def work(tx: Tx) -> None:
            policy = self._lock_policy(tx, account_id, name)
            if self._uses(tx, account_id, policy.policy_id):
                raise Conflict("the policy is attached to entities")
            if check is not None:
                check(policy)
            tx.run(q.DELETE_POLICY, (policy.policy_id,))

        self.flavor.run(work, write=True)

    def policy_uses(self, account_id: str, policy_id: str) -> list[PolicyUse]:
        return self.flavor.run(lambda tx: self._uses(tx, account_id, policy_id))

    # --- attachments and boundaries -----------------------------------------------------------------
    def attach_policy(
        self, account_id: str, kind: EntityKind, name: str, policy_id: str, *, customer: bool, limit: int | None = None
    ) -> None:
        def work(tx: Tx) -> None:
            self._lock_customer_policy(tx, policy_id, customer)
            entity_id, attached, _ = self._lock_entity(tx, account_id, kind, name)
            if policy_id in attached:
                return
            if limit is not None and len(attached) >= limit:
                raise LimitReached(f"the {kind} already has {limit} managed policies attached")
            tx.run(q.SET_ATTACHED[kind], (_ids([*attached, policy_id]), entity_id))

        self.flavor.run(work, write=True)

    def detach_policy(self, account_id: str, kind: EntityKind, name: str, policy_id: str) -> None:
        def work(tx: Tx) -> None:
            entity_id, attached, _ = self._lock_entity(tx, account_id, kind, name)
            if policy_id not in attached:
                raise NotFound("the policy is not attached")
            tx.run(q.SET_ATTACHED[kind], (_ids([a for a in attached if a != policy_id]), entity_id))

        self.flavor.run(work, write=True)

    def set_permissions_boundary(
        self, account_id: str, kind: EntityKind, name: str, policy_id: str | None, *, customer: bool = False
    ) -> None:
        def work(tx: Tx) -> None:
            if policy_id is not None:
                self._lock_customer_policy(tx, policy_id, customer)
            entity_id, _, _ = self._lock_entity(tx, account_id, kind, name)
            tx.run(q.SET_BOUNDARY[kind], (policy_id, entity_id))

        self.flavor.run(work, write=True)

    def record_role_use(self, role_id: str, at: dt.datetime, region: str, unless_since: dt.datetime) -> None:
        params = (self._t(at), region, role_id, self._t(unless_since))
        self.flavor.run(lambda tx: tx.run(q.RECORD_ROLE_USE, params), write=True)

    # --- helpers -----------------------------------------------------------------------------------
    def _lock_policy(self, tx: Tx, account_id: str, name: str) -> ManagedPolicy:
        row = tx.one(q.LOCK_POLICY, (account_id, name.lower()))
        if row is None:
            raise NotFound("policy not found")
        return self._policy(row)

    @staticmethod
    def _lock_customer_policy(tx: Tx, policy_id: str, customer: bool) -> None:
        if customer and tx.one(q.LOCK_POLICY_ID, (policy_id,)) is None:
            raise NotFound("policy not found")

    @staticmethod
    def _lock_entity(tx: Tx, account_id: str, kind: EntityKind, name: str) -> tuple[str, list[str], str | None]:
        row = tx.one(q.LOCK_ENTITY[kind], (account_id, name.lower()))
        if row is None:
            raise NotFound(f"{kind} not found")
        return str(row[0]), list(json.loads(row[1])), row[2]

    @staticmethod
    def _uses(tx: Tx, account_id: str, policy_id: str) -> list[PolicyUse]:
        pattern = f'%"{policy_id}"%'
        uses: list[PolicyUse] = []
        for kind, query in _USING:
            rows = tx.all(query, (pattern, policy_id, account_id, pattern, policy_id))
            for name, entity_id, path, attached, boundary in rows:
                if attached:
                    uses.append(PolicyUse(kind, name, entity_id, path, "attached"))
                if boundary:
                    uses.append(PolicyUse(kind, name, entity_id, path, "boundary"))
        return uses

    def _policy_row(self, policy: ManagedPolicy) -> tuple[Any, ...]:
        return (
            policy.policy_id, policy.account_id, policy.name, policy.path, policy.description,
            versions_to_json(policy.versions), policy.default_version, policy.next_version, _doc(policy.tags),
            self._t(policy.created_at), self._t(policy.updated_at),
        )  # fmt: skip

    def _policy(self, row: Row) -> ManagedPolicy:
        (policy_id, account_id, name, path, description, versions, default_version, next_version, tags,
         created_at, updated_at) = row
        return ManagedPolicy(
            account_id=account_id, name=name, policy_id=policy_id, path=path,
            created_at=self.flavor.time_out(created_at), updated_at=self.flavor.time_out(updated_at),
            versions=versions_from_json(versions), default_version=int(default_version),
            next_version=int(next_version), description=description, tags=json.loads(tags),
        )  # fmt: skip


_USING: tuple[tuple[EntityKind, str], ...] = (("role", q.ROLES_USING), ("user", q.USERS_USING))


def _doc(mapping: Mapping[str, str]) -> str:
    return json.dumps(dict(sorted(mapping.items())), separators=(",", ":"))


def _ids(ids: Sequence[str]) -> str:
    return json.dumps(sorted(set(ids)), separators=(",", ":"))
