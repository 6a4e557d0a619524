"""IAM's response shapes: roles, users, access keys, managed policies, tags and Marker pages.

As the IAM API Reference gives each data type. Listing operations return a subset: ListRoles
leaves out RoleLastUsed and PermissionsBoundary, ListPolicies leaves out Description and Tags
(IAM API Reference, ListRoles and ListPolicies: "IAM resource-listing operations return a subset
of the available attributes"). Policy documents are returned as their JSON text; the Query codec
percent-encodes them as IAM does.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any, TypeVar

from idpool.iam.policies import PolicyView
from idpool.model import AccessKey, PolicyVersion, Role, User

T = TypeVar("T")
DEFAULT_MAX_ITEMS = 100


def pack_role(role: Role, partition: str, *, boundary_arn: str | None = None, detail: bool = False) -> dict[str, Any]:
    out: dict[str, Any] = {
        "Path": role.path, "RoleName": role.name, "RoleId": role.role_id, "Arn": role.arn_in(partition),
        "CreateDate": role.created_at, "AssumeRolePolicyDocument": role.trust_policy,
        "MaxSessionDuration": role.max_session_duration,
    }
    if role.description is not None:
        out["Description"] = role.description
    if role.tags:
        out["Tags"] = pack_tags(role.tags)
    if boundary_arn is not None:
        out["PermissionsBoundary"] = _boundary(boundary_arn)
    if detail:
        # RoleLastUsed is always there, empty until the role is first used (GetRole)
        used: dict[str, Any] = {}
        if role.last_used_at is not None:
            used = {"LastUsedDate": role.last_used_at, "Region": role.last_used_region}
        out["RoleLastUsed"] = used
    return out


def pack_user(user: User, partition: str, *, boundary_arn: str | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {"Path": user.path, "UserName": user.name, "UserId": user.user_id,
                           "Arn": user.arn_in(partition), "CreateDate": user.created_at}
    if boundary_arn is not None:
        out["PermissionsBoundary"] = _boundary(boundary_arn)
    if user.tags:
        out["Tags"] = pack_tags(user.tags)
    return out


def pack_key_metadata(key: AccessKey) -> dict[str, Any]:
    return {"UserName": key.user_name, "AccessKeyId": key.access_key_id, "Status": key.status,
            "CreateDate": key.created_at}


def pack_policy(view: PolicyView, *, detail: bool = False) -> dict[str, Any]:
    policy = view.policy
    out: dict[str, Any] = {
        "PolicyName": policy.name, "PolicyId": policy.policy_id, "Arn": view.arn, "Path": policy.path,
        "DefaultVersionId": f"v{policy.default_version}", "AttachmentCount": view.attachment_count,
        "PermissionsBoundaryUsageCount": view.boundary_count, "IsAttachable": True,
        "CreateDate": policy.created_at, "UpdateDate": policy.updated_at,
    }
    if detail:
        if policy.description is not None:
            out["Description"] = policy.description
        if policy.tags:
            out["Tags"] = pack_tags(policy.tags)
    return out


def pack_version(version: PolicyVersion, is_default: bool, *, document: bool = False) -> dict[str, Any]:
    out: dict[str, Any] = {"VersionId": f"v{version.number}", "IsDefaultVersion": is_default,
                           "CreateDate": version.created_at}
    if document:
        out["Document"] = version.document
    return out


def _boundary(arn: str) -> dict[str, str]:
    return {"PermissionsBoundaryType": "Policy", "PermissionsBoundaryArn": arn}


def pack_tags(tags: Mapping[str, str]) -> list[dict[str, str]]:
    return [{"Key": k, "Value": v} for k, v in tags.items()]


def tag_pairs(p: Mapping[str, Any]) -> list[tuple[str, str]]:
    return [(t["Key"], t["Value"]) for t in p.get("Tags") or []]


def page(items: Sequence[T], p: Mapping[str, Any], key: str, sort_key: Callable[[T], str],
         pack: Callable[[T], Any]) -> dict[str, Any]:
    """A Marker page of an in-memory listing ordered by ``sort_key``, each item packed: IAM's
    MaxItems (default 100) and Marker (the key of the last item returned)."""
    ordered = sorted(items, key=sort_key)
    marker = p.get("Marker") or None
    start = 0 if marker is None else next((i for i, item in enumerate(ordered) if sort_key(item) > marker),
                                          len(ordered))
    limit = p.get("MaxItems") or DEFAULT_MAX_ITEMS
    chunk = ordered[start:start + limit]
    more = start + limit < len(ordered) and bool(chunk)
    return listing([pack(item) for item in chunk], sort_key(chunk[-1]) if more else None, key)


def listing(items: list[Any], marker: str | None, key: str) -> dict[str, Any]:
    out: dict[str, Any] = {key: items, "IsTruncated": marker is not None}
    if marker is not None:
        out["Marker"] = marker
    return out
