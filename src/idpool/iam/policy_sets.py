"""The policies that decide what a role or user may do, read once per request.

IAM User Guide, "Policy evaluation logic": the identity-based policies of a role or user are its
inline policies and the managed policies attached to it (each by its default version); its
permissions boundary, when set, is one managed policy. The authorizer and the policy simulator
both read them here, so both decide alike. An entity with no managed policy costs no read; one
with some costs one (``Store.policy_documents``); AWS managed policies come from the catalogue.

A boundary whose policy cannot be read (a delete that raced CreateRole's boundary) is reported as
``boundary_missing``: the caller then lets the boundary allow nothing, never everything.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from idpool.iam.aws_managed import aws_managed_by_id, is_aws_managed
from idpool.model import Role, User
from idpool.storage import Store

SourceKind = Literal["user", "role", "user-managed", "aws-managed", "none"]  # "none": given in the request


@dataclass(frozen=True)
class SourcedPolicy:
    name: str  # the inline policy's name, or the managed policy's name
    kind: SourceKind  # as the simulator's SourcePolicyType names it
    text: str


@dataclass(frozen=True)
class EntityPolicies:
    identity: tuple[SourcedPolicy, ...]
    boundary: tuple[SourcedPolicy, ...]
    boundary_missing: bool = False


def entity_policies(store: Store, entity: Role | User) -> EntityPolicies:
    inline_kind: SourceKind = "role" if isinstance(entity, Role) else "user"
    inline = tuple(SourcedPolicy(name, inline_kind, text) for name, text in sorted(entity.policies.items()))
    wanted = [*entity.attached_policies, *([entity.permissions_boundary] if entity.permissions_boundary else [])]
    if not wanted:
        return EntityPolicies(inline, ())
    documents = managed_documents(store, wanted)
    attached = tuple(documents[i] for i in entity.attached_policies if i in documents)
    boundary = entity.permissions_boundary
    if boundary is None:
        return EntityPolicies(inline + attached, ())
    if boundary not in documents:
        return EntityPolicies(inline + attached, (), boundary_missing=True)
    return EntityPolicies(inline + attached, (documents[boundary],))


def managed_documents(store: Store, policy_ids: Sequence[str]) -> dict[str, SourcedPolicy]:
    """Policy id -> its default document, for the stored and AWS managed ones among ``policy_ids``."""
    found = {p.policy_id: SourcedPolicy(p.name, "aws-managed", p.document) for p in aws_managed_by_id(policy_ids)}
    customer = [i for i in policy_ids if not is_aws_managed(i)]
    if customer:
        for policy_id, (name, text) in store.policy_documents(customer).items():
            found[policy_id] = SourcedPolicy(name, "user-managed", text)
    return found
