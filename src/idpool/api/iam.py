"""AWS IAM (2010-05-08) over the Query protocol: the subset idpool implements.

Policy documents are returned as JSON text; the Query codec percent-encodes members of
shape ``policyDocumentType`` as IAM does.
"""

from __future__ import annotations

from typing import Any, Mapping

from idpool import errors
from idpool.api.context import CallContext, Handler, ResourceOf
from idpool.model import AccessKey, Role, User

SERVICE = "iam"
ERRORS: dict[type[errors.IdpoolError], str] = {
    errors.NoSuchEntity: "NoSuchEntity",
    errors.EntityAlreadyExists: "EntityAlreadyExists",
    errors.DeleteConflict: "DeleteConflict",
    errors.MalformedPolicyDocument: "MalformedPolicyDocument",
    errors.InvalidInput: "InvalidInput",
    errors.IamLimitExceeded: "LimitExceeded",
    errors.AccessDenied: "AccessDenied",
    errors.ExpiredCredentials: "ExpiredToken",
    errors.ServiceUnavailable: "ServiceFailure",
}
INTERNAL_ERROR = "ServiceFailure"
DEFAULT_MAX_ITEMS = 100


def pack_role(role: Role) -> dict[str, Any]:
    out: dict[str, Any] = {
        "Path": role.path, "RoleName": role.name, "RoleId": role.role_id, "Arn": role.arn,
        "CreateDate": role.created_at, "AssumeRolePolicyDocument": role.trust_policy,
        "MaxSessionDuration": role.max_session_duration,
    }
    if role.description is not None:
        out["Description"] = role.description
    if role.tags:
        out["Tags"] = _pack_tags(role.tags)
    return out


