"""Policy documents: validating JSON policy text as IAM does, into typed, precompiled statements.

`parse_policy` enforces the grammar of IAM User Guide, "IAM JSON policy element reference" and
"Grammar of the IAM JSON policy language", in the order IAM checks a policy when it is written
(CreatePolicy, PutRolePolicy, ...), so the first failure is the one IAM reports, with IAM's exact
message (docs/AWS_REFERENCE.md, "Policy documents"):

1. JSON (`This policy contains invalid Json` for trust and session policies, `Syntax errors in
   policy.` for identity policies), then the grammar (`grammar`: `Syntax errors in policy.`);
2. managed policies only: `Version` must be 2012-10-17;
3. IAM's older parser ("The policy failed legacy parsing"): `Effect` in exact case, Date condition
   values (`legacy_dates`), the shape of resource ARNs (`resource_arns`);
4. unique Sids (and IAM's alphanumeric rule for them); every statement has actions;
5. the first resource ARN format error found, then action names (vendor prefix, one colon);
6. by kind: identity, managed and session policies need resources and may not name a
   Principal; role trust policies need a Principal, may not name a Resource, and only STS
   actions.

`MalformedPolicyDocument.message` is IAM's wording and all the wire shows; `detail` (logged, shown
in the console) says exactly what is wrong and where.

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
from idpool.policy.grammar import SYNTAX, VERSION_2008, VERSION_2012, check_grammar
from idpool.policy.legacy_dates import legacy_date_ok
from idpool.policy.operators import split_operator
from idpool.policy.principals import Principal, PrincipalError, normalize_principal
from idpool.policy.resource_arns import format_error, legacy_shape_ok, padded
from idpool.strict_json import refuse_constant, unique_members

Kind = Literal["identity", "managed", "trust", "session"]
ConditionEntry = tuple[str, str, tuple[str, ...]]

_VENDOR = re.compile(r"[A-Za-z0-9.\-]+", re.ASCII)
_SID = re.compile(r"[0-9A-Za-z]*", re.ASCII)

INVALID_JSON = "This policy contains invalid Json"
LEGACY = "The policy failed legacy parsing"
MANAGED_VERSION = "Policy document must be version 2012-10-17 or greater."
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


def _load_json(text: str, kind: Kind) -> Any:
    # IAM answers a trust policy (CreateRole) that is not JSON with "This policy contains invalid
    # Json" (aws/aws-cli reports, AWSCookbook/Security#2) and an identity policy with its syntax
    # message; STS's session policies keep the trust wording.
    message = SYNTAX if kind in ("identity", "managed") else INVALID_JSON
    if not isinstance(text, str):
        _fail(message, "the policy document must be text")
    try:
        return json.loads(text, object_pairs_hook=unique_members, parse_float=Decimal, parse_constant=refuse_constant)
    except RecursionError:
        _fail(message, "the JSON is nested too deeply")
    except ValueError as exc:  # JSONDecodeError, duplicate keys, NaN, integers over Python's digit limit
        _fail(message, str(exc))


def _listed(raw: dict[str, Any], name: str) -> tuple[str, ...] | None:
    """An element's strings; a list's nulls mean nothing (the grammar admits them)."""
    if name not in raw:
        return None
    value = raw[name]
    return (value,) if isinstance(value, str) else tuple(v for v in value if v is not None)


# --- 3. the legacy parser ----------------------------------------------------------------------
def _check_legacy_statement(raw: dict[str, Any], where: str) -> None:
    if raw["Effect"] not in ("Allow", "Deny"):  # the grammar allowed any case; IAM wants this one
        _fail(LEGACY, f'{where}.Effect must be "Allow" or "Deny", not {raw["Effect"]!r}')
    for operator, block in (raw.get("Condition") or {}).items():
        name = split_operator(operator)
        if name is None or not name.base.startswith("Date"):
            continue
        for key, value in block.items():
            for item in value if isinstance(value, list) else [value]:
                if not legacy_date_ok(_condition_text(item)):
                    _fail(LEGACY, f"{where}: {operator} {key} needs ISO 8601 dates or epoch seconds")


def _check_resources(statements: list[dict[str, Any]], kind: Kind) -> str | None:
    """Resource formats, statement by statement: the first format error is returned (IAM reports
    it after the actions check); an ARN the legacy parser refuses fails at once, unless a format
    error was found before it."""
    first_error: str | None = None
    if kind == "trust":
        return None
    for index, raw in enumerate(statements):
        for name in ("Resource", "NotResource"):
            listed = _listed(raw, name) or ()
            errors = [e for e in (format_error(r) for r in listed) if e is not None]
            first_error = first_error or (errors[0] if errors else None)
            if first_error is None:
                for resource in listed:
                    if not legacy_shape_ok(resource):
                        _fail(LEGACY, f"Statement[{index}].{name}: {resource!r} is not an ARN IAM can read")
    return first_error


# --- 5. actions ---------------------------------------------------------------------------------
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


# --- 6. by kind ---------------------------------------------------------------------------------
def _check_kind_rules(raw: dict[str, Any], kind: Kind, where: str) -> None:
    if kind != "trust":
        if not _listed(raw, "Resource") and not _listed(raw, "NotResource"):
            _fail("Policy statement must contain resources.", f"{where} has no Resource or NotResource")
        if "Principal" in raw or "NotPrincipal" in raw:
            _fail("Policy document should not specify a principal.", f"{where}: only trust policies name a principal")
        return
    for name in ("Resource", "NotResource"):
        if name in raw:
            _fail(f"Has prohibited field {name}", f"{where}: a role trust policy has no {name}")
    if "Principal" not in raw and "NotPrincipal" not in raw:
        _fail("Missing required field Principal", f"{where} names no Principal")
    if "NotPrincipal" in raw and raw["Effect"] == "Allow":
        _fail("Allow with NotPrincipal is not allowed.", f"{where}: NotPrincipal may only be used with Deny")


def _principals(raw: dict[str, Any], kind: Kind, where: str) -> tuple[Principal | None, Principal | None]:
    if kind != "trust":
        return None, None
    try:
        if "Principal" in raw:
            return normalize_principal(raw["Principal"]), None
        return None, normalize_principal(raw["NotPrincipal"])
    except PrincipalError as exc:
        _fail(str(exc), f"{where}: {exc}")


def _condition_text(item: Any) -> str:
    if isinstance(item, bool):
        return "true" if item else "false"
    return str(item)


def _conditions(raw: dict[str, Any]) -> tuple[ConditionEntry, ...]:
    entries: list[ConditionEntry] = []
    for operator, block in (raw.get("Condition") or {}).items():
        if split_operator(operator) is None:
            continue  # an unknown operator with an empty block: IAM accepts it, and it says nothing
        for key, value in block.items():
            items = value if isinstance(value, list) else [value]
            entries.append((operator, key, tuple(_condition_text(item) for item in items)))
    return tuple(entries)


def _statement(raw: dict[str, Any], index: int, kind: Kind) -> Statement:
    where = f"Statement[{index}]"
    principal, not_principal = _principals(raw, kind, where)
    resources, not_resources = _listed(raw, "Resource"), _listed(raw, "NotResource")
    return Statement(
        raw.get("Sid"), "Allow" if raw["Effect"] == "Allow" else "Deny", principal, not_principal,
        _listed(raw, "Action"), _listed(raw, "NotAction"),
        None if resources is None else tuple(padded(r) for r in resources),
        None if not_resources is None else tuple(padded(r) for r in not_resources),
        _conditions(raw),
    )


def _check_sids(statements: list[dict[str, Any]]) -> None:
    seen: set[str] = set()
    for raw in statements:
        sid = raw.get("Sid")
        if not sid:
            continue
        if sid in seen:
            _fail("Statement IDs (SID) in a single policy must be unique.", f"Sid {sid!r} repeats")
        seen.add(sid)
    for raw in statements:
        sid = raw.get("Sid")
        if sid and not _SID.fullmatch(sid):
            _fail(
                "Statement IDs (SID) must be alpha-numeric. Check that your input satisfies the "
                "regular expression [0-9A-Za-z]*",
                f"Sid {sid!r}",
            )


def _check_actions_present(statements: list[dict[str, Any]]) -> None:
    for index, raw in enumerate(statements):
        if not _listed(raw, "Action") and not _listed(raw, "NotAction"):
            _fail("Policy statement must contain actions.", f"Statement[{index}] has no Action or NotAction")


def _check_cognito_audience(document: PolicyDocument) -> None:
    """A04: every Allow that admits a Cognito web identity pins `aud` to identity pools."""
    for index, statement in enumerate(document.compiled):
        if statement.audience_gap is not None:
            _fail(COGNITO_AUD_REQUIRED, f"Statement[{index}] {statement.audience_gap}")


def parse_policy(text: str, kind: Kind, *, stored: bool = False) -> PolicyDocument:
    """Parse and validate a policy of the given kind; MalformedPolicyDocument if it is not valid.

    ``managed``: a customer managed policy (CreatePolicy, CreatePolicyVersion), an identity policy
    that must say ``"Version": "2012-10-17"``. ``stored``: the text comes back from the store,
    where it was validated when written: only what evaluation needs is checked again (grammar,
    actions, principals), so a policy written by an older idpool still loads. The Cognito audience
    rule is then left to evaluation (an unpinned statement lets no Cognito web identity in)."""
    if kind not in ("identity", "managed", "trust", "session"):
        raise ValueError(f"unknown policy kind {kind!r}")
    document = _load_json(text, kind)
    statements = check_grammar(document)
    resource_error = None
    if not stored:  # rules added since a stored policy was written must not make it unreadable
        if kind == "managed" and document.get("Version") != VERSION_2012:
            _fail(MANAGED_VERSION, f"Version is {document.get('Version', 'missing')}")
        for index, raw in enumerate(statements):
            _check_legacy_statement(raw, f"Statement[{index}]")
        resource_error = _check_resources(statements, kind)
    _check_sids(statements)
    _check_actions_present(statements)
    if resource_error is not None:
        _fail(resource_error)
    for index, raw in enumerate(statements):
        for action in (_listed(raw, "Action") or _listed(raw, "NotAction") or ()):
            _check_action(action, kind, f"Statement[{index}]")
    for index, raw in enumerate(statements):
        _check_kind_rules(raw, kind, f"Statement[{index}]")
    version = str(document.get("Version", VERSION_2008))  # without a Version, variables are literal text
    parsed = PolicyDocument(version, tuple(_statement(raw, i, kind) for i, raw in enumerate(statements)), text)
    if kind == "trust" and not stored:
        _check_cognito_audience(parsed)
    return parsed
