"""The roles step after "Create Pool": an IAM role for authenticated and for guest identities.

As the AWS console does, each role is either created here, named ``Cognito_<Name>Auth_Role``
/ ``Cognito_<Name>Unauth_Role``, or chosen among existing roles. A created role trusts
exactly this pool, with the trust policy AWS documents for identity pools (Amazon Cognito
Developer Guide, "IAM roles" / "Role trust and permissions"): ``Federated``
``cognito-identity.amazonaws.com``, ``StringEquals`` on ``:aud`` = the pool id and
``ForAnyValue:StringLike`` on ``:amr`` = ``authenticated`` or ``unauthenticated``; plus
``sts:TagSession``, which principal tags (the pool's attribute map) need.

Permissions are least privilege: the authenticated role starts with one statement, reading
its own pool's configuration (the README's example), and the guest role with none; both
are shown in editable boxes before anything is created. Each step is an API call by the
signed-in principal (CreateRole, PutRolePolicy, SetIdentityPoolRoles with its
``iam:PassRole`` check); if one fails, the page says what was already done.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

from starlette.responses import Response

from idpool.arns import pool_arn
from idpool.web.console.client import ConsoleError
from idpool.web.console.page import Page
from idpool.web.console.views.pools import describe, pool_url
from idpool.wellknown import COGNITO_IDENTITY

KINDS = (("authenticated", "Auth"), ("unauthenticated", "Unauth"))
MAX_ROLE_NAME = 64
_NOT_IN_ROLE_NAMES = re.compile(r"[^\w+=,.@-]")


def role_name(pool_name: str, suffix: str) -> str:
    """``Cognito_<Name><Suffix>_Role``: the pool name without the characters IAM names refuse
    (spaces), shortened so the whole name stays within IAM's 64 characters."""
    middle = _NOT_IN_ROLE_NAMES.sub("", pool_name)
    room = MAX_ROLE_NAME - len(f"Cognito_{suffix}_Role")
    return f"Cognito_{middle[:room]}{suffix}_Role"


def trust_policy(pool_id: str, amr: str) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow",
        "Principal": {"Federated": COGNITO_IDENTITY},
        "Action": ["sts:AssumeRoleWithWebIdentity", "sts:TagSession"],
        "Condition": {
            "StringEquals": {f"{COGNITO_IDENTITY}:aud": pool_id},
            "ForAnyValue:StringLike": {f"{COGNITO_IDENTITY}:amr": amr},
        },
    }]}, indent=2)


def starter_policy(kind: str, pool_arn_text: str) -> str:
    if kind == "unauthenticated":
        return ""
    return json.dumps({"Version": "2012-10-17", "Statement": [{
        "Sid": "ReadOwnIdentityPool", "Effect": "Allow",
        "Action": "cognito-identity:DescribeIdentityPool", "Resource": pool_arn_text,
    }]}, indent=2)


def setup_form(page: Page) -> Response:
    pool = describe(page)
    return _render(page, pool, _defaults(page, pool))


def setup_roles(page: Page) -> Response:
    pool = describe(page)
    choices = {kind: _choice(page, kind) for kind, _ in KINDS}
    done: list[str] = []
    try:
        roles = {kind: arn for kind, choice in choices.items() if (arn := _apply(page, pool, kind, choice, done))}
        if roles:
            page.api.call("cognito-identity", "SetIdentityPoolRoles", IdentityPoolId=pool["IdentityPoolId"], Roles=roles)
    except ConsoleError as error:
        return _render(page, pool, choices, error=error, done=done, status=error.status)
    note = "Roles assigned to the pool." if roles else "No roles assigned; you can set them later on the Roles tab."
    return page.redirect(pool_url(pool["IdentityPoolId"]), note)


def _apply(page: Page, pool: Mapping[str, Any], kind: str, choice: Mapping[str, str], done: list[str]) -> str | None:
    """The role ARN the pool gets for ``kind``, creating the role first if asked to."""
    if choice["mode"] == "existing":
        return choice["existing"] or None
    if choice["mode"] != "create":
        return None
    name = choice["name"]
    amr = "authenticated" if kind == "authenticated" else "unauthenticated"
    created = page.api.call(
        "iam", "CreateRole", RoleName=name, AssumeRolePolicyDocument=trust_policy(pool["IdentityPoolId"], amr),
        Description=f"{kind.capitalize()} identities of identity pool {pool['IdentityPoolName']}")
    done.append(f"created role {name}")
    if choice["policy"].strip():
        page.api.call("iam", "PutRolePolicy", RoleName=name, PolicyName=f"{name}_Policy", PolicyDocument=choice["policy"])
        done.append(f"added its permissions policy {name}_Policy")
    return str(created["Role"]["Arn"])


def _choice(page: Page, kind: str) -> dict[str, str]:
    return {"mode": page.field(f"{kind}_mode", "none"), "name": page.field(f"{kind}_name").strip(),
            "existing": page.field(f"{kind}_existing"), "policy": page.field(f"{kind}_policy")}


def _defaults(page: Page, pool: Mapping[str, Any]) -> dict[str, dict[str, str]]:
    arn = pool_arn(page.services.settings.region, page.api.account_id, pool["IdentityPoolId"])
    guests = pool["AllowUnauthenticatedIdentities"]
    return {kind: {"mode": "create" if kind == "authenticated" or guests else "none",
                   "name": role_name(pool["IdentityPoolName"], suffix), "existing": "",
                   "policy": starter_policy(kind, arn)} for kind, suffix in KINDS}


def _render(page: Page, pool: Mapping[str, Any], choices: Mapping[str, Mapping[str, str]], *,
            error: ConsoleError | None = None, done: list[str] | None = None, status: int = 200) -> Response:
    try:
        existing = [role["Arn"] for role in page.api.call("iam", "ListRoles", MaxItems=1000)["Roles"]]
    except ConsoleError:
        existing = None  # not allowed to list roles: an ARN can still be typed
    trust = {kind: trust_policy(pool["IdentityPoolId"], kind) for kind, _ in KINDS}
    return page.render("pool_setup.html", status=status, pool=pool, choices=choices, existing=existing,
                       trust=trust, error=error, done=done or [], tab="roles")
