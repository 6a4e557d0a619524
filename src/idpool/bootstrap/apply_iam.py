"""``idpool apply``, IAM: roles (CreateRole, UpdateAssumeRolePolicy, UpdateRole, TagRole,
UntagRole, PutRolePolicy, DeleteRolePolicy) and users (CreateUser, PutUserPolicy,
DeleteUserPolicy, CreateAccessKey).

Policies are compared as JSON values (IAM hands documents back URL-encoded; botocore
decodes them), so a file written in another layout or key order is not a change. A role's
or user's path is never changed (IAM has no call that moves a role): a different one is an
error, not a silent replacement.
Access keys are only ever added; apply never deletes one.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from idpool.bootstrap.aws import Clients, call, missing, pages, policy_value, tag_list
from idpool.bootstrap.document import RoleSpec, UserSpec
from idpool.bootstrap.errors import BootstrapError
from idpool.bootstrap.refs import Resolver
from idpool.bootstrap.report import CREATE, DELETE, UPDATE, NewAccessKey, Report


def apply_role(spec: RoleSpec, clients: Clients, resolver: Resolver, report: Report) -> None:
    resource = f'role "{spec.name}"'
    report.resource(resource)
    trust = resolver.policy(spec.trust_policy)
    policies = None if spec.policies is None else {name: resolver.policy(doc) for name, doc in spec.policies.items()}
    current = missing(f"{resource}: get", clients.iam.get_role, RoleName=spec.name)
    if current is None:
        report.change(CREATE, resource, "create")
        if not report.dry_run:
            params: dict[str, Any] = {"Path": spec.path, "AssumeRolePolicyDocument": _text(trust)}
            if spec.description is not None:
                params["Description"] = spec.description
            if spec.max_session_duration is not None:
                params["MaxSessionDuration"] = spec.max_session_duration
            if spec.tags:
                params["Tags"] = tag_list(spec.tags)
            call(f"{resource}: create", clients.iam.create_role, RoleName=spec.name, **params)
        _apply_policies(resource, spec.name, policies or {}, {}, clients, report, role=True)
        return
    role = current["Role"]
    _same_path(resource, role["Path"], spec.path)
    if policy_value(role["AssumeRolePolicyDocument"]) != trust:
        report.change(UPDATE, resource, "trust policy")
        if not report.dry_run:
            call(f"{resource}: update trust policy", clients.iam.update_assume_role_policy,
                 RoleName=spec.name, PolicyDocument=_text(trust))
    _apply_role_settings(resource, spec, role, clients, report)
    if spec.tags is not None:
        _apply_role_tags(resource, spec, {t["Key"]: t["Value"] for t in role.get("Tags") or []}, clients, report)
    if policies is not None:
        _apply_policies(resource, spec.name, policies, _current_policies(resource, spec.name, clients, role=True),
                        clients, report, role=True)


def apply_user(spec: UserSpec, clients: Clients, resolver: Resolver, report: Report) -> None:
    resource = f'user "{spec.name}"'
    report.resource(resource)
    policies = None if spec.policies is None else {name: resolver.policy(doc) for name, doc in spec.policies.items()}
    current = missing(f"{resource}: get", clients.iam.get_user, UserName=spec.name)
    keys = 0
    if current is None:
        report.change(CREATE, resource, "create")
        if not report.dry_run:
            call(f"{resource}: create", clients.iam.create_user, UserName=spec.name, Path=spec.path)
        existing: dict[str, Any] = {}
    else:
        _same_path(resource, current["User"]["Path"], spec.path)
        existing = {} if policies is None else _current_policies(resource, spec.name, clients, role=False)
        keys = len(list(pages(f"{resource}: list access keys", clients.iam, "list_access_keys", "AccessKeyMetadata",
                              UserName=spec.name)))
    if policies is not None:
        _apply_policies(resource, spec.name, policies, existing, clients, report, role=False)
    for _ in range((spec.access_keys or 0) - keys):
        _create_key(resource, spec.name, clients, report)


def _create_key(resource: str, user: str, clients: Clients, report: Report) -> None:
    if report.dry_run:
        report.change(CREATE, resource, "access key")
        return
    key = call(f"{resource}: create access key", clients.iam.create_access_key, UserName=user)["AccessKey"]
    report.change(CREATE, resource, f"access key {key['AccessKeyId']} (its secret is printed once, below)")
    report.new_access_keys.append(NewAccessKey(user, key["AccessKeyId"], key["SecretAccessKey"]))


def _apply_role_settings(resource: str, spec: RoleSpec, role: Mapping[str, Any], clients: Clients,
                         report: Report) -> None:
    changes: dict[str, Any] = {}
    if spec.description is not None and spec.description != role.get("Description", ""):
        changes["Description"] = spec.description
    if spec.max_session_duration is not None and spec.max_session_duration != role.get("MaxSessionDuration", 3600):
        changes["MaxSessionDuration"] = spec.max_session_duration
    if changes:
        report.change(UPDATE, resource, " and ".join(k.replace("MaxSessionDuration", "max_session_duration")
                                                     .replace("Description", "description") for k in changes))
        if not report.dry_run:
            call(f"{resource}: update", clients.iam.update_role, RoleName=spec.name, **changes)


def _apply_role_tags(resource: str, spec: RoleSpec, current: Mapping[str, str], clients: Clients,
                     report: Report) -> None:
    wanted = dict(spec.tags or {})
    changed = {k: v for k, v in wanted.items() if current.get(k) != v}
    dropped = [k for k in current if k not in wanted]
    if changed:
        report.change(UPDATE, resource, f"tags {', '.join(sorted(changed))}")
        if not report.dry_run:
            call(f"{resource}: tag", clients.iam.tag_role, RoleName=spec.name, Tags=tag_list(changed))
    if dropped:
        report.change(DELETE, resource, f"tags {', '.join(sorted(dropped))}")
        if not report.dry_run:
            call(f"{resource}: untag", clients.iam.untag_role, RoleName=spec.name, TagKeys=dropped)


def _current_policies(resource: str, name: str, clients: Clients, *, role: bool) -> dict[str, Any]:
    kind = "role" if role else "user"
    names = pages(f"{resource}: list inline policies", clients.iam, f"list_{kind}_policies", "PolicyNames",
                  **{"RoleName" if role else "UserName": name})
    read = clients.iam.get_role_policy if role else clients.iam.get_user_policy
    owner = {"RoleName": name} if role else {"UserName": name}
    return {
        policy: policy_value(call(f"{resource}: get inline policy {policy!r}", read, PolicyName=policy, **owner)["PolicyDocument"])
        for policy in names
    }


def _apply_policies(resource: str, name: str, wanted: Mapping[str, Any], current: Mapping[str, Any],
                    clients: Clients, report: Report, *, role: bool) -> None:
    owner = {"RoleName": name} if role else {"UserName": name}
    put = clients.iam.put_role_policy if role else clients.iam.put_user_policy
    delete = clients.iam.delete_role_policy if role else clients.iam.delete_user_policy
    for policy, document in wanted.items():
        if current.get(policy) != document:
            report.change(UPDATE if policy in current else CREATE, resource, f'inline policy "{policy}"')
            if not report.dry_run:
                call(f"{resource}: put inline policy {policy!r}", put, PolicyName=policy,
                     PolicyDocument=_text(document), **owner)
    for policy in current:
        if policy not in wanted:
            report.change(DELETE, resource, f'inline policy "{policy}"')
            if not report.dry_run:
                call(f"{resource}: delete inline policy {policy!r}", delete, PolicyName=policy, **owner)


def _same_path(resource: str, current: str, wanted: str) -> None:
    if current != wanted:
        raise BootstrapError(f"{resource}: its path is {current}, the file says {wanted}; apply does not move a role "
                             "or user to another path (IAM has no call that moves a role): delete it first, or write "
                             "its path in the file")


def _text(document: Mapping[str, Any]) -> str:
    return json.dumps(document, separators=(",", ":"))
