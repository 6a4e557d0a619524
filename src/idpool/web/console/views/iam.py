"""IAM roles and users: trust and inline permission policies, access keys.

Each page is the IAM operations a user of the AWS console or CLI would call: CreateRole,
UpdateAssumeRolePolicy, Put/Get/List/DeleteRolePolicy, DeleteRole; CreateUser,
Put/Get/List/DeleteUserPolicy, Create/Update/List/DeleteAccessKey, DeleteUser. Policy
documents are edited as JSON; a document IAM refuses comes back in its editor with the
place it goes wrong (``forms.policy_problem``). A new secret access key is shown on the one
page that answers CreateAccessKey and never again (IAM User Guide, "Manage access keys").
Deleting a role or user deletes its inline policies (and a user's access keys) first, as
the AWS console does; DeleteRole / DeleteUser alone would answer DeleteConflict.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from starlette.responses import Response

from idpool.web.console import forms
from idpool.web.console.client import ConsoleError
from idpool.web.console.page import Page
from idpool.web.console.views.setup import trust_policy

PAGE_SIZE = 100


@dataclass(frozen=True)
class Kind:
    """What differs between roles and users in IAM's operation names."""

    noun: str  # "Role" | "User"
    url: str  # "/console/iam/roles"

    @property
    def name_param(self) -> str:
        return f"{self.noun}Name"

    def entity_url(self, name: str, rest: str = "") -> str:
        return f"{self.url}/{name}{rest}"


ROLE = Kind("Role", "/console/iam/roles")
USER = Kind("User", "/console/iam/users")


# --- lists and creation ------------------------------------------------------------------
def list_roles(page: Page) -> Response:
    return _list(page, ROLE, "iam_roles.html")


def list_users(page: Page) -> Response:
    return _list(page, USER, "iam_users.html", new_name="")


def _list(page: Page, kind: Kind, template: str, **extra: Any) -> Response:
    page.section = kind.url.rsplit("/", 1)[-1]
    marker = page.query.get("marker") or None
    found = page.api.call("iam", f"List{kind.noun}s", MaxItems=PAGE_SIZE, Marker=marker)
    return page.render(template, items=found[f"{kind.noun}s"], marker=found.get("Marker"), paged=bool(marker), **extra)


def new_role(page: Page) -> Response:
    page.section = "roles"
    pool_id, amr = page.query.get("pool", ""), page.query.get("amr", "authenticated")
    trust = trust_policy(pool_id or "us-east-1:REPLACE-WITH-YOUR-POOL-ID", amr if amr == "unauthenticated" else "authenticated")
    return page.render("iam_role_new.html", values={"name": "", "description": "", "trust": trust})


def create_role(page: Page) -> Response:
    page.section = "roles"
    values = {"name": page.field("name").strip(), "description": page.field("description"), "trust": page.field("trust")}
    try:
        page.api.call("iam", "CreateRole", RoleName=values["name"], AssumeRolePolicyDocument=values["trust"],
                      Description=values["description"] or None)
    except ConsoleError as error:
        return page.render("iam_role_new.html", status=error.status, values=values, error=error,
                           problem=forms.policy_problem(error, values["trust"]) if _malformed(error) else None)
    return page.redirect(ROLE.entity_url(values["name"]), f"Role {values['name']} created.")


def create_user(page: Page) -> Response:
    name = page.field("name").strip()
    try:
        page.api.call("iam", "CreateUser", UserName=name)
    except ConsoleError as error:
        page.section = "users"
        return page.render("iam_users.html", status=error.status, items=[], marker=None, paged=False,
                           new_name=name, error=error)
    return page.redirect(USER.entity_url(name), f"User {name} created. Give it a policy, then an access key.")


# --- one role or user ----------------------------------------------------------------------
def show_role(page: Page, error: ConsoleError | None = None, edited: Mapping[str, Any] | None = None,
              trust: str | None = None, trust_problem: forms.PolicyProblem | None = None) -> Response:
    page.section = "roles"
    name = page.params["name"]
    role = page.api.call("iam", "GetRole", RoleName=name)["Role"]
    return page.render("iam_role.html", status=error.status if error else 200, error=error, role=role,
                       trust=trust or role["AssumeRolePolicyDocument"], trust_problem=trust_problem,
                       policies=_policies(page, ROLE, name, edited))


def show_user(page: Page, error: ConsoleError | None = None, edited: Mapping[str, Any] | None = None) -> Response:
    page.section = "users"
    name = page.params["name"]
    user = page.api.call("iam", "GetUser", UserName=name)["User"]
    keys = page.api.call("iam", "ListAccessKeys", UserName=name)["AccessKeyMetadata"]
    return page.render("iam_user.html", status=error.status if error else 200, error=error, user=user, keys=keys,
                       policies=_policies(page, USER, name, edited))


def update_trust(page: Page) -> Response:
    name, text = page.params["name"], page.field("trust")
    try:
        page.api.call("iam", "UpdateAssumeRolePolicy", RoleName=name, PolicyDocument=text)
    except ConsoleError as error:
        problem = forms.policy_problem(error, text) if _malformed(error) else None
        return show_role(page, error, trust=text, trust_problem=problem)
    return page.redirect(ROLE.entity_url(name), "Trust policy saved.")


def put_role_policy(page: Page) -> Response:
    return _put_policy(page, ROLE, show_role)


def put_user_policy(page: Page) -> Response:
    return _put_policy(page, USER, show_user)


