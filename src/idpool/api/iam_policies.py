"""IAM's managed-policy operations: policies, versions, tags, attachments, permissions boundaries.

A mixin of ``IamApi`` (its ``_iam`` and ``_policies`` ports, and its ``_role`` / ``_user`` readers);
each handler unpacks, calls ``iam.policies.ManagedPolicies``, packs (``iam_packing``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from idpool.api.context import Call
from idpool.api.iam_packing import pack_policy, pack_tags, pack_version, page, tag_pairs
from idpool.iam.policies import ManagedPolicies
from idpool.iam.service import IamService
from idpool.iam.tags import tag_map
from idpool.model import ManagedPolicy, PolicyVersion, Role, User
from idpool.storage import PolicyUse


class PolicyHandlers:
    """The managed-policy handlers of ``IamApi``."""

    _iam: IamService
    _policies: ManagedPolicies

    # --- policies ---------------------------------------------------------------------------------
    def create_policy(self, call: Call, p: Mapping[str, Any]) -> Mapping[str, Any]:
        view = self._policies.create(call.account_id, p["PolicyName"], p["PolicyDocument"], p.get("Path") or "/",
                                     p.get("Description"), tag_map(tag_pairs(p)))
        return {"Policy": pack_policy(view, detail=True)}

    def get_policy(self, call: Call, p: Mapping[str, Any]) -> Mapping[str, Any]:
        return {"Policy": pack_policy(self._policies.get(call.account_id, p["PolicyArn"]), detail=True)}

    def list_policies(self, call: Call, p: Mapping[str, Any]) -> Mapping[str, Any]:
        views = self._policies.listing(call.account_id, p.get("Scope") or "All", bool(p.get("OnlyAttached")),
                                       p.get("PathPrefix") or "/", p.get("PolicyUsageFilter"))
        return page(views, p, "Policies", lambda v: v.arn, pack_policy)

    def delete_policy(self, call: Call, p: Mapping[str, Any]) -> Mapping[str, Any]:
        self._policies.delete(call.account_id, p["PolicyArn"])
        return {}

    def tag_policy(self, call: Call, p: Mapping[str, Any]) -> Mapping[str, Any]:
        self._policies.tag(call.account_id, p["PolicyArn"], tag_map(tag_pairs(p)))
        return {}

    def untag_policy(self, call: Call, p: Mapping[str, Any]) -> Mapping[str, Any]:
        self._policies.untag(call.account_id, p["PolicyArn"], p["TagKeys"])
        return {}

    def list_policy_tags(self, call: Call, p: Mapping[str, Any]) -> Mapping[str, Any]:
        tags = self._policies.resolve(call.account_id, p["PolicyArn"]).tags
        return page(pack_tags(tags), p, "Tags", lambda tag: tag["Key"].lower(), lambda tag: tag)

    def list_entities_for_policy(self, call: Call, p: Mapping[str, Any]) -> Mapping[str, Any]:
        uses = self._policies.uses(call.account_id, p["PolicyArn"])
        wanted = {"PermissionsPolicy": "attached", "PermissionsBoundary": "boundary"}.get(p.get("PolicyUsageFilter") or "")
        kinds = {"Role": {"role"}, "User": {"user"}, "Group": set(), "LocalManagedPolicy": set(),
                 "AWSManagedPolicy": set()}.get(p.get("EntityFilter") or "", {"role", "user"})
        prefix = p.get("PathPrefix") or "/"
        chosen = {(u.kind, u.name, u.entity_id): u for u in uses
                  if u.kind in kinds and (wanted is None or u.use == wanted) and u.path.startswith(prefix)}
        out = page(list(chosen.values()), p, "PolicyRoles", lambda u: f"{u.kind}:{u.name.lower()}", _entity_entry)
        out["PolicyUsers"] = [e for e in out["PolicyRoles"] if "UserName" in e]
        out["PolicyRoles"] = [e for e in out["PolicyRoles"] if "RoleName" in e]
        out["PolicyGroups"] = []  # idpool has no IAM groups
        return out

    # --- versions -----------------------------------------------------------------------------------
    def create_policy_version(self, call: Call, p: Mapping[str, Any]) -> Mapping[str, Any]:
        version = self._policies.create_version(call.account_id, p["PolicyArn"], p["PolicyDocument"],
                                                bool(p.get("SetAsDefault")))
        return {"PolicyVersion": pack_version(version, bool(p.get("SetAsDefault")))}

    def get_policy_version(self, call: Call, p: Mapping[str, Any]) -> Mapping[str, Any]:
        version, is_default = self._policies.version(call.account_id, p["PolicyArn"], p["VersionId"])
        return {"PolicyVersion": pack_version(version, is_default, document=True)}

    def list_policy_versions(self, call: Call, p: Mapping[str, Any]) -> Mapping[str, Any]:
        policy, versions = self._policies.versions(call.account_id, p["PolicyArn"])
        return page(versions, p, "Versions", _newest_first, lambda v: _pack_listed_version(policy, v))

    def delete_policy_version(self, call: Call, p: Mapping[str, Any]) -> Mapping[str, Any]:
        self._policies.delete_version(call.account_id, p["PolicyArn"], p["VersionId"])
        return {}

    def set_default_policy_version(self, call: Call, p: Mapping[str, Any]) -> Mapping[str, Any]:
        self._policies.set_default_version(call.account_id, p["PolicyArn"], p["VersionId"])
        return {}

    # --- attachments ---------------------------------------------------------------------------------
    def attach_role_policy(self, call: Call, p: Mapping[str, Any]) -> Mapping[str, Any]:
        self._policies.attach(call.account_id, "role", self._iam.get_role(call.account_id, p["RoleName"]), p["PolicyArn"])
        return {}

    def detach_role_policy(self, call: Call, p: Mapping[str, Any]) -> Mapping[str, Any]:
        self._policies.detach(call.account_id, "role", self._iam.get_role(call.account_id, p["RoleName"]), p["PolicyArn"])
        return {}

    def list_attached_role_policies(self, call: Call, p: Mapping[str, Any]) -> Mapping[str, Any]:
        return self._attached(self._iam.get_role(call.account_id, p["RoleName"]), p)

    def attach_user_policy(self, call: Call, p: Mapping[str, Any]) -> Mapping[str, Any]:
        self._policies.attach(call.account_id, "user", self._iam.get_user(call.account_id, p["UserName"]), p["PolicyArn"])
        return {}

    def detach_user_policy(self, call: Call, p: Mapping[str, Any]) -> Mapping[str, Any]:
        self._policies.detach(call.account_id, "user", self._iam.get_user(call.account_id, p["UserName"]), p["PolicyArn"])
        return {}

    def list_attached_user_policies(self, call: Call, p: Mapping[str, Any]) -> Mapping[str, Any]:
        return self._attached(self._iam.get_user(call.account_id, p["UserName"]), p)

    def _attached(self, entity: Role | User, p: Mapping[str, Any]) -> Mapping[str, Any]:
        attached = self._policies.attached(entity, p.get("PathPrefix") or "/")
        return page(attached, p, "AttachedPolicies", lambda item: item[1],
                    lambda item: {"PolicyName": item[0].name, "PolicyArn": item[1]})

    # --- permissions boundaries -------------------------------------------------------------------------
    def put_role_permissions_boundary(self, call: Call, p: Mapping[str, Any]) -> Mapping[str, Any]:
        role = self._iam.get_role(call.account_id, p["RoleName"])
        self._policies.set_boundary(call.account_id, "role", role, p["PermissionsBoundary"])
        return {}

    def delete_role_permissions_boundary(self, call: Call, p: Mapping[str, Any]) -> Mapping[str, Any]:
        self._policies.set_boundary(call.account_id, "role", self._iam.get_role(call.account_id, p["RoleName"]), None)
        return {}

    def put_user_permissions_boundary(self, call: Call, p: Mapping[str, Any]) -> Mapping[str, Any]:
        user = self._iam.get_user(call.account_id, p["UserName"])
        self._policies.set_boundary(call.account_id, "user", user, p["PermissionsBoundary"])
        return {}

    def delete_user_permissions_boundary(self, call: Call, p: Mapping[str, Any]) -> Mapping[str, Any]:
        self._policies.set_boundary(call.account_id, "user", self._iam.get_user(call.account_id, p["UserName"]), None)
        return {}


def _entity_entry(use: PolicyUse) -> dict[str, str]:
    if use.kind == "role":
        return {"RoleName": use.name, "RoleId": use.entity_id}
    return {"UserName": use.name, "UserId": use.entity_id}


def _newest_first(version: PolicyVersion) -> str:
    return f"{10**9 - version.number:010d}"


def _pack_listed_version(policy: ManagedPolicy, version: PolicyVersion) -> dict[str, Any]:
    return pack_version(version, version.number == policy.default_version)
