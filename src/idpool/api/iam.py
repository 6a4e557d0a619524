"""AWS IAM (2010-05-08) over the Query protocol: the subset idpool implements.

Roles, users, access keys and inline policies here; managed policies, attachments and permissions
boundaries in ``iam_policies``; the policy simulator in ``iam_simulate``; response shapes in
``iam_packing``. Policy documents are returned as JSON text; the Query codec percent-encodes
members of shape ``policyDocumentType`` as IAM does.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from idpool import errors
from idpool.api.context import Call, Operation, ServiceApi
from idpool.api.iam_audit import AUDIT
from idpool.api.iam_packing import (
    DEFAULT_MAX_ITEMS,
    listing,
    pack_key_metadata,
    pack_role,
    pack_tags,
    pack_user,
    page,
    tag_pairs,
)
from idpool.api.iam_policies import PolicyHandlers
from idpool.api.iam_simulate import SimulateHandlers
from idpool.api.query_errors import QUERY_CODEC_CODES, QUERY_COMMON_ERRORS
from idpool.arns import policy_arn, role_arn, root_arn, user_arn
from idpool.iam.policies import ManagedPolicies
from idpool.iam.service import IamService
from idpool.iam.simulate import Simulator
from idpool.iam.tags import tag_map
from idpool.paging import page_of
from idpool.protocols.wire_errors import ErrorTable, WireError

# Every failure as IAM names it on the Query wire: modelled errors with the model's status
# (botocore iam 2010-05-08); AccessDenied 403; ValidationError 400 (common errors: IAM answers a
# self-service call without UserName from non-user credentials with it); authentication as STS
# (query_errors).
ERRORS = ErrorTable(
    "iam",
    {
        errors.NoSuchEntity: WireError("NoSuchEntity", 404),
        errors.EntityAlreadyExists: WireError("EntityAlreadyExists", 409),
        errors.DeleteConflict: WireError("DeleteConflict", 409),
        errors.MalformedPolicyDocument: WireError("MalformedPolicyDocument", 400),
        errors.InvalidInput: WireError("InvalidInput", 400),
        errors.IamLimitExceeded: WireError("LimitExceeded", 409),
        errors.IamValidationError: WireError("ValidationError", 400),
        errors.InternalFailure: WireError("ServiceFailure", 500, sender_fault=False),
        **QUERY_COMMON_ERRORS,
    },
    codec_codes=QUERY_CODEC_CODES,
)
NOT_A_USER = "Must specify userName when calling with non-User credentials"
ROOT_KEY_FIXED = ("idpool's root access key comes from its configuration (IDPOOL_ROOT_ACCESS_KEY_ID and "
                  "IDPOOL_ROOT_SECRET_ACCESS_KEY, or the pair generated at first start): change it there.")


@dataclass(frozen=True)
class RootKey:
    """What IAM shows of the root user's access key (never its secret)."""

    access_key_id: str
    created_at: dt.datetime | None


