"""The Cognito audience rule for role trust policies: a statement that lets a Cognito web
identity assume the role must name the identity pools it trusts.

IAM refuses a trust policy that lets `cognito-identity.amazonaws.com` assume a role without a
condition on `cognito-identity.amazonaws.com:aud`, because such a role would trust every
identity pool (Cognito Developer Guide, "IAM roles"; STS API Reference, AssumeRoleWithWebIdentity
`RoleArn`). idpool applies the rule to whatever *admits* a Cognito web identity, and insists on a
real pin:

- admits: an Allow whose Principal matches `{"Federated": "cognito-identity.amazonaws.com"}`,
  which `"*"`, `{"AWS": "*"}` and `{"Federated": "*"}` all do, and whose Action covers
  `sts:AssumeRoleWithWebIdentity` (`sts:*`, `sts:AssumeRole*`, a NotAction that leaves it);
- pins: at least one condition on the `aud` key whose operator is StringEquals,
  StringEqualsIgnoreCase or StringLike (bare or under `ForAnyValue:`; not `ForAllValues:` nor
  `...IfExists`, which hold when the key is absent; not a negated operator) and whose every value
  is an exact identity pool id, `<region>:<GUID>`. An exact id has no `*` or `?`, so StringLike
  cannot widen it, and no `${...}`, so no policy variable (`${cognito-identity.amazonaws.com:aud}`
  is every token's own pool) can stand for it.

Stricter than AWS (docs/BEHAVIOUR.md): AWS accepts a wildcard principal, or a StringLike pattern
such as `us-east-1:*`, as long as some `aud` condition is present.

The rule is checked when a policy is written (`document.parse_policy`) and again when a trust
policy is evaluated for a Cognito web identity (`evaluate.evaluate_trust`), so a role stored
before the rule existed cannot let a foreign pool's token in either.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from idpool.policy.matching import PatternSet
from idpool.policy.operators import FOR_ALL, split_operator
from idpool.policy.principals import Principal, principal_matches
from idpool.wellknown import COGNITO_IDENTITY

if TYPE_CHECKING:
    from idpool.policy.document import Statement

AUDIENCE_KEY = f"{COGNITO_IDENTITY}:aud"
WEB_IDENTITY_ACTION = "sts:AssumeRoleWithWebIdentity"
_WEB_IDENTITY_CALLER = {"Federated": COGNITO_IDENTITY}

#: An identity pool id as Cognito forms it: region, colon, GUID (CreateIdentityPool).
POOL_ID = re.compile(
    r"[a-z]{2}(?:-[a-z]+)+-[0-9]+:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}",
    re.ASCII | re.IGNORECASE,
)
_PINNING = frozenset({"StringEquals", "StringEqualsIgnoreCase", "StringLike"})
_PIN_HELP = (
    f"pin {AUDIENCE_KEY} to exact identity pool ids (<region>:<GUID>, no wildcards or policy variables) with "
    "StringEquals, StringEqualsIgnoreCase or StringLike, optionally under ForAnyValue:"
)


def is_cognito_web_identity(caller: Mapping[str, str] | None) -> bool:
    """Whether a trust request's principal is a Cognito web identity (AssumeRoleWithWebIdentity
    with a Cognito token, and the TagSession check that goes with it)."""
    return caller is not None and caller.get("Federated") == COGNITO_IDENTITY


def audience_gap(statement: Statement) -> str | None:
    """Why this trust statement would let a Cognito web identity in without pinning `aud`, or
    None when it would not (a Deny, another principal or action, or a proper pin)."""
    if statement.effect != "Allow" or statement.principal is None:
        return None
    if not principal_matches(statement.principal, _WEB_IDENTITY_CALLER) or not _covers_web_identity(statement):
        return None
    who = _describe(statement.principal)
    problems = [_why_not_a_pin(op, values) for op, key, values in statement.conditions if key.lower() == AUDIENCE_KEY]
    if not problems:
        return f"lets {who} assume the role without a condition on {AUDIENCE_KEY}; {_PIN_HELP}"
    if any(problem is None for problem in problems):
        return None
    return f"lets {who} assume the role, but {'; '.join(p for p in problems if p)}; {_PIN_HELP}"


def _covers_web_identity(statement: Statement) -> bool:
    if statement.actions is not None:
        return PatternSet.of(statement.actions, fold_case=True).matches(WEB_IDENTITY_ACTION)
    return not PatternSet.of(statement.not_actions or (), fold_case=True).matches(WEB_IDENTITY_ACTION)


def _why_not_a_pin(operator: str, values: Sequence[str]) -> str | None:
    name = split_operator(operator)
    if name is None or name.base not in _PINNING or name.if_exists or name.qualifier == FOR_ALL:
        return f"{operator} cannot pin {AUDIENCE_KEY}"
    if not values:
        return f"{operator} on {AUDIENCE_KEY} names no identity pool"
    for value in values:
        if not POOL_ID.fullmatch(value):
            return f"{operator} value {value!r} is not an identity pool id"
    return None


def _describe(principal: Principal) -> str:
    if "*" in principal.get("AWS", ()):
        return 'Principal "*" (everyone, Cognito web identities included)'
    if "*" in principal.get("Federated", ()):
        return 'Principal {"Federated": "*"} (Cognito web identities included)'
    return f"{COGNITO_IDENTITY} web identities"
