"""AWS IAM (2010-05-08) over the Query protocol: the subset idpool implements.

Policy documents are returned as JSON text; the Query codec percent-encodes members of
shape ``policyDocumentType`` as IAM does.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from idpool import errors
from idpool.api.context import Call, Operation, ServiceApi
from idpool.api.query_errors import QUERY_AUTH_ERRORS, QUERY_CODEC_CODES
from idpool.arns import role_arn, user_arn
from idpool.iam.service import IamService
from idpool.model import AccessKey, Role, User
from idpool.paging import page_of
from idpool.protocols.wire_errors import ErrorTable, WireError

# Every failure as IAM names it on the Query wire: modelled errors with the model's status
# (botocore iam 2010-05-08); AccessDenied 403; authentication as STS (query_errors).
ERRORS = ErrorTable(
    "iam",
    {
        errors.NoSuchEntity: WireError("NoSuchEntity", 404),
        errors.EntityAlreadyExists: WireError("EntityAlreadyExists", 409),
        errors.DeleteConflict: WireError("DeleteConflict", 409),
        errors.MalformedPolicyDocument: WireError("MalformedPolicyDocument", 400),
        errors.InvalidInput: WireError("InvalidInput", 400),
        errors.IamLimitExceeded: WireError("LimitExceeded", 409),
        errors.AccessDenied: WireError("AccessDenied", 403),
        errors.ExpiredCredentials: WireError("ExpiredToken", 403),
        errors.RequestTooLarge: WireError("RequestEntityTooLarge", 413),
        errors.RequestTimeout: WireError("RequestTimeout", 408),
        errors.UnsupportedOperation: WireError("InvalidAction", 400),
        errors.ServiceUnavailable: WireError("ServiceUnavailable", 503, sender_fault=False),
        errors.InternalFailure: WireError("ServiceFailure", 500, sender_fault=False),
        **QUERY_AUTH_ERRORS,
    },
    codec_codes=QUERY_CODEC_CODES,
)
DEFAULT_MAX_ITEMS = 100


def pack_role(role: Role, partition: str) -> dict[str, Any]:
    out: dict[str, Any] = {
        "Path": role.path, "RoleName": role.name, "RoleId": role.role_id, "Arn": role.arn_in(partition),
        "CreateDate": role.created_at, "AssumeRolePolicyDocument": role.trust_policy,
        "MaxSessionDuration": role.max_session_duration,
    }
    if role.description is not None:
        out["Description"] = role.description
    if role.tags:
        out["Tags"] = _pack_tags(role.tags)
    return out


def pack_user(user: User, partition: str) -> dict[str, Any]:
    out: dict[str, Any] = {"Path": user.path, "UserName": user.name, "UserId": user.user_id, "Arn": user.arn_in(partition),
                           "CreateDate": user.created_at}
    if user.tags:
        out["Tags"] = _pack_tags(user.tags)
    return out


def pack_key_metadata(key: AccessKey) -> dict[str, Any]:
    return {"UserName": key.user_name, "AccessKeyId": key.access_key_id, "Status": key.status,
            "CreateDate": key.created_at}


def _pack_tags(tags: Mapping[str, str]) -> list[dict[str, str]]:
    return [{"Key": k, "Value": v} for k, v in tags.items()]


def _tags(p: Mapping[str, Any]) -> dict[str, str]:
    return {t["Key"]: t["Value"] for t in p.get("Tags") or []}


def _page(items: list[Any], marker: str | None, key: str) -> dict[str, Any]:
    out: dict[str, Any] = {key: items, "IsTruncated": marker is not None}
    if marker is not None:
        out["Marker"] = marker
    return out


def _names_page(names: list[str], p: Mapping[str, Any], key: str) -> dict[str, Any]:
    page, marker = page_of(sorted(names), p.get("MaxItems") or DEFAULT_MAX_ITEMS, p.get("Marker") or None)
    return _page(page, marker, key)


class IamApi(ServiceApi):
    """IAM's operations over the IAM service (its narrow port)."""

    service = "iam"
    errors = ERRORS

    def __init__(self, iam: IamService) -> None:
        self._iam = iam

    def _user_name(self, call: Call, p: Mapping[str, Any]) -> str:
        """UserName defaults to the calling IAM user (IAM API Reference, CreateAccessKey etc.)."""
        if p.get("UserName"):
            return str(p["UserName"])
        principal = call.principal
        if principal is not None and principal.kind == "user":
            return principal.name
        raise errors.InvalidInput("UserName is required when the caller is not an IAM user.")

    def create_role(self, call: Call, p: Mapping[str, Any]) -> Mapping[str, Any]:
        role = self._iam.create_role(
            call.account_id, p["RoleName"], p["AssumeRolePolicyDocument"], p.get("Path") or "/", p.get("Description"),
            p.get("MaxSessionDuration") or 3600, _tags(p))
        return {"Role": pack_role(role, self._iam.partition)}

    def get_role(self, call: Call, p: Mapping[str, Any]) -> Mapping[str, Any]:
        return {"Role": pack_role(self._iam.get_role(call.account_id, p["RoleName"]), self._iam.partition)}

    def list_roles(self, call: Call, p: Mapping[str, Any]) -> Mapping[str, Any]:
        roles, marker = self._iam.list_roles(call.account_id, p.get("MaxItems") or DEFAULT_MAX_ITEMS,
                                                    p.get("Marker"), p.get("PathPrefix") or "/")
        return _page([pack_role(r, self._iam.partition) for r in roles], marker, "Roles")

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
        self._iam.tag_role(call.account_id, p["RoleName"], _tags(p))
        return {}

    def untag_role(self, call: Call, p: Mapping[str, Any]) -> Mapping[str, Any]:
        self._iam.untag_role(call.account_id, p["RoleName"], p["TagKeys"])
        return {}

    def list_role_tags(self, call: Call, p: Mapping[str, Any]) -> Mapping[str, Any]:
        role = self._iam.get_role(call.account_id, p["RoleName"])
        return {"Tags": _pack_tags(role.tags), "IsTruncated": False}

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

    def create_user(self, call: Call, p: Mapping[str, Any]) -> Mapping[str, Any]:
        user = self._iam.create_user(call.account_id, p["UserName"], p.get("Path") or "/", _tags(p))
        return {"User": pack_user(user, self._iam.partition)}

    def get_user(self, call: Call, p: Mapping[str, Any]) -> Mapping[str, Any]:
        return {"User": pack_user(self._iam.get_user(call.account_id, self._user_name(call, p)), self._iam.partition)}

    def list_users(self, call: Call, p: Mapping[str, Any]) -> Mapping[str, Any]:
        users, marker = self._iam.list_users(call.account_id, p.get("MaxItems") or DEFAULT_MAX_ITEMS,
                                                    p.get("Marker"), p.get("PathPrefix") or "/")
        return _page([pack_user(u, self._iam.partition) for u in users], marker, "Users")

    def delete_user(self, call: Call, p: Mapping[str, Any]) -> Mapping[str, Any]:
        self._iam.delete_user(call.account_id, p["UserName"])
        return {}

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

    def create_access_key(self, call: Call, p: Mapping[str, Any]) -> Mapping[str, Any]:
        new = self._iam.create_access_key(call.account_id, self._user_name(call, p))
        return {"AccessKey": {**pack_key_metadata(new.key), "SecretAccessKey": new.secret_access_key}}

    def list_access_keys(self, call: Call, p: Mapping[str, Any]) -> Mapping[str, Any]:
        keys = self._iam.list_access_keys(call.account_id, self._user_name(call, p))
        return {"AccessKeyMetadata": [pack_key_metadata(k) for k in keys], "IsTruncated": False}

    def update_access_key(self, call: Call, p: Mapping[str, Any]) -> Mapping[str, Any]:
        self._iam.set_access_key_status(call.account_id, self._user_name(call, p), p["AccessKeyId"], p["Status"])
        return {}

    def delete_access_key(self, call: Call, p: Mapping[str, Any]) -> Mapping[str, Any]:
        self._iam.delete_access_key(call.account_id, self._user_name(call, p), p["AccessKeyId"])
        return {}

    # --- what each operation is authorized on (Service Authorization Reference: role, user) ----
    def resource(self, operation: str, call: Call, p: Mapping[str, Any]) -> str | None:
        if operation == "ListRoles":
            return role_arn(call.account_id, "*", partition=self._iam.partition)
        if operation == "ListUsers":
            return user_arn(call.account_id, "*", partition=self._iam.partition)
        if operation in ROLE_OPERATIONS:
            return self._role_arn(call, p["RoleName"])
        return self._user_arn(call, self._user_name(call, p))

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