class IamApi(PolicyHandlers, SimulateHandlers, ServiceApi):
    """IAM's operations over the IAM services (its narrow ports)."""

    service = "iam"
    errors = ERRORS

    def __init__(self, iam: IamService, policies: ManagedPolicies, simulator: Simulator, root_key: RootKey) -> None:
        self._iam, self._policies, self._simulator, self._root_key = iam, policies, simulator, root_key

    def _user_name(self, call: Call, p: Mapping[str, Any]) -> str | None:
        """UserName defaults to the caller (IAM API Reference, GetUser, CreateAccessKey, ...):
        an IAM user acts on itself, root on the root user (None); any other caller must name one."""
        if p.get("UserName"):
            return str(p["UserName"])
        principal = call.principal
        if principal is not None and principal.kind == "user":
            return principal.name
        if principal is not None and principal.kind == "root":
            return None
        raise errors.IamValidationError(NOT_A_USER)

    # --- roles ----------------------------------------------------------------------------------
    def create_role(self, call: Call, p: Mapping[str, Any]) -> Mapping[str, Any]:
        boundary = p.get("PermissionsBoundary")
        role = self._iam.create_role(
            call.account_id, p["RoleName"], p["AssumeRolePolicyDocument"], p.get("Path") or "/", p.get("Description"),
            p.get("MaxSessionDuration") or 3600, tag_map(tag_pairs(p)),
            self._policies.boundary_id(call.account_id, boundary) if boundary else None)
        return {"Role": pack_role(role, self._iam.partition, boundary_arn=boundary)}

    def get_role(self, call: Call, p: Mapping[str, Any]) -> Mapping[str, Any]:
        role = self._iam.get_role(call.account_id, p["RoleName"])
        boundary = self._policies.boundary_arn(role.permissions_boundary)
        return {"Role": pack_role(role, self._iam.partition, boundary_arn=boundary, detail=True)}

    def list_roles(self, call: Call, p: Mapping[str, Any]) -> Mapping[str, Any]:
        roles, marker = self._iam.list_roles(call.account_id, p.get("MaxItems") or DEFAULT_MAX_ITEMS,
                                             p.get("Marker"), p.get("PathPrefix") or "/")
        return listing([pack_role(r, self._iam.partition) for r in roles], marker, "Roles")

    def update_role(self, call: Call, p: Mapping[str, Any]) -> Mapping[str, Any]:
        self._iam.update_role(call.account_id, p["RoleName"], p.get("Description"), p.get("MaxSessionDuration"))
        return {}

    def update_assume_role_policy(self, call: Call, p: Mapping[str, Any]) -> Mapping[str, Any]:
        self._iam.update_trust_policy(call.account_id, p["RoleName"], p["PolicyDocument"])
        return {}

    def delete_role(self, call: Call, p: Mapping[str, Any]) -> Mapping[str, Any]:
        self._iam.delete_role(call.account_id, p["RoleName"])
        return {}

    def tag_role(self, call: Call, p: Mapping[str, Any]) -> Mapping[str, Any]:
        self._iam.tag_role(call.account_id, p["RoleName"], tag_map(tag_pairs(p)))
        return {}

    def untag_role(self, call: Call, p: Mapping[str, Any]) -> Mapping[str, Any]:
        self._iam.untag_role(call.account_id, p["RoleName"], p["TagKeys"])
        return {}

    def list_role_tags(self, call: Call, p: Mapping[str, Any]) -> Mapping[str, Any]:
        role = self._iam.get_role(call.account_id, p["RoleName"])
        return page(pack_tags(role.tags), p, "Tags", lambda tag: tag["Key"].lower(), lambda tag: tag)

    def put_role_policy(self, call: Call, p: Mapping[str, Any]) -> Mapping[str, Any]:
        self._iam.put_role_policy(call.account_id, p["RoleName"], p["PolicyName"], p["PolicyDocument"])
        return {}

    def get_role_policy(self, call: Call, p: Mapping[str, Any]) -> Mapping[str, Any]:
        role = self._iam.get_role(call.account_id, p["RoleName"])
        if p["PolicyName"] not in role.policies:
            raise errors.NoSuchEntity(f"The role policy with name {p['PolicyName']} cannot be found.")
        return {"RoleName": role.name, "PolicyName": p["PolicyName"], "PolicyDocument": role.policies[p["PolicyName"]]}

    def list_role_policies(self, call: Call, p: Mapping[str, Any]) -> Mapping[str, Any]:
        role = self._iam.get_role(call.account_id, p["RoleName"])
        return _names_page(list(role.policies), p, "PolicyNames")

    def delete_role_policy(self, call: Call, p: Mapping[str, Any]) -> Mapping[str, Any]:
        self._iam.delete_role_policy(call.account_id, p["RoleName"], p["PolicyName"])
        return {}

    # --- users -----------------------------------------------------------------------------------
    def create_user(self, call: Call, p: Mapping[str, Any]) -> Mapping[str, Any]:
        boundary = p.get("PermissionsBoundary")
        user = self._iam.create_user(call.account_id, p["UserName"], p.get("Path") or "/", tag_map(tag_pairs(p)),
                                     self._policies.boundary_id(call.account_id, boundary) if boundary else None)
        return {"User": pack_user(user, self._iam.partition, boundary_arn=boundary)}

    def get_user(self, call: Call, p: Mapping[str, Any]) -> Mapping[str, Any]:
        name = self._user_name(call, p)
        if name is None:  # the root user: no name, no path (GetUser as root)
            root: dict[str, Any] = {"UserId": call.account_id,
                                    "Arn": root_arn(call.account_id, partition=self._iam.partition)}
            if self._root_key.created_at is not None:
                root["CreateDate"] = self._root_key.created_at
            return {"User": root}
        user = self._iam.get_user(call.account_id, name)
        boundary = self._policies.boundary_arn(user.permissions_boundary)
        return {"User": pack_user(user, self._iam.partition, boundary_arn=boundary)}

    def list_users(self, call: Call, p: Mapping[str, Any]) -> Mapping[str, Any]:
        users, marker = self._iam.list_users(call.account_id, p.get("MaxItems") or DEFAULT_MAX_ITEMS,
                                             p.get("Marker"), p.get("PathPrefix") or "/")
        return listing([pack_user(u, self._iam.partition) for u in users], marker, "Users")

    def delete_user(self, call: Call, p: Mapping[str, Any]) -> Mapping[str, Any]:
        self._iam.delete_user(call.account_id, p["UserName"])
        return {}

    def tag_user(self, call: Call, p: Mapping[str, Any]) -> Mapping[str, Any]:
        self._iam.tag_user(call.account_id, p["UserName"], tag_map(tag_pairs(p)))
        return {}

    def untag_user(self, call: Call, p: Mapping[str, Any]) -> Mapping[str, Any]:
        self._iam.untag_user(call.account_id, p["UserName"], p["TagKeys"])
        return {}

    def list_user_tags(self, call: Call, p: Mapping[str, Any]) -> Mapping[str, Any]:
        user = self._iam.get_user(call.account_id, p["UserName"])
        return page(pack_tags(user.tags), p, "Tags", lambda tag: tag["Key"].lower(), lambda tag: tag)

    def put_user_policy(self, call: Call, p: Mapping[str, Any]) -> Mapping[str, Any]:
        self._iam.put_user_policy(call.account_id, p["UserName"], p["PolicyName"], p["PolicyDocument"])
        return {}

    def get_user_policy(self, call: Call, p: Mapping[str, Any]) -> Mapping[str, Any]:
        user = self._iam.get_user(call.account_id, p["UserName"])
        if p["PolicyName"] not in user.policies:
            raise errors.NoSuchEntity(f"The user policy with name {p['PolicyName']} cannot be found.")
        return {"UserName": user.name, "PolicyName": p["PolicyName"], "PolicyDocument": user.policies[p["PolicyName"]]}

    def list_user_policies(self, call: Call, p: Mapping[str, Any]) -> Mapping[str, Any]:
        user = self._iam.get_user(call.account_id, p["UserName"])
        return _names_page(list(user.policies), p, "PolicyNames")

    def delete_user_policy(self, call: Call, p: Mapping[str, Any]) -> Mapping[str, Any]:
        self._iam.delete_user_policy(call.account_id, p["UserName"], p["PolicyName"])
        return {}

    # --- access keys: an IAM user's, or (without UserName) the caller's own, root's included ------------
    def create_access_key(self, call: Call, p: Mapping[str, Any]) -> Mapping[str, Any]:
        name = self._user_name(call, p)
        if name is None:
            raise errors.InvalidInput(ROOT_KEY_FIXED)
        new = self._iam.create_access_key(call.account_id, name)
        return {"AccessKey": {**pack_key_metadata(new.key), "SecretAccessKey": new.secret_access_key}}

    def list_access_keys(self, call: Call, p: Mapping[str, Any]) -> Mapping[str, Any]:
        name = self._user_name(call, p)
        if name is None:
            root: dict[str, Any] = {"AccessKeyId": self._root_key.access_key_id, "Status": "Active"}
            if self._root_key.created_at is not None:
                root["CreateDate"] = self._root_key.created_at
            return {"AccessKeyMetadata": [root], "IsTruncated": False}
        keys = self._iam.list_access_keys(call.account_id, name)
        return {"AccessKeyMetadata": [pack_key_metadata(k) for k in keys], "IsTruncated": False}

    def update_access_key(self, call: Call, p: Mapping[str, Any]) -> Mapping[str, Any]:
        name = self._user_name(call, p)
        if name is None:
            self._refuse_root_key(p["AccessKeyId"])
        else:
            self._iam.set_access_key_status(call.account_id, name, p["AccessKeyId"], p["Status"])
        return {}

    def delete_access_key(self, call: Call, p: Mapping[str, Any]) -> Mapping[str, Any]:
        name = self._user_name(call, p)
        if name is None:
            self._refuse_root_key(p["AccessKeyId"])
        else:
            self._iam.delete_access_key(call.account_id, name, p["AccessKeyId"])
        return {}

    def _refuse_root_key(self, access_key_id: str) -> None:
        if access_key_id == self._root_key.access_key_id:
            raise errors.InvalidInput(ROOT_KEY_FIXED)
        raise errors.NoSuchEntity(f"The Access Key with id {access_key_id} cannot be found.")

    # --- what each operation is authorized on (Service Authorization Reference, IAM) ------------------------
    def resource(self, operation: str, call: Call, p: Mapping[str, Any]) -> str | None:
        partition = self._iam.partition
        if operation in ("ListRoles", "ListUsers", "ListPolicies", "SimulateCustomPolicy"):
            return {"ListRoles": role_arn(call.account_id, "*", partition=partition),
                    "ListUsers": user_arn(call.account_id, "*", partition=partition)}.get(operation, "*")
        if operation == "CreatePolicy":
            return policy_arn(call.account_id, p["PolicyName"], p.get("Path") or "/", partition=partition)
        if "PolicyArn" in p and operation in POLICY_OPERATIONS:
            return str(p["PolicyArn"])
        if operation == "SimulatePrincipalPolicy":
            return str(p["PolicySourceArn"])
        if operation in ROLE_OPERATIONS:
            return self._role_arn(call, p["RoleName"])
        name = self._user_name(call, p)
        if name is None:
            return root_arn(call.account_id, partition=partition)
        return self._user_arn(call, name)

    def _role_arn(self, call: Call, name: str) -> str:
        try:
            return self._iam.get_role(call.account_id, name).arn_in(self._iam.partition)
        except errors.NoSuchEntity:
            return role_arn(call.account_id, name, partition=self._iam.partition)

    def _user_arn(self, call: Call, name: str) -> str:
        try:
            return self._iam.get_user(call.account_id, name).arn_in(self._iam.partition)
        except errors.NoSuchEntity:
            return user_arn(call.account_id, name, partition=self._iam.partition)


