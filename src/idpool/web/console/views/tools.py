"""The policy simulator and the signing keys.

Simulator: "would this identity be allowed X on Y?" for an IAM user, or for a role as a
Cognito identity holds it after GetCredentialsForIdentity (its ``sub``, ``aud`` and ``amr``
fill the ``cognito-identity.amazonaws.com:*`` condition keys and policy variables) or as
AssumeRole gives it. The answer is ``Authorizer.explain``: the decision a real call by that
identity gets, from the same policies and evaluator, with the statement that decided it.
Asking needs ``iam:SimulatePrincipalPolicy`` on the user or role, IAM's action for it.

Keys: the OpenID token signing keys (kid, state, dates) and a rotation, as ``idpool keys
list`` / ``idpool keys rotate`` do. They have no AWS operation; the console authorizes
``idpool:ListSigningKeys`` and ``idpool:RotateSigningKey`` on ``*`` (root may; an IAM user
only with a policy that allows them).
"""

from __future__ import annotations

from typing import Any

from starlette.responses import Response

from idpool import errors
from idpool.arns import role_arn, user_arn
from idpool.auth.principal import Principal
from idpool.auth.simulation import role_session_principal, user_principal
from idpool.model import Role, User
from idpool.web.console import forms
from idpool.web.console.client import ConsoleError
from idpool.web.console.page import Page

LIST_KEYS = "idpool:ListSigningKeys"
ROTATE_KEY = "idpool:RotateSigningKey"


def simulate_form(page: Page) -> Response:
    page.section = "simulate"
    values = {"subject": page.query.get("subject", "role"), "name": page.query.get("name", ""), "identity_id": "",
              "pool_id": page.query.get("pool", ""), "amr": "authenticated", "action": "", "resource": "*",
              "context": ""}
    return page.render("simulate.html", values=values, decision=None)


def simulate(page: Page) -> Response:
    page.section = "simulate"
    values = {name: page.field(name).strip() for name in
              ("subject", "name", "identity_id", "pool_id", "amr", "action", "resource", "context")}
    try:
        subject = _subject(page, values)
        context: dict[str, Any] = dict(forms.pairs(values["context"], "Condition keys"))
        decision = page.services.authorizer.explain(subject, values["action"], values["resource"] or "*", context)
    except ConsoleError as error:
        return page.render("simulate.html", status=error.status, values=values, decision=None, error=error)
    return page.render("simulate.html", values=values, decision=decision, subject=subject)


def _subject(page: Page, values: dict[str, str]) -> Principal:
    """The principal to simulate, once the caller may: ``iam:SimulatePrincipalPolicy`` on the
    user or role, asked before saying whether it exists (as the API's resource() does)."""
    if not values["action"] or ":" not in values["action"]:
        raise forms.invalid("Name the action as service:Operation, for example cognito-identity:DescribeIdentityPool.")
    account, name, is_user = page.api.account_id, values["name"], values["subject"] == "user"
    try:
        record: User | Role | None = (page.services.iam.get_user if is_user else page.services.iam.get_role)(account, name)
    except errors.NoSuchEntity:
        record = None
    partition = page.services.iam.partition
    arn = record.arn_in(partition) if record is not None else (user_arn if is_user else role_arn)(
        account, name, partition=partition)
    page.api.authorize("iam:SimulatePrincipalPolicy", arn)
    if isinstance(record, User):
        return user_principal(record, partition)
    if record is None:
        raise ConsoleError("NoSuchEntity", f"The {'user' if is_user else 'role'} with name {name} cannot be found.", 404)
    amr = [part.strip() for part in values["amr"].split(",") if part.strip()]
    cognito = bool(values["identity_id"] or values["pool_id"])
    return role_session_principal(record, page.services.clock.now(), identity_id=values["identity_id"] or None,
                                  pool_id=values["pool_id"] or None, amr=amr,
                                  session_name="CognitoIdentityCredentials" if cognito else "console-simulation",
                                  partition=partition)


def show_keys(page: Page) -> Response:
    page.section = "keys"
    page.api.authorize(LIST_KEYS, "*")
    now = page.services.clock.now()
    return page.render("keys.html", keys=page.services.signing_keys.list(), now=now)


def confirm_rotate(page: Page) -> Response:
    page.section = "keys"
    return page.render("confirm.html", pool=None, title="Rotate the signing key",
                       warning="A new key signs every token from now on. The current key keeps verifying the tokens "
                               "it signed for 24 hours 5 minutes, longer than the longest token lives, so nobody "
                               "is signed out.", action="/console/keys/rotate", button="Rotate",
                       back="/console/keys")


def rotate(page: Page) -> Response:
    page.api.authorize(ROTATE_KEY, "*")
    key = page.services.signing_keys.rotate()
    return page.redirect("/console/keys", f"Signing key {key.kid} is now active.")