def _put_policy(page: Page, kind: Kind, show: Callable[..., Response]) -> Response:
    name, policy, text = page.params["name"], page.field("policy_name").strip(), page.field("document")
    try:
        page.api.call("iam", f"Put{kind.noun}Policy", **{kind.name_param: name}, PolicyName=policy, PolicyDocument=text)
    except ConsoleError as error:
        problem = forms.policy_problem(error, text) if _malformed(error) else None
        return show(page, error, {"name": policy, "document": text, "problem": problem})
    return page.redirect(kind.entity_url(name), f"Policy {policy} saved.")


def _policies(page: Page, kind: Kind, name: str, edited: Mapping[str, Any] | None) -> dict[str, Any]:
    """The inline policies, each in its editor, and the form that adds one; ``edited`` (a
    refused save) keeps what was typed in whichever of them it came from."""
    names = page.api.call("iam", f"List{kind.noun}Policies", **{kind.name_param: name}, MaxItems=1000)["PolicyNames"]
    edited = edited or {}
    existing = []
    for policy in names:
        if policy == edited.get("name"):
            existing.append(dict(edited))
            continue
        document = page.api.call("iam", f"Get{kind.noun}Policy", **{kind.name_param: name}, PolicyName=policy)
        existing.append({"name": policy, "document": document["PolicyDocument"], "problem": None})
    adding = dict(edited) if edited and edited["name"] not in names else {"name": "", "document": "", "problem": None}
    return {"existing": existing, "adding": adding}


# --- access keys ------------------------------------------------------------------------------
def create_key(page: Page) -> Response:
    page.section = "users"
    name = page.params["name"]
    created = page.api.call("iam", "CreateAccessKey", UserName=name)["AccessKey"]
    return page.render("access_key_created.html", user_name=name, key=created)


def set_key_status(page: Page) -> Response:
    name, key_id = page.params["name"], page.params["key_id"]
    status = "Inactive" if page.field("status") == "Inactive" else "Active"
    page.api.call("iam", "UpdateAccessKey", UserName=name, AccessKeyId=key_id, Status=status)
    return page.redirect(USER.entity_url(name), f"Access key {key_id} is now {status.lower()}.")


# --- deletions, behind a confirmation ---------------------------------------------------------
def confirm_delete_key(page: Page) -> Response:
    page.section = "users"
    name, key_id = page.params["name"], page.params["key_id"]
    return page.render("confirm.html", pool=None, title=f"Delete access key {key_id}",
                       warning=f"Programs and console sessions using this key of {name} stop working at once.",
                       action=USER.entity_url(name, f"/keys/{key_id}/delete"), button="Delete access key",
                       back=USER.entity_url(name))


def delete_key(page: Page) -> Response:
    name, key_id = page.params["name"], page.params["key_id"]
    page.api.call("iam", "DeleteAccessKey", UserName=name, AccessKeyId=key_id)
    return page.redirect(USER.entity_url(name), f"Access key {key_id} deleted.")


def confirm_delete_role_policy(page: Page) -> Response:
    return _confirm_delete_policy(page, ROLE)


def confirm_delete_user_policy(page: Page) -> Response:
    return _confirm_delete_policy(page, USER)


def _confirm_delete_policy(page: Page, kind: Kind) -> Response:
    page.section = kind.url.rsplit("/", 1)[-1]
    name, policy = page.params["name"], page.params["policy"]
    return page.render("confirm.html", pool=None, title=f"Delete policy {policy} of {kind.noun.lower()} {name}",
                       warning="What it allows is no longer allowed, from the next request on.",
                       action=kind.entity_url(name, f"/policies/{policy}/delete"), button="Delete policy",
                       back=kind.entity_url(name))


def delete_role_policy(page: Page) -> Response:
    return _delete_policy(page, ROLE)


def delete_user_policy(page: Page) -> Response:
    return _delete_policy(page, USER)


def _delete_policy(page: Page, kind: Kind) -> Response:
    name, policy = page.params["name"], page.params["policy"]
    page.api.call("iam", f"Delete{kind.noun}Policy", **{kind.name_param: name}, PolicyName=policy)
    return page.redirect(kind.entity_url(name), f"Policy {policy} deleted.")


def confirm_delete_role(page: Page) -> Response:
    return _confirm_delete(page, ROLE, "Identity pools that use it can no longer give credentials for it.")


def confirm_delete_user(page: Page) -> Response:
    return _confirm_delete(page, USER, "Its access keys stop working at once.")


def _confirm_delete(page: Page, kind: Kind, consequence: str) -> Response:
    page.section = kind.url.rsplit("/", 1)[-1]
    name = page.params["name"]
    return page.render("confirm.html", pool=None, title=f"Delete {kind.noun.lower()} {name}",
                       warning=f"The {kind.noun.lower()} and its inline policies are deleted. {consequence}",
                       action=kind.entity_url(name, "/delete"), button=f"Delete {kind.noun.lower()}",
                       back=kind.entity_url(name))


def delete_role(page: Page) -> Response:
    return _delete(page, ROLE)


def delete_user(page: Page) -> Response:
    name = page.params["name"]
    for key in page.api.call("iam", "ListAccessKeys", UserName=name)["AccessKeyMetadata"]:
        page.api.call("iam", "DeleteAccessKey", UserName=name, AccessKeyId=key["AccessKeyId"])
    return _delete(page, USER)


def _delete(page: Page, kind: Kind) -> Response:
    name = page.params["name"]
    for policy in page.api.call("iam", f"List{kind.noun}Policies", **{kind.name_param: name}, MaxItems=1000)["PolicyNames"]:
        page.api.call("iam", f"Delete{kind.noun}Policy", **{kind.name_param: name}, PolicyName=policy)
    page.api.call("iam", f"Delete{kind.noun}", **{kind.name_param: name})
    return page.redirect(kind.url, f"{kind.noun} {name} deleted.")


def _malformed(error: ConsoleError) -> bool:
    return error.code == "MalformedPolicyDocument"
