"""Managed policies: CreatePolicy ... DeletePolicy, versions, attachments, permissions boundaries.

Facts (IAM API Reference for each operation; IAM User Guide, "Versioning IAM policies", "Managed
policies and inline policies", "Permissions boundaries for IAM entities", "IAM and AWS STS
quotas"; messages as IAM answers them, docs/AWS_REFERENCE.md "Managed policies"):

- a policy is named by its ARN, ``arn:<partition>:iam::<account>:policy<path><name>``; names
  are unique per account case-insensitively; a customer policy's document must say
  ``"Version": "2012-10-17"``;
- at most five versions (``v1``, ``v2``, ... never reused); the default version is what the
  policy grants and cannot be deleted; a policy is deleted only when no role or user uses it and
  only its default version is left;
- at most 10 managed policies attached to a role or a user;
- AWS managed policies (``aws_managed``) can be attached and used as boundaries, never changed.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

from idpool import arns, errors, storage
from idpool.clock import Clock
from idpool.iam.aws_managed import CATALOGUE, aws_managed, aws_managed_by_id, is_aws_managed
from idpool.iam.tags import check_count, merged, without
from idpool.ids import new_unique_id
from idpool.model import ManagedPolicy, PolicyVersion, Role, User
from idpool.policy import parse_policy
from idpool.storage import EntityKind, PolicyUse, Store

MAX_VERSIONS = 5
MAX_ATTACHED = 10
LIST_ALL = 10_000  # ListPolicies reads an account's policies whole (the quota is 1,500; 5,000 raised)
Scope = Literal["All", "AWS", "Local"]


@dataclass(frozen=True)
class PolicyView:
    """A policy as GetPolicy and ListPolicies show it."""

    policy: ManagedPolicy
    arn: str
    attachment_count: int
    boundary_count: int


class ManagedPolicies:
    def __init__(self, store: Store, clock: Clock, partition: str) -> None:
        self._store, self._clock, self.partition = store, clock, partition

    # --- the policies -----------------------------------------------------------------------------
    def create(self, account_id: str, name: str, document: str, path: str = "/", description: str | None = None,
               tags: Mapping[str, str] | None = None) -> PolicyView:
        parse_policy(document, "managed")
        check_count(tags or {})
        now = self._clock.now()
        policy = ManagedPolicy(account_id, name, new_unique_id("ANPA"), path, now, now, (PolicyVersion(1, document, now),),
                               default_version=1, next_version=2, description=description, tags=dict(tags or {}))
        try:
            self._store.create_policy(policy)
        except storage.AlreadyExists:
            raise errors.EntityAlreadyExists(
                f"A policy called {name} already exists. Duplicate names are not allowed.") from None
        return self._view(policy, [])

    def resolve(self, account_id: str, arn: str, *, missing: str = "was not found.") -> ManagedPolicy:
        """The policy an ARN names: this account's, or an AWS managed one. NoSuchEntity
        ("Policy <arn> <missing>") if there is none; InvalidInput if it is not a policy ARN."""
        parts = arns.iam_arn_parts(arn, self.partition)
        if parts is None or parts[1] != "policy":
            raise errors.InvalidInput(f"ARN {arn} is not valid.")
        account, _, path, name = parts
        found: ManagedPolicy | None = None
        if account == arns.AWS_MANAGED_ACCOUNT:
            found = aws_managed(name)
        elif account == account_id:
            try:
                found = self._store.get_policy(account_id, name)
            except storage.NotFound:
                found = None
        if found is None or found.path != path or found.name != name:
            raise errors.NoSuchEntity(f"Policy {arn} {missing}")
        return found

    def get(self, account_id: str, arn: str) -> PolicyView:
        policy = self.resolve(account_id, arn)
        return self._view(policy, self._store.policy_uses(account_id, policy.policy_id))

    def listing(self, account_id: str, scope: Scope = "All", only_attached: bool = False, path_prefix: str = "/",
                usage: str | None = None) -> list[PolicyView]:
        """ListPolicies: every policy in scope (AWS managed, the account's, or both), with its counts."""
        candidates: list[ManagedPolicy] = []
        if scope in ("All", "AWS"):
            candidates += sorted(CATALOGUE, key=lambda p: p.name.lower())
        if scope in ("All", "Local"):
            candidates += self._store.list_policies(account_id, LIST_ALL)
        views = [self._view(p, self._store.policy_uses(account_id, p.policy_id))
                 for p in candidates if p.path.startswith(path_prefix)]
        # OnlyAttached: attached to a role or user; PolicyUsageFilter: used that way (IAM API Reference)
        return [v for v in views if (v.attachment_count or not only_attached)
                and (usage != "PermissionsPolicy" or v.attachment_count)
                and (usage != "PermissionsBoundary" or v.boundary_count)]

    def delete(self, account_id: str, arn: str) -> None:
        policy = self._customer(account_id, arn)

        def check(stored: ManagedPolicy) -> None:
            if len(stored.versions) > 1:
                raise errors.DeleteConflict(
                    "This policy has more than one version. Before you delete a policy, you must delete the "
                    "policy's versions. The default version is deleted with the policy.")

        try:
            self._store.delete_policy(account_id, policy.name, check)
        except storage.Conflict:
            raise errors.DeleteConflict("Cannot delete a policy attached to entities.") from None
        except storage.NotFound:
            raise errors.NoSuchEntity(f"Policy {arn} was not found.") from None

    def tag(self, account_id: str, arn: str, tags: Mapping[str, str]) -> None:
        self._update(account_id, arn, lambda p: dataclasses.replace(p, tags=merged(p.tags, tags)))

    def untag(self, account_id: str, arn: str, keys: Sequence[str]) -> None:
        self._update(account_id, arn, lambda p: dataclasses.replace(p, tags=without(p.tags, keys)))

    # --- versions -----------------------------------------------------------------------------------
    def create_version(self, account_id: str, arn: str, document: str, set_as_default: bool) -> PolicyVersion:
        parse_policy(document, "managed")
        now = self._clock.now()

        def add(policy: ManagedPolicy) -> ManagedPolicy:
            if len(policy.versions) >= MAX_VERSIONS:
                raise errors.IamLimitExceeded(
                    f"A managed policy can have up to {MAX_VERSIONS} versions. Before you create a new version, "
                    "you must delete an existing version.")
            version = PolicyVersion(policy.next_version, document, now)
            return dataclasses.replace(
                policy, versions=(*policy.versions, version), next_version=policy.next_version + 1, updated_at=now,
                default_version=version.number if set_as_default else policy.default_version)

        updated = self._update(account_id, arn, add)
        return updated.versions[-1]

    def version(self, account_id: str, arn: str, version_id: str) -> tuple[PolicyVersion, bool]:
        """The version and whether it is the default."""
        policy = self.resolve(account_id, arn)
        version = _version(policy, version_id, arn)
        return version, version.number == policy.default_version

    def versions(self, account_id: str, arn: str) -> tuple[ManagedPolicy, list[PolicyVersion]]:
        """ListPolicyVersions: newest first, as IAM lists them."""
        policy = self.resolve(account_id, arn)
        return policy, sorted(policy.versions, key=lambda v: v.number, reverse=True)

    def delete_version(self, account_id: str, arn: str, version_id: str) -> None:
        def drop(policy: ManagedPolicy) -> ManagedPolicy:
            version = _version(policy, version_id, arn)
            if version.number == policy.default_version:
                raise errors.DeleteConflict("Cannot delete the default version of a policy.")
            return dataclasses.replace(policy, versions=tuple(v for v in policy.versions if v is not version))

        self._update(account_id, arn, drop)

    def set_default_version(self, account_id: str, arn: str, version_id: str) -> None:
        self._update(account_id, arn, lambda p: dataclasses.replace(
            p, default_version=_version(p, version_id, arn).number, updated_at=self._clock.now()))

    # --- attachments and boundaries ------------------------------------------------------------------
    def attach(self, account_id: str, kind: EntityKind, entity: Role | User, arn: str) -> None:
        policy = self.resolve(account_id, arn, missing="does not exist or is not attachable.")
        try:
            self._store.attach_policy(account_id, kind, entity.name, policy.policy_id,
                                      customer=not is_aws_managed(policy.policy_id), limit=MAX_ATTACHED)
        except storage.LimitReached:
            quota = "PoliciesPerRole" if kind == "role" else "PoliciesPerUser"
            raise errors.IamLimitExceeded(f"Cannot exceed quota for {quota}: {MAX_ATTACHED}") from None
        except storage.NotFound:  # deleted since it was read: the entity, or the policy
            raise errors.NoSuchEntity(f"Policy {arn} does not exist or is not attachable.") from None

    def detach(self, account_id: str, kind: EntityKind, entity: Role | User, arn: str) -> None:
        policy = self.resolve(account_id, arn)
        try:
            self._store.detach_policy(account_id, kind, entity.name, policy.policy_id)
        except storage.NotFound:
            raise errors.NoSuchEntity(f"Policy {arn} was not found.") from None

    def attached(self, entity: Role | User, path_prefix: str = "/") -> list[tuple[ManagedPolicy, str]]:
        """ListAttachedRolePolicies / ListAttachedUserPolicies: (policy, ARN), ordered by name."""
        found = self.by_ids(entity.attached_policies)
        return sorted(((p, p.arn_in(self.partition)) for p in found if p.path.startswith(path_prefix)),
                      key=lambda item: item[0].name.lower())

    def boundary_id(self, account_id: str, arn: str) -> str:
        """The policy id of a PermissionsBoundary ARN (CreateRole, Put*PermissionsBoundary)."""
        return self.resolve(account_id, arn, missing="does not exist or is not attachable.").policy_id

    def set_boundary(self, account_id: str, kind: EntityKind, entity: Role | User, arn: str | None) -> None:
        policy_id = None if arn is None else self.boundary_id(account_id, arn)
        customer = policy_id is not None and not is_aws_managed(policy_id)
        try:
            self._store.set_permissions_boundary(account_id, kind, entity.name, policy_id, customer=customer)
        except storage.NotFound:
            raise errors.NoSuchEntity(f"Policy {arn} does not exist or is not attachable.") from None

    def boundary_arn(self, policy_id: str | None) -> str | None:
        found = self.by_ids([policy_id]) if policy_id else []
        return found[0].arn_in(self.partition) if found else None

    def uses(self, account_id: str, arn: str) -> list[PolicyUse]:
        policy = self.resolve(account_id, arn)
        return self._store.policy_uses(account_id, policy.policy_id)

    def by_ids(self, policy_ids: Sequence[str]) -> list[ManagedPolicy]:
        """Stored and AWS managed policies among ``policy_ids``, in the order given."""
        known = {p.policy_id: p for p in [*aws_managed_by_id(policy_ids), *self._store.get_policies(
            [i for i in policy_ids if not is_aws_managed(i)])]}
        return [known[i] for i in policy_ids if i in known]

    # --- helpers -------------------------------------------------------------------------------------------
    def _customer(self, account_id: str, arn: str) -> ManagedPolicy:
        policy = self.resolve(account_id, arn)
        if policy.account_id == arns.AWS_MANAGED_ACCOUNT:
            raise errors.AccessDenied(f"Policy {arn} is an AWS managed policy: it cannot be changed or deleted.")
        return policy

    def _update(self, account_id: str, arn: str, apply: Callable[[ManagedPolicy], ManagedPolicy]) -> ManagedPolicy:
        policy = self._customer(account_id, arn)
        try:
            return self._store.update_policy(account_id, policy.name, apply)
        except storage.NotFound:
            raise errors.NoSuchEntity(f"Policy {arn} was not found.") from None

    def _view(self, policy: ManagedPolicy, uses: Sequence[PolicyUse]) -> PolicyView:
        return PolicyView(policy, policy.arn_in(self.partition), sum(1 for u in uses if u.use == "attached"),
                          sum(1 for u in uses if u.use == "boundary"))


def _version(policy: ManagedPolicy, version_id: str, arn: str) -> PolicyVersion:
    number = version_id[1:] if version_id.startswith("v") else ""
    for version in policy.versions:
        if number.isdigit() and version.number == int(number):
            return version
    raise errors.NoSuchEntity(f"Policy {arn} version {version_id} does not exist or is not attachable.")