# Operation -> handler method.
HANDLERS: dict[str, Operation] = {
    "CreateRole": IamApi.create_role, "GetRole": IamApi.get_role, "ListRoles": IamApi.list_roles, "UpdateRole": IamApi.update_role,
    "UpdateAssumeRolePolicy": IamApi.update_assume_role_policy, "DeleteRole": IamApi.delete_role, "TagRole": IamApi.tag_role,
    "UntagRole": IamApi.untag_role, "ListRoleTags": IamApi.list_role_tags, "PutRolePolicy": IamApi.put_role_policy,
    "GetRolePolicy": IamApi.get_role_policy, "ListRolePolicies": IamApi.list_role_policies,
    "DeleteRolePolicy": IamApi.delete_role_policy, "CreateUser": IamApi.create_user, "GetUser": IamApi.get_user,
    "ListUsers": IamApi.list_users, "DeleteUser": IamApi.delete_user, "PutUserPolicy": IamApi.put_user_policy,
    "GetUserPolicy": IamApi.get_user_policy, "ListUserPolicies": IamApi.list_user_policies,
    "DeleteUserPolicy": IamApi.delete_user_policy, "CreateAccessKey": IamApi.create_access_key,
    "ListAccessKeys": IamApi.list_access_keys, "UpdateAccessKey": IamApi.update_access_key,
    "DeleteAccessKey": IamApi.delete_access_key,
}
# Operations whose resource is a role (the rest act on a user).
ROLE_OPERATIONS = frozenset({
    "CreateRole", "GetRole", "UpdateRole", "UpdateAssumeRolePolicy", "DeleteRole", "TagRole", "UntagRole",
    "ListRoleTags", "PutRolePolicy", "GetRolePolicy", "ListRolePolicies", "DeleteRolePolicy",
})
IamApi.operations = HANDLERS
