"""What the audit log records of IAM's operations (``api/audit.py``): every change to roles,
users, policies, attachments, boundaries and access keys, with the policy documents as given
(not secret) and access key ids (never a secret). Reading and simulating change nothing: they
are in the log only when refused."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from idpool.api.audit import Audited
from idpool.api.context import Call


def _new_key(p: Mapping[str, Any], r: Mapping[str, Any], call: Call) -> dict[str, Any]:
    key = r.get("AccessKey") or {}
    return {"accessKey": {"accessKeyId": key.get("AccessKeyId"), "userName": key.get("UserName"),
                          "status": key.get("Status")}}  # never the SecretAccessKey


def _arn_of(member: str) -> Callable[[Mapping[str, Any], Mapping[str, Any], Call], dict[str, Any]]:
    def extract(p: Mapping[str, Any], r: Mapping[str, Any], call: Call) -> dict[str, Any]:
        return {"arn": (r.get(member) or {}).get("Arn")}

    return extract


def _version(p: Mapping[str, Any], r: Mapping[str, Any], call: Call) -> dict[str, Any]:
    return {"versionId": (r.get("PolicyVersion") or {}).get("VersionId")}


_ROLE, _USER = ("RoleName",), ("UserName",)
_ROLE_POLICY, _USER_POLICY, _POLICY = ("RoleName", "PolicyArn"), ("UserName", "PolicyArn"), ("PolicyArn",)
AUDIT: dict[str, Audited] = {
    "CreateRole": Audited(("RoleName", "Path", "AssumeRolePolicyDocument", "MaxSessionDuration", "Tags",
                           "PermissionsBoundary"), more_response=_arn_of("Role")),
    "UpdateRole": Audited(("RoleName", "Description", "MaxSessionDuration")),
    "UpdateAssumeRolePolicy": Audited(("RoleName", "PolicyDocument")),
    "DeleteRole": Audited(_ROLE),
    "TagRole": Audited(("RoleName", "Tags")),
    "UntagRole": Audited(("RoleName", "TagKeys")),
    "PutRolePolicy": Audited(("RoleName", "PolicyName", "PolicyDocument")),
    "DeleteRolePolicy": Audited(("RoleName", "PolicyName")),
    "AttachRolePolicy": Audited(_ROLE_POLICY),
    "DetachRolePolicy": Audited(_ROLE_POLICY),
    "PutRolePermissionsBoundary": Audited(("RoleName", "PermissionsBoundary")),
    "DeleteRolePermissionsBoundary": Audited(_ROLE),
    "CreateUser": Audited(("UserName", "Path", "Tags", "PermissionsBoundary"), more_response=_arn_of("User")),
    "DeleteUser": Audited(_USER),
    "TagUser": Audited(("UserName", "Tags")),
    "UntagUser": Audited(("UserName", "TagKeys")),
    "PutUserPolicy": Audited(("UserName", "PolicyName", "PolicyDocument")),
    "DeleteUserPolicy": Audited(("UserName", "PolicyName")),
    "AttachUserPolicy": Audited(_USER_POLICY),
    "DetachUserPolicy": Audited(_USER_POLICY),
    "PutUserPermissionsBoundary": Audited(("UserName", "PermissionsBoundary")),
    "DeleteUserPermissionsBoundary": Audited(_USER),
    "CreateAccessKey": Audited(_USER, more_response=_new_key),
    "UpdateAccessKey": Audited(("UserName", "AccessKeyId", "Status")),
    "DeleteAccessKey": Audited(("UserName", "AccessKeyId")),
    "CreatePolicy": Audited(("PolicyName", "Path", "PolicyDocument", "Description", "Tags"),
                            more_response=_arn_of("Policy")),
    "DeletePolicy": Audited(_POLICY),
    "TagPolicy": Audited(("PolicyArn", "Tags")),
    "UntagPolicy": Audited(("PolicyArn", "TagKeys")),
    "CreatePolicyVersion": Audited(("PolicyArn", "PolicyDocument", "SetAsDefault"), more_response=_version),
    "DeletePolicyVersion": Audited(("PolicyArn", "VersionId")),
    "SetDefaultPolicyVersion": Audited(("PolicyArn", "VersionId")),
}