def pack_user(user: User) -> dict[str, Any]:
    out: dict[str, Any] = {"Path": user.path, "UserName": user.name, "UserId": user.user_id, "Arn": user.arn,
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
    names = sorted(names)
    start = 0
    if p.get("Marker"):
        start = next((i for i, n in enumerate(names) if n > p["Marker"]), len(names))
    limit = p.get("MaxItems") or DEFAULT_MAX_ITEMS
    page = names[start:start + limit]
    more = start + limit < len(names)
    return _page(page, page[-1] if more and page else None, key)


def _user_name(ctx: CallContext, p: Mapping[str, Any]) -> str:
    """UserName defaults to the calling IAM user (IAM API Reference, CreateAccessKey etc.)."""
    if p.get("UserName"):
        return str(p["UserName"])
    principal = ctx.principal
    if principal is not None and principal.kind == "user":
        return principal.name
    raise errors.InvalidInput("UserName is required when the caller is not an IAM user.")


# --- roles -------------------------------------------------------------------------------------
def create_role(ctx: CallContext, p: Mapping[str, Any]) -> Mapping[str, Any]:
    role = ctx.services.iam.create_role(
        ctx.account_id, p["RoleName"], p["AssumeRolePolicyDocument"], p.get("Path") or "/", p.get("Description"),
        p.get("MaxSessionDuration") or 3600, _tags(p))
    return {"Role": pack_role(role)}


def get_role(ctx: CallContext, p: Mapping[str, Any]) -> Mapping[str, Any]:
    return {"Role": pack_role(ctx.services.iam.get_role(ctx.account_id, p["RoleName"]))}


def list_roles(ctx: CallContext, p: Mapping[str, Any]) -> Mapping[str, Any]:
    roles, marker = ctx.services.iam.list_roles(ctx.account_id, p.get("MaxItems") or DEFAULT_MAX_ITEMS,
                                                p.get("Marker"), p.get("PathPrefix") or "/")
    return _page([pack_role(r) for r in roles], marker, "Roles")


def update_role(ctx: CallContext, p: Mapping[str, Any]) -> Mapping[str, Any]:
    ctx.services.iam.update_role(ctx.account_id, p["RoleName"], p.get("Description"), p.get("MaxSessionDuration"))
    return {}


def update_assume_role_policy(ctx: CallContext, p: Mapping[str, Any]) -> Mapping[str, Any]:
    ctx.services.iam.update_trust_policy(ctx.account_id, p["RoleName"], p["PolicyDocument"])
    return {}


def delete_role(ctx: CallContext, p: Mapping[str, Any]) -> Mapping[str, Any]:
    ctx.services.iam.delete_role(ctx.account_id, p["RoleName"])
    return {}


def tag_role(ctx: CallContext, p: Mapping[str, Any]) -> Mapping[str, Any]:
    ctx.services.iam.tag_role(ctx.account_id, p["RoleName"], _tags(p))
    return {}


def untag_role(ctx: CallContext, p: Mapping[str, Any]) -> Mapping[str, Any]:
    ctx.services.iam.untag_role(ctx.account_id, p["RoleName"], p["TagKeys"])
    return {}


def list_role_tags(ctx: CallContext, p: Mapping[str, Any]) -> Mapping[str, Any]:
    role = ctx.services.iam.get_role(ctx.account_id, p["RoleName"])
    return {"Tags": _pack_tags(role.tags), "IsTruncated": False}


def put_role_policy(ctx: CallContext, p: Mapping[str, Any]) -> Mapping[str, Any]:
    ctx.services.iam.put_role_policy(ctx.account_id, p["RoleName"], p["PolicyName"], p["PolicyDocument"])
    return {}


def get_role_policy(ctx: CallContext, p: Mapping[str, Any]) -> Mapping[str, Any]:
    role = ctx.services.iam.get_role(ctx.account_id, p["RoleName"])
    if p["PolicyName"] not in role.policies:
        raise errors.NoSuchEntity(f"The role policy with name {p['PolicyName']} cannot be found.")
    return {"RoleName": role.name, "PolicyName": p["PolicyName"], "PolicyDocument": role.policies[p["PolicyName"]]}


def list_role_policies(ctx: CallContext, p: Mapping[str, Any]) -> Mapping[str, Any]:
    role = ctx.services.iam.get_role(ctx.account_id, p["RoleName"])
    return _names_page(list(role.policies), p, "PolicyNames")


def delete_role_policy(ctx: CallContext, p: Mapping[str, Any]) -> Mapping[str, Any]:
    ctx.services.iam.delete_role_policy(ctx.account_id, p["RoleName"], p["PolicyName"])
    return {}


# --- users ----------------------------------------------------------------------------------------
def create_user(ctx: CallContext, p: Mapping[str, Any]) -> Mapping[str, Any]:
    user = ctx.services.iam.create_user(ctx.account_id, p["UserName"], p.get("Path") or "/", _tags(p))
    return {"User": pack_user(user)}


def get_user(ctx: CallContext, p: Mapping[str, Any]) -> Mapping[str, Any]:
    return {"User": pack_user(ctx.services.iam.get_user(ctx.account_id, _user_name(ctx, p)))}


def list_users(ctx: CallContext, p: Mapping[str, Any]) -> Mapping[str, Any]:
    users, marker = ctx.services.iam.list_users(ctx.account_id, p.get("MaxItems") or DEFAULT_MAX_ITEMS,
                                                p.get("Marker"), p.get("PathPrefix") or "/")
    return _page([pack_user(u) for u in users], marker, "Users")


def delete_user(ctx: CallContext, p: Mapping[str, Any]) -> Mapping[str, Any]:
    ctx.services.iam.delete_user(ctx.account_id, p["UserName"])
    return {}


def put_user_policy(ctx: CallContext, p: Mapping[str, Any]) -> Mapping[str, Any]:
    ctx.services.iam.put_user_policy(ctx.account_id, p["UserName"], p["PolicyName"], p["PolicyDocument"])
    return {}


def get_user_policy(ctx: CallContext, p: Mapping[str, Any]) -> Mapping[str, Any]:
    user = ctx.services.iam.get_user(ctx.account_id, p["UserName"])
    if p["PolicyName"] not in user.policies:
        raise errors.NoSuchEntity(f"The user policy with name {p['PolicyName']} cannot be found.")
    return {"UserName": user.name, "PolicyName": p["PolicyName"], "PolicyDocument": user.policies[p["PolicyName"]]}


def list_user_policies(ctx: CallContext, p: Mapping[str, Any]) -> Mapping[str, Any]:
    user = ctx.services.iam.get_user(ctx.account_id, p["UserName"])
    return _names_page(list(user.policies), p, "PolicyNames")


def delete_user_policy(ctx: CallContext, p: Mapping[str, Any]) -> Mapping[str, Any]:
    ctx.services.iam.delete_user_policy(ctx.account_id, p["UserName"], p["PolicyName"])
    return {}


# --- access keys ----------------------------------------------------------------------------------
def create_access_key(ctx: CallContext, p: Mapping[str, Any]) -> Mapping[str, Any]:
    new = ctx.services.iam.create_access_key(ctx.account_id, _user_name(ctx, p))
    return {"AccessKey": {**pack_key_metadata(new.key), "SecretAccessKey": new.secret_access_key}}


def list_access_keys(ctx: CallContext, p: Mapping[str, Any]) -> Mapping[str, Any]:
    keys = ctx.services.iam.list_access_keys(ctx.account_id, _user_name(ctx, p))
    return {"AccessKeyMetadata": [pack_key_metadata(k) for k in keys], "IsTruncated": False}


def update_access_key(ctx: CallContext, p: Mapping[str, Any]) -> Mapping[str, Any]:
    ctx.services.iam.set_access_key_status(ctx.account_id, _user_name(ctx, p), p["AccessKeyId"], p["Status"])
    return {}


def delete_access_key(ctx: CallContext, p: Mapping[str, Any]) -> Mapping[str, Any]:
    ctx.services.iam.delete_access_key(ctx.account_id, _user_name(ctx, p), p["AccessKeyId"])
    return {}


HANDLERS: dict[str, Handler] = {
    "CreateRole": create_role, "GetRole": get_role, "ListRoles": list_roles, "UpdateRole": update_role,
    "UpdateAssumeRolePolicy": update_assume_role_policy, "DeleteRole": delete_role, "TagRole": tag_role,
    "UntagRole": untag_role, "ListRoleTags": list_role_tags, "PutRolePolicy": put_role_policy,
    "GetRolePolicy": get_role_policy, "ListRolePolicies": list_role_policies, "DeleteRolePolicy": delete_role_policy,
    "CreateUser": create_user, "GetUser": get_user, "ListUsers": list_users, "DeleteUser": delete_user,
    "PutUserPolicy": put_user_policy, "GetUserPolicy": get_user_policy, "ListUserPolicies": list_user_policies,
    "DeleteUserPolicy": delete_user_policy, "CreateAccessKey": create_access_key, "ListAccessKeys": list_access_keys,
    "UpdateAccessKey": update_access_key, "DeleteAccessKey": delete_access_key,
}


# --- resources for authorization (IAM service authorization reference: role / user ARNs) ---------
def _role_resource(ctx: CallContext, p: Mapping[str, Any]) -> str:
    try:
        return ctx.services.iam.get_role(ctx.account_id, p["RoleName"]).arn
    except errors.NoSuchEntity:
        return f"arn:aws:iam::{ctx.account_id}:role/{p['RoleName']}"


def _user_resource(ctx: CallContext, p: Mapping[str, Any]) -> str:
    name = _user_name(ctx, p)
    try:
        return ctx.services.iam.get_user(ctx.account_id, name).arn
    except errors.NoSuchEntity:
        return f"arn:aws:iam::{ctx.account_id}:user/{name}"


def resource_for(operation: str) -> ResourceOf:
    if operation == "ListRoles":
        return lambda ctx, p: f"arn:aws:iam::{ctx.account_id}:role/*"
    if operation == "ListUsers":
        return lambda ctx, p: f"arn:aws:iam::{ctx.account_id}:user/*"
    if operation == "CreateRole" or "Role" in operation:
        return _role_resource
    return _user_resource