def _names_page(names: list[str], p: Mapping[str, Any], key: str) -> dict[str, Any]:
    chunk, marker = page_of(sorted(names), p.get("MaxItems") or DEFAULT_MAX_ITEMS, p.get("Marker") or None)
    return listing(chunk, marker, key)


# Operation -> handler method.
HANDLERS: dict[str, Operation] = {
    # roles and their inline policies
    "CreateRole": IamApi.create_role, "GetRole": IamApi.get_role, "ListRoles": IamApi.list_roles,
    "UpdateRole": IamApi.update_role, "UpdateAssumeRolePolicy": IamApi.update_assume_role_policy,
    "DeleteRole": IamApi.delete_role, "TagRole": IamApi.tag_role, "UntagRole": IamApi.untag_role,
    "ListRoleTags": IamApi.list_role_tags, "PutRolePolicy": IamApi.put_role_policy,
    "GetRolePolicy": IamApi.get_role_policy, "ListRolePolicies": IamApi.list_role_policies,
    "DeleteRolePolicy": IamApi.delete_role_policy,
    # users, their inline policies and access keys
    "CreateUser": IamApi.create_user, "GetUser": IamApi.get_user, "ListUsers": IamApi.list_users,
    "DeleteUser": IamApi.delete_user, "TagUser": IamApi.tag_user, "UntagUser": IamApi.untag_user,
    "ListUserTags": IamApi.list_user_tags, "PutUserPolicy": IamApi.put_user_policy,
    "GetUserPolicy": IamApi.get_user_policy, "ListUserPolicies": IamApi.list_user_policies,
    "DeleteUserPolicy": IamApi.delete_user_policy, "CreateAccessKey": IamApi.create_access_key,
    "ListAccessKeys": IamApi.list_access_keys, "UpdateAccessKey": IamApi.update_access_key,
    "DeleteAccessKey": IamApi.delete_access_key,
    # managed policies (iam_policies)
    "CreatePolicy": IamApi.create_policy, "GetPolicy": IamApi.get_policy, "ListPolicies": IamApi.list_policies,
    "DeletePolicy": IamApi.delete_policy, "TagPolicy": IamApi.tag_policy, "UntagPolicy": IamApi.untag_policy,
    "ListPolicyTags": IamApi.list_policy_tags, "ListEntitiesForPolicy": IamApi.list_entities_for_policy,
    "CreatePolicyVersion": IamApi.create_policy_version, "GetPolicyVersion": IamApi.get_policy_version,
    "ListPolicyVersions": IamApi.list_policy_versions, "DeletePolicyVersion": IamApi.delete_policy_version,
    "SetDefaultPolicyVersion": IamApi.set_default_policy_version,
    "AttachRolePolicy": IamApi.attach_role_policy, "DetachRolePolicy": IamApi.detach_role_policy,
    "ListAttachedRolePolicies": IamApi.list_attached_role_policies,
    "AttachUserPolicy": IamApi.attach_user_policy, "DetachUserPolicy": IamApi.detach_user_policy,
    "ListAttachedUserPolicies": IamApi.list_attached_user_policies,
    "PutRolePermissionsBoundary": IamApi.put_role_permissions_boundary,
    "DeleteRolePermissionsBoundary": IamApi.delete_role_permissions_boundary,
    "PutUserPermissionsBoundary": IamApi.put_user_permissions_boundary,
    "DeleteUserPermissionsBoundary": IamApi.delete_user_permissions_boundary,
    # the policy simulator (iam_simulate)
    "SimulatePrincipalPolicy": IamApi.simulate_principal_policy, "SimulateCustomPolicy": IamApi.simulate_custom_policy,
}
# Operations whose resource is a role; those with a PolicyArn are authorized on the policy; the
# rest act on a user.
ROLE_OPERATIONS = frozenset({
    "CreateRole", "GetRole", "UpdateRole", "UpdateAssumeRolePolicy", "DeleteRole", "TagRole", "UntagRole",
    "ListRoleTags", "PutRolePolicy", "GetRolePolicy", "ListRolePolicies", "DeleteRolePolicy",
    "AttachRolePolicy", "DetachRolePolicy", "ListAttachedRolePolicies", "PutRolePermissionsBoundary",
    "DeleteRolePermissionsBoundary",
})
POLICY_OPERATIONS = frozenset({
    "GetPolicy", "DeletePolicy", "TagPolicy", "UntagPolicy", "ListPolicyTags", "ListEntitiesForPolicy",
    "CreatePolicyVersion", "GetPolicyVersion", "ListPolicyVersions", "DeletePolicyVersion",
    "SetDefaultPolicyVersion",
})


IamApi.operations = HANDLERS
IamApi.audit = AUDIT
