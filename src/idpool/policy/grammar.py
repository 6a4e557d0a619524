"""The first check IAM makes of a policy document: its grammar ("Syntax errors in policy.").

IAM User Guide, "Grammar of the IAM JSON policy language", as IAM enforces it when a policy is
written (observed answers: docs/AWS_REFERENCE.md, "Policy documents"). Everything here fails with
the one message IAM gives for all of it, `Syntax errors in policy.`; the detail (logged, never on
the wire) says what and where:

- the document is an object with only `Version`, `Id` and `Statement`; `Version` is
  `2012-10-17` or `2008-10-17`, `Id` a string;
- `Statement` is an object or a non-empty list of objects, each with only the known elements,
  never both `Action` and `NotAction` (or `Resource` and `NotResource`, `Principal` and
  `NotPrincipal`);
- `Effect` is present and is `Allow` or `Deny` in any case (the exact case is checked later, by
  the "legacy" parser); `Sid` is a string;
- `Action`, `NotAction`, `Resource`, `NotResource` are a string or a list of strings (IAM lets a
  list hold `null`, which means nothing);
- `Condition` is an object of operator blocks, each an object of keys to a string, number,
  boolean or list of those. An operator IAM does not know is refused, unless its block is empty
  (`{"x": {}}` is accepted and means nothing).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any, NoReturn

from idpool.errors import MalformedPolicyDocument
from idpool.policy.operators import split_operator

SYNTAX = "Syntax errors in policy."
VERSION_2012 = "2012-10-17"
VERSION_2008 = "2008-10-17"
TOP_FIELDS = frozenset({"Version", "Id", "Statement"})
STATEMENT_FIELDS = frozenset(
    {"Sid", "Effect", "Principal", "NotPrincipal", "Action", "NotAction", "Resource", "NotResource", "Condition"}
)
_PAIRS = (("Action", "NotAction"), ("Resource", "NotResource"), ("Principal", "NotPrincipal"))
_SCALARS = (str, bool, int, Decimal)


def syntax_error(detail: str) -> NoReturn:
    raise MalformedPolicyDocument(SYNTAX, detail=detail)


def check_grammar(document: Any) -> list[dict[str, Any]]:
    """The statements of a grammatical policy document; MalformedPolicyDocument otherwise."""
    if not isinstance(document, dict):
        syntax_error("the policy must be a JSON object")
    unknown = sorted(set(document) - TOP_FIELDS)
    if unknown:
        syntax_error(f"the policy has unknown field(s) {', '.join(unknown)}")
    if "Version" in document and document["Version"] not in (VERSION_2012, VERSION_2008):
        syntax_error(f"Version must be {VERSION_2012} or {VERSION_2008}")
    if "Id" in document and not isinstance(document["Id"], str):
        syntax_error("Id must be a string")
    statements = _statement_list(document)
    for index, statement in enumerate(statements):
        _check_statement(statement, f"Statement[{index}]")
    return statements


def _statement_list(document: dict[str, Any]) -> list[Any]:
    if "Statement" not in document:
        syntax_error("the policy has no Statement")
    raw = document["Statement"]
    if isinstance(raw, dict):
        return [raw]
    if not isinstance(raw, list):
        syntax_error("Statement must be an object or a list of objects")
    if not raw:
        syntax_error("Statement is an empty list")
    return raw


def _check_statement(raw: Any, where: str) -> None:
    if not isinstance(raw, dict):
        syntax_error(f"{where} must be an object")
    unknown = sorted(set(raw) - STATEMENT_FIELDS)
    if unknown:
        syntax_error(f"{where} has unknown field(s) {', '.join(unknown)}")
    for plain, negated in _PAIRS:
        if plain in raw and negated in raw:
            syntax_error(f"{where} has both {plain} and {negated}")
    effect = raw.get("Effect")
    if not isinstance(effect, str) or effect.lower() not in ("allow", "deny"):
        syntax_error(f'{where}.Effect must be "Allow" or "Deny"')
    if "Sid" in raw and not isinstance(raw["Sid"], str):
        syntax_error(f"{where}.Sid must be a string")
    for name in ("Action", "NotAction", "Resource", "NotResource"):
        if name in raw:
            _check_strings(raw[name], f"{where}.{name}")
    if "Condition" in raw:
        _check_condition(raw["Condition"], where)


def _check_strings(value: Any, where: str) -> None:
    if isinstance(value, str):
        return
    if not isinstance(value, list) or not all(item is None or isinstance(item, str) for item in value):
        syntax_error(f"{where} must be a string or a list of strings")


def _check_condition(raw: Any, where: str) -> None:
    if not isinstance(raw, dict):
        syntax_error(f"{where}.Condition must be an object")
    for operator, block in raw.items():
        if not isinstance(block, dict):
            syntax_error(f"{where}.Condition.{operator} must be an object of keys to values")
        if split_operator(operator) is None and block:
            syntax_error(f"{where}: unknown condition operator {operator!r}")
        for key, value in block.items():
            items = value if isinstance(value, list) else [value]
            if not all(isinstance(item, _SCALARS) for item in items):
                syntax_error(f"{where}.Condition.{operator}.{key} values must be strings, numbers or booleans")
