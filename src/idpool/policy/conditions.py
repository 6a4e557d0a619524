"""Deciding one condition (operator, key, values) for a request, and explaining a failure.

Semantics (IAM User Guide, "Condition operators", "Condition with multiple context keys or
values", "Single-valued vs multivalued context keys", "Creating a condition that tests multiple
key values"):
- values for one key are ORed; a negated operator (StringNotEquals, NotIpAddress, ArnNotLike,
  ...) holds when the request value matches *none* of the policy values;
- a key absent from the request makes the condition false, except that a negated operator is then
  true ("If the policy condition requires that the key is not matched ... and the right key is not
  present, the condition is true"); `...IfExists` is true when the key is absent;
- `Null` tests presence itself: "true" holds when the key is absent, "false" when present;
- `ForAllValues:` holds when every request value passes, and also when the key is absent or its
  values resolve to an empty data set (for example an empty string); `ForAnyValue:` holds when at
  least one request value passes, and is false when absent or empty;
- a request or policy value of the wrong type (a word for NumericLessThan) makes the condition
  false rather than raising.
Operators in a block and keys under an operator are ANDed by the caller (`compiled`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from idpool.policy.context import RequestContext
from idpool.policy.operators import FOR_ALL, FOR_ANY, OPERATORS, Family, OperatorName, split_operator
from idpool.policy.values import parse_bool
from idpool.policy.variables import Template

_SHOWN = 120  # longest value text quoted in an explanation


def _show(values: Sequence[object]) -> str:
    text = ", ".join(repr(v) for v in values)
    return text if len(text) <= _SHOWN else text[: _SHOWN - 3] + "..."


@dataclass(frozen=True, slots=True)
class Condition:
    operator: str
    key: str
    values: tuple[str, ...]
    key_lower: str
    name: OperatorName
    family: Family | None  # None for Null
    negated: bool
    compiled: tuple[Any, ...]
    invalid: tuple[str, ...]  # policy values that are not of the operator's type

    def holds(self, context: RequestContext) -> bool:
        entry = context.get(self.key_lower)
        if self.family is None:
            return not self.invalid and any(v == (entry is None) for v in self.compiled)
        request = self._request_values(entry.values if entry else ())
        if not request:
            return self._when_absent()
        if self.invalid:
            return False
        converted = [self.family.convert(v) for v in request]
        if any(c is None for c in converted):
            return False
        ready = [r for r in (self.family.ready(c, context) for c in self.compiled) if r is not None]
        return self._decide(converted, ready)

    def _request_values(self, request: tuple[Any, ...]) -> tuple[Any, ...]:
        if self.name.qualifier and request == ("",):
            return ()
        return request

    def _when_absent(self) -> bool:
        if self.name.if_exists or self.name.qualifier == FOR_ALL:
            return True
        if self.name.qualifier == FOR_ANY:
            return False
        return self.negated

    def _passes(self, value: Any, ready: list[Any]) -> bool:
        assert self.family is not None
        return any(self.family.test(value, r) for r in ready) != self.negated

    def _decide(self, converted: list[Any], ready: list[Any]) -> bool:
        if self.name.qualifier == FOR_ALL:
            return all(self._passes(v, ready) for v in converted)
        if self.name.qualifier == FOR_ANY:
            return any(self._passes(v, ready) for v in converted)
        assert self.family is not None
        hit = any(self.family.test(v, r) for v in converted for r in ready)
        return hit != self.negated

    def explain(self, context: RequestContext) -> str:
        """Why this condition does not hold, for logs and the console's "why" view."""
        head = f"{self.operator} on {self.key}"
        entry = context.get(self.key_lower)
        if self.invalid:
            return f"{head}: policy value(s) {_show(self.invalid)} are not valid for {self.name.base}"
        if self.family is None:
            state = "absent" if entry is None else "present"
            return f"{head}: the key is {state} in the request, the policy expects Null = {_show(self.values)}"
        request = self._request_values(entry.values if entry else ())
        if not request:
            return f"{head}: the key is not in the request"
        bad = [v for v in request if self.family.convert(v) is None]
        if bad:
            return f"{head}: request value(s) {_show(bad)} are not valid for {self.name.base}"
        missing = sorted({n for c in self.compiled if isinstance(c, Template) for n in c.missing(context)})
        note = f" (policy variable(s) {', '.join(missing)} have no value in this request)" if missing else ""
        return f"{head}: request value(s) {_show(request)} do not satisfy {_show(self.values)}{note}"


def compile_condition(operator: str, key: str, values: Sequence[str], *, variables: bool) -> Condition:
    """Compile one (operator, key, values) triple; ValueError if the operator is unknown."""
    name = split_operator(operator)
    if name is None:
        raise ValueError(f"unknown condition operator {operator!r}")
    if name.base == "Null":
        flags = tuple(parse_bool(v) for v in values)
        invalid = tuple(v for v, f in zip(values, flags, strict=True) if f is None)
        return Condition(operator, key, tuple(values), key.lower(), name, None, False, flags, invalid)
    family, negated = OPERATORS[name.base]
    compiled = tuple(family.compile(v, variables) for v in values)
    invalid = tuple(v for v, c in zip(values, compiled, strict=True) if c is None)
    return Condition(operator, key, tuple(values), key.lower(), name, family, negated, compiled, invalid)
