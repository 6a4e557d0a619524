"""Policy documents: parsing and validating JSON policy text into typed, precompiled statements.

`parse_policy` enforces the grammar of IAM User Guide, "IAM JSON policy element reference" and
"Grammar of the IAM JSON policy language", plus what IAM checks when a policy is written
(CreateRole, PutRolePolicy, ...): identity and session policies need Resource and may not name a
Principal; role trust policies need a Principal and may not name a Resource. Failures raise
`MalformedPolicyDocument` whose message keeps IAM's own wording (observed IAM messages,
docs/AWS_REFERENCE.md §6) and whose `detail` says exactly what is wrong and where.

One rule is Cognito's: IAM refuses a trust policy that lets `cognito-identity.amazonaws.com`
assume the role without an `aud` condition, because it would trust every identity pool
(Cognito Developer Guide, iam-roles.md; A04). idpool's stricter form of it lives in
`cognito_audience`. A policy read back from the store (`stored=True`) was checked when it was
written; it is not refused for a rule added since, which evaluation enforces instead.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Literal, NoReturn

from idpool.errors import MalformedPolicyDocument
from idpool.policy.compiled import CompiledStatement, compile_statement
from idpool.policy.operators import split_operator
from idpool.policy.principals import Principal, PrincipalError, normalize_principal
from idpool.policy.values import parse_instant
from idpool.strict_json import refuse_constant, unique_members

Kind = Literal["identity", "trust", "session"]
ConditionEntry = tuple[str, str, tuple[str, ...]]

VERSION_2012 = "2012-10-17"
VERSION_2008 = "2008-10-17"
_TOP_FIELDS = frozenset({"Version", "Id", "Statement"})
_STATEMENT_FIELDS = frozenset(
    {"Sid", "Effect", "Principal", "NotPrincipal", "Action", "NotAction", "Resource", "NotResource", "Condition"}
)
_VENDOR = re.compile(r"[A-Za-z0-9.\-]+", re.ASCII)
_SID = re.compile(r"[0-9A-Za-z]*", re.ASCII)

SYNTAX = "Syntax errors in policy."
COGNITO_AUD_REQUIRED = (
    "Trust policy statements that allow cognito-identity.amazonaws.com to assume a role must "
    "restrict cognito-identity.amazonaws.com:aud to your identity pools with a String condition "
    "(for example StringEquals); a role may not trust any identity pool."
)  # the detail (cognito_audience.audience_gap) says which statement and what is missing


@dataclass(frozen=True)
class Statement:
    sid: str | None
    effect: Literal["Allow", "Deny"]
    principal: Principal | None = None
    not_principal: Principal | None = None
    actions: tuple[str, ...] | None = None
    not_actions: tuple[str, ...] | None = None
    resources: tuple[str, ...] | None = None
    not_resources: tuple[str, ...] | None = None
    conditions: tuple[ConditionEntry, ...] = ()


@dataclass(frozen=True)
class PolicyDocument:
    """A parsed policy. Its statements are compiled for evaluation when it is created."""

    version: str
    statements: tuple[Statement, ...]
    text: str
    _compiled: tuple[CompiledStatement, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        variables = self.version == VERSION_2012  # policy variables exist only in 2012-10-17
        compiled = tuple(compile_statement(s, i, variables=variables) for i, s in enumerate(self.statements))
        object.__setattr__(self, "_compiled", compiled)

    @property
    def compiled(self) -> tuple[CompiledStatement, ...]:
        return self._compiled


def _fail(message: str, detail: str | None = None) -> NoReturn:
    raise MalformedPolicyDocument(message, detail=detail or message)


def _load_json(text: str) -> Any:
    if not isinstance(text, str):
        _fail("This policy contains invalid Json", "the policy document must be text")
    try:
        return json.loads(text, object_pairs_hook=unique_members, parse_float=Decimal, parse_constant=refuse_constant)
    except RecursionError:
        _fail("This policy contains invalid Json", "the JSON is nested too deeply")
    except ValueError as exc:  # JSONDecodeError, duplicate keys, NaN, integers over Python's digit limit
        _fail("This policy contains invalid Json", str(exc))


def _check_fields(obj: dict[str, Any], allowed: frozenset[str], where: str) -> None:
    unknown = sorted(set(obj) - allowed)
    if unknown:
        _fail(SYNTAX, f"{where} has unknown field(s) {', '.join(unknown)}")


def _strings(value: Any, where: str) -> tuple[str, ...]:
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, list) or not all(isinstance(i, str) for i in items):
        _fail(SYNTAX, f"{where} must be a string or a list of strings")
    return tuple(items)


def _one_of(raw: dict[str, Any], name: str, where: str) -> tuple[tuple[str, ...] | None, tuple[str, ...] | None]:
    """An element and its Not- form: at most one may appear."""
    if name in raw and f"Not{name}" in raw:
        _fail(SYNTAX, f"{where} has both {name} and Not{name}")
    plain = _strings(raw[name], f"{where}.{name}") if name in raw else None
    negated = _strings(raw[f"Not{name}"], f"{where}.Not{name}") if f"Not{name}" in raw else None
    return plain, negated


def _check_action(action: str, kind: Kind, where: str) -> None:
    if action == "*":
        vendor = "*"
    else:
        parts = action.split(":")
        if len(parts) == 1:
            _fail("Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc.", f"{where}: {action!r}")
        if len(parts) > 2:
            _fail("Actions/Condition can contain only one colon.", f"{where}: {action!r}")
        vendor = parts[0]
        if vendor != "*" and not _VENDOR.fullmatch(vendor):
            _fail(f"Vendor {vendor} is not valid", f"{where}: {action!r}")
    if kind == "trust" and vendor.lower() != "sts":
        _fail("AssumeRole policy may only specify STS AssumeRole actions.", f"{where}: {action!r}")


def _actions(raw: dict[str, Any], kind: Kind, where: str) -> tuple[tuple[str, ...] | None, tuple[str, ...] | None]:
    actions, not_actions = _one_of(raw, "Action", where)
    listed = actions if actions is not None else not_actions
    if not listed:
        _fail("Policy statement must contain actions.", f"{where} has no Action or NotAction")
    for action in listed:
        _check_action(action, kind, where)
    return actions, not_actions


def _resources(raw: dict[str, Any], kind: Kind, where: str) -> tuple[tuple[str, ...] | None, tuple[str, ...] | None]:
    if kind == "trust":
        for name in ("Resource", "NotResource"):
            if name in raw:
                _fail(f"Has prohibited field {name}", f"{where}: a role trust policy has no {name}")
        return None, None
    resources, not_resources = _one_of(raw, "Resource", where)
    listed = resources if resources is not None else not_resources
    if not listed:
        _fail("Policy statement must contain resources.", f"{where} has no Resource or NotResource")
    for resource in listed:
        if resource != "*" and not (resource.startswith("arn:") and resource.count(":") >= 5):
            _fail(f'Resource {resource} must be in ARN format or "*".', f"{where}: {resource!r}")
    return resources, not_resources


def _principals(raw: dict[str, Any], kind: Kind, effect: str, where: str) -> tuple[Principal | None, Principal | None]:
    if kind != "trust":
        if "Principal" in raw or "NotPrincipal" in raw:
            _fail("Policy document should not specify a principal.", f"{where}: only trust policies name a principal")
        return None, None
    if "Principal" in raw and "NotPrincipal" in raw:
        _fail(SYNTAX, f"{where} has both Principal and NotPrincipal")
    if "Principal" not in raw and "NotPrincipal" not in raw:
        _fail("Missing required field Principal", f"{where} names no Principal")
    if "NotPrincipal" in raw and effect == "Allow":
        _fail("Allow with NotPrincipal is not allowed.", f"{where}: NotPrincipal may only be used with Deny")
    try:
        if "Principal" in raw:
            return normalize_principal(raw["Principal"]), None
        return None, normalize_principal(raw["NotPrincipal"])
    except PrincipalError as exc:
        _fail(str(exc), f"{where}: {exc}")


def _condition_values(value: Any, where: str) -> tuple[str, ...]:
    items = value if isinstance(value, list) else [value]
    out: list[str] = []
    for item in items:
        if isinstance(item, bool):
            out.append("true" if item else "false")
        elif isinstance(item, (str, int, Decimal)):
            out.append(str(item))
        else:
            _fail(SYNTAX, f"{where} values must be strings, numbers or booleans")
    return tuple(out)


def _conditions(raw: Any, where: str) -> tuple[ConditionEntry, ...]:
    if raw is None:
        return ()
    if not isinstance(raw, dict):
        _fail(SYNTAX, f"{where}.Condition must be an object")
    entries: list[ConditionEntry] = []
    for operator, block in raw.items():
        name = split_operator(operator)
        if name is None:
            _fail(SYNTAX, f"{where}: unknown condition operator {operator!r}")
        if not isinstance(block, dict):
            _fail(SYNTAX, f"{where}.Condition.{operator} must be an object of keys to values")
        for key, value in block.items():
            values = _condition_values(value, f"{where}.Condition.{operator}.{key}")
            if name.base.startswith("Date") and any(parse_instant(v) is None for v in values):
                _fail("The policy failed legacy parsing", f"{where}: {operator} needs ISO 8601 dates or epoch seconds")
            entries.append((operator, key, values))
    return tuple(entries)


def _effect(raw: dict[str, Any], where: str) -> Literal["Allow", "Deny"]:
    if "Effect" not in raw:
        _fail("Missing required field Effect", f"{where} has no Effect")
    effect = raw["Effect"]
    if not isinstance(effect, str):
        _fail(SYNTAX, f"{where}.Effect must be a string")
    if effect not in ("Allow", "Deny"):  # IAM compares case-sensitively
        _fail("The policy failed legacy parsing", f'{where}.Effect must be "Allow" or "Deny", not {effect!r}')
    return "Allow" if effect == "Allow" else "Deny"


def _statement(raw: Any, index: int, kind: Kind) -> Statement:
    where = f"Statement[{index}]"
    if not isinstance(raw, dict):
        _fail(SYNTAX, f"{where} must be an object")
    _check_fields(raw, _STATEMENT_FIELDS, where)
    sid = raw.get("Sid")
    if sid is not None and not isinstance(sid, str):
        _fail(SYNTAX, f"{where}.Sid must be a string")
    effect = _effect(raw, where)
    principal, not_principal = _principals(raw, kind, effect, where)
    actions, not_actions = _actions(raw, kind, where)
    resources, not_resources = _resources(raw, kind, where)
    conditions = _conditions(raw.get("Condition"), where)
    return Statement(sid, effect, principal, not_principal, actions, not_actions, resources, not_resources, conditions)


def _statements(document: dict[str, Any]) -> list[Any]:
    if "Statement" not in document:
        _fail("Missing required field Statement", "the policy has no Statement")
    raw = document["Statement"]
    if isinstance(raw, dict):
        return [raw]
    if not isinstance(raw, list):
        _fail(SYNTAX, "Statement must be an object or a list of objects")
    if not raw:
        _fail("Could not parse the policy: Statement is empty!", "Statement is an empty list")
    return raw


def _version(document: dict[str, Any]) -> str:
    if "Id" in document and not isinstance(document["Id"], str):
        _fail(SYNTAX, "Id must be a string")
    if "Version" not in document:
        return VERSION_2008  # IAM: without a Version, variables are literal text
    version = document["Version"]
    if version not in (VERSION_2012, VERSION_2008):
        _fail("The policy must contain a valid version string", f"Version must be {VERSION_2012} or {VERSION_2008}")
    return str(version)


def _check_sids(statements: tuple[Statement, ...]) -> None:
    seen: set[str] = set()
    for statement in statements:
        if not statement.sid:
            continue
        if not _SID.fullmatch(statement.sid):
            _fail(
                "Statement IDs (SID) must be alpha-numeric. Check that your input satisfies the "
                "regular expression [0-9A-Za-z]*",
                f"Sid {statement.sid!r}",
            )
        if statement.sid in seen:
            _fail("Statement IDs (SID) in a single policy must be unique.", f"Sid {statement.sid!r} repeats")
        seen.add(statement.sid)


def _check_cognito_audience(document: PolicyDocument) -> None:
    """A04: every Allow that admits a Cognito web identity pins `aud` to identity pools."""
    for index, statement in enumerate(document.compiled):
        if statement.audience_gap is not None:
            _fail(COGNITO_AUD_REQUIRED, f"Statement[{index}] {statement.audience_gap}")


def parse_policy(text: str, kind: Kind, *, stored: bool = False) -> PolicyDocument:
    """Parse and validate a policy of the given kind; MalformedPolicyDocument if it is not valid.

    ``stored``: the text comes back from the store, where it was validated when written. The
    Cognito audience rule is then left to evaluation, so a role kept from before that rule still
    loads (and lets no Cognito web identity in through an unpinned statement)."""
    if kind not in ("identity", "trust", "session"):
        raise ValueError(f"unknown policy kind {kind!r}")
    document = _load_json(text)
    if not isinstance(document, dict):
        _fail(SYNTAX, "the policy must be a JSON object")
    _check_fields(document, _TOP_FIELDS, "the policy")
    version = _version(document)
    statements = tuple(_statement(raw, i, kind) for i, raw in enumerate(_statements(document)))
    _check_sids(statements)
    document = PolicyDocument(version, statements, text)
    if kind == "trust" and not stored:
        _check_cognito_audience(document)
    return document
