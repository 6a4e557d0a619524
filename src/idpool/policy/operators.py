"""Condition operators: the table of operator names and how each family reads and compares values.

Follows IAM User Guide, "IAM JSON policy elements: Condition operators". Each operator belongs to
a family (String, Numeric, Date, Bool, Binary, IP, ARN) and is either positive or negated; the
negated form holds when nothing matches (see `conditions`). Policy variables are honoured only
where IAM allows them: String, ARN and Bool values (IAM User Guide, "Policy variables" >
"Condition element").
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from idpool.policy import values as typed
from idpool.policy.context import ContextValue, RequestContext, as_text
from idpool.policy.matching import compile_arn_pieces, compile_pieces
from idpool.policy.variables import Template, literal_text, parse_template

FOR_ANY = "ForAnyValue"
FOR_ALL = "ForAllValues"


class Family:
    """How one kind of operator reads values. Policy values are compiled once; `ready` turns a
    compiled value into something to test for this request (resolving variables; None when a
    variable has no value); `convert` reads a request value (None: wrong type)."""

    def compile(self, raw: str, variables: bool) -> Any:
        return raw

    def ready(self, compiled: Any, context: RequestContext) -> Any:
        return compiled

    def convert(self, value: ContextValue) -> Any:
        return value

    def test(self, request_value: Any, policy_value: Any) -> bool:
        raise NotImplementedError


class _Templated(Family):
    """Families whose policy values may hold policy variables (String, ARN, Bool)."""

    def compile(self, raw: str, variables: bool) -> Any:
        template = parse_template(raw, variables=variables)
        if template.has_variables:
            return template
        return self.finish(list(template.static_pieces()))

    def ready(self, compiled: Any, context: RequestContext) -> Any:
        if not isinstance(compiled, Template):
            return compiled
        pieces = compiled.resolve(context)
        return None if pieces is None else self.finish(pieces)

    def finish(self, pieces: list[tuple[str, bool]]) -> Any:
        raise NotImplementedError


class _StringEquals(_Templated):
    def __init__(self, fold: bool) -> None:
        self.fold = fold

    def finish(self, pieces: list[tuple[str, bool]]) -> Any:
        text = literal_text(pieces)
        return text.casefold() if self.fold else text

    def convert(self, value: ContextValue) -> Any:
        text = as_text(value)
        return text.casefold() if (self.fold and text is not None) else text

    def test(self, request_value: Any, policy_value: Any) -> bool:
        return bool(request_value == policy_value)


class _StringLike(_Templated):
    def finish(self, pieces: list[tuple[str, bool]]) -> Any:
        return compile_pieces(pieces)

    def convert(self, value: ContextValue) -> Any:
        return as_text(value)

    def test(self, request_value: Any, policy_value: Any) -> bool:
        return bool(policy_value.matches(request_value))


class _Arn(_StringLike):
    def finish(self, pieces: list[tuple[str, bool]]) -> Any:
        return compile_arn_pieces(pieces)

    def convert(self, value: ContextValue) -> Any:
        return value if isinstance(value, str) else None


class _Bool(_Templated):
    def finish(self, pieces: list[tuple[str, bool]]) -> Any:
        return typed.parse_bool(literal_text(pieces))

    def convert(self, value: ContextValue) -> Any:
        return typed.parse_bool(value)

    def test(self, request_value: Any, policy_value: Any) -> bool:
        return bool(request_value == policy_value)


class _Compare(Family):
    def __init__(self, parse: Callable[[Any], Any], compare: Callable[[Any, Any], bool]) -> None:
        self.parse = parse
        self.compare = compare

    def compile(self, raw: str, variables: bool) -> Any:
        return self.parse(raw)

    def convert(self, value: ContextValue) -> Any:
        return self.parse(value)

    def test(self, request_value: Any, policy_value: Any) -> bool:
        return bool(self.compare(request_value, policy_value))


class _Ip(_Compare):
    def __init__(self) -> None:
        super().__init__(typed.parse_network, self._contains)

    def convert(self, value: ContextValue) -> Any:
        return typed.parse_address(value)

    @staticmethod
    def _contains(address: Any, network: Any) -> bool:
        return bool(address.version == network.version and address in network)


def _numeric(compare: Callable[[Any, Any], bool]) -> Family:
    return _Compare(typed.parse_number, compare)


def _date(compare: Callable[[Any, Any], bool]) -> Family:
    return _Compare(typed.parse_instant, compare)


_STRING_EQ, _STRING_EQ_CI, _STRING_LIKE, _ARN = (
    _StringEquals(False), _StringEquals(True), _StringLike(), _Arn())
_BINARY = _Compare(typed.parse_binary, operator.eq)
_IP = _Ip()

#: Operator name -> (family, negated). `Null` is handled on its own.
OPERATORS: dict[str, tuple[Family, bool]] = {
    "StringEquals": (_STRING_EQ, False), "StringNotEquals": (_STRING_EQ, True),
    "StringEqualsIgnoreCase": (_STRING_EQ_CI, False), "StringNotEqualsIgnoreCase": (_STRING_EQ_CI, True),
    "StringLike": (_STRING_LIKE, False), "StringNotLike": (_STRING_LIKE, True),
    "NumericEquals": (_numeric(operator.eq), False), "NumericNotEquals": (_numeric(operator.eq), True),
    "NumericLessThan": (_numeric(operator.lt), False), "NumericLessThanEquals": (_numeric(operator.le), False),
    "NumericGreaterThan": (_numeric(operator.gt), False), "NumericGreaterThanEquals": (_numeric(operator.ge), False),
    "DateEquals": (_date(operator.eq), False), "DateNotEquals": (_date(operator.eq), True),
    "DateLessThan": (_date(operator.lt), False), "DateLessThanEquals": (_date(operator.le), False),
    "DateGreaterThan": (_date(operator.gt), False), "DateGreaterThanEquals": (_date(operator.ge), False),
    "Bool": (_Bool(), False), "BinaryEquals": (_BINARY, False),
    "IpAddress": (_IP, False), "NotIpAddress": (_IP, True),
    "ArnEquals": (_ARN, False), "ArnLike": (_ARN, False),
    "ArnNotEquals": (_ARN, True), "ArnNotLike": (_ARN, True),
}


@dataclass(frozen=True, slots=True)
class OperatorName:
    qualifier: str | None  # FOR_ANY, FOR_ALL or None
    base: str
    if_exists: bool


def split_operator(name: str) -> OperatorName | None:
    """`ForAnyValue:StringLikeIfExists` -> (ForAnyValue, StringLike, True); None if unknown.
    IfExists may follow any operator except Null (IAM User Guide, "...IfExists")."""
    qualifier, colon, rest = name.partition(":")
    if not colon:
        qualifier, rest = "", name
    elif qualifier not in (FOR_ANY, FOR_ALL):
        return None
    if_exists = rest.endswith("IfExists")
    base = rest[: -len("IfExists")] if if_exists else rest
    if base not in OPERATORS and (base != "Null" or if_exists):
        return None
    return OperatorName(qualifier or None, base, if_exists)
