"""Constraint validation from the service model, with AWS's own messages.

botocore's client checks only ``required``, types and ``min``
(``botocore/validate.py``), so ``max``, ``pattern`` and ``enum`` violations reach the
server and must be rejected here. Messages follow Coral, AWS's service framework, as
seen on the wire (amplify-swift#2864, aws-sdk-net#445, moto#1979, JuliaCloud/AWSCore.jl#38,
SWO-GS/auto-tag#77/#90, compcon#1951):

    1 validation error detected: Value 'x' at 'identityPoolId' failed to satisfy
    constraint: Member must satisfy regular expression pattern: [\\w-]+:[0-9a-f-]+

- member paths are lowerCamelCase; list elements are ``tags.6.member.value``;
- a map whose scalar keys or values break a constraint gets one message listing all of
  that shape's constraints (``Map value must satisfy constraint: [...]``);
- values of sensitive shapes are never printed: ``Value at 'logins' failed ...``;
- the code is ``ValidationException`` for Cognito Identity (observed in
  amplify-swift#2864's ``x-amzn-ErrorType``) and ``ValidationError`` for STS and IAM.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any, Literal

from botocore.model import Shape

from idpool.protocols.base import ProtocolError, truncate
from idpool.protocols.plans import CONTAINERS, Plan, plan_for

Style = Literal["json", "query"]
ERROR_CODE: dict[str, str] = {"json": "ValidationException", "query": "ValidationError"}
_NUMBERS = frozenset({"integer", "long", "float", "double"})
_MAX_LISTED = 10  # Coral lists every violation; we list the first ten (the count stays exact)


def validate(shape: Shape | Plan, params: Mapping[str, Any], *, style: Style) -> None:
    """Raise ``ProtocolError`` listing every constraint ``params`` break."""
    plan = shape if isinstance(shape, Plan) else plan_for(shape)
    problems: list[str] = []
    _check(plan, params, "", problems)
    if problems:
        raise ProtocolError(ERROR_CODE[style], summarize(problems))


def summarize(problems: list[str]) -> str:
    noun = "error" if len(problems) == 1 else "errors"
    return f"{len(problems)} validation {noun} detected: " + "; ".join(problems[:_MAX_LISTED])


def violation(plan: Plan, value: Any, path: str, constraint: str) -> str:
    """One Coral-style clause; the value is left out when the shape is sensitive."""
    if value is None:
        shown = "Value null"
    elif plan.sensitive:
        shown = "Value"
    else:
        shown = f"Value '{truncate(render(value), 1024)}'"
    return f"{shown} at '{path}' failed to satisfy constraint: {constraint}"


def render(value: Any) -> str:
    """A value as Coral (Java's toString) prints it."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (bytes, bytearray)):
        return f"java.nio.HeapByteBuffer[pos=0 lim={len(value)} cap={len(value)}]"
    if isinstance(value, Mapping):
        return "{" + ", ".join(f"{render(k)}={render(v)}" for k, v in value.items()) + "}"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(render(v) for v in value) + "]"
    if isinstance(value, dt.datetime):
        return value.isoformat()
    return "null" if value is None else str(value)


def _check(plan: Plan, value: Any, path: str, out: list[str]) -> None:
    expected = _type_problem(plan, value)
    if expected:
        out.append(violation(plan, value, path, expected))
    elif plan.type == "structure":
        _check_structure(plan, value, path, out)
    elif plan.type == "list":
        _check_list(plan, value, path, out)
    elif plan.type == "map":
        _check_map(plan, value, path, out)
    else:
        out.extend(violation(plan, value, path, c) for c in scalar_failures(plan, value))


def _check_structure(plan: Plan, value: Mapping[str, Any], path: str, out: list[str]) -> None:
    for member in plan.members:
        item = value.get(member.name)
        where = f"{path}.{member.path}" if path else member.path
        if item is not None:
            _check(member.plan, item, where, out)
        elif member.required:
            out.append(violation(member.plan, None, where, "Member must not be null"))


def _check_list(plan: Plan, value: list[Any], path: str, out: list[str]) -> None:
    out.extend(violation(plan, value, path, c) for c in _length_failures(plan, len(value)))
    assert plan.member is not None
    for index, item in enumerate(value, 1):
        where = f"{path}.{index}.member"
        if item is None:
            out.append(violation(plan.member, None, where, "Member must not be null"))
        else:
            _check(plan.member, item, where, out)


def _check_map(plan: Plan, value: Mapping[Any, Any], path: str, out: list[str]) -> None:
    out.extend(violation(plan, value, path, c) for c in _length_failures(plan, len(value)))
    assert plan.key is not None and plan.value is not None
    if any(_type_problem(plan.key, k) or scalar_failures(plan.key, k) for k in value):
        out.append(violation(plan, value, path, _all_constraints("Map keys", plan.key)))
    if plan.value.type not in CONTAINERS:
        if any(v is None or _type_problem(plan.value, v) or scalar_failures(plan.value, v) for v in value.values()):
            out.append(violation(plan, value, path, _all_constraints("Map value", plan.value)))
        return
    for key, item in value.items():
        _check(plan.value, item, f"{path}.{key}.member", out)


def scalar_failures(plan: Plan, value: Any) -> list[str]:
    """The constraints a scalar value breaks, in the order AWS lists them."""
    failures: list[str] = []
    if plan.type == "string":
        if plan.regex is not None and not plan.regex.fullmatch(value):
            failures.append(f"Member must satisfy regular expression pattern: {plan.pattern}")
        failures += _length_failures(plan, len(value))
        if plan.enum and value not in plan.enum_set:
            failures.append(f"Member must satisfy enum value set: [{', '.join(plan.enum)}]")
    elif plan.type == "blob":
        failures += _length_failures(plan, len(value))
    elif plan.type in _NUMBERS:
        if plan.min is not None and value < plan.min:
            failures.append(f"Member must have value greater than or equal to {plan.min}")
        if plan.max is not None and value > plan.max:
            failures.append(f"Member must have value less than or equal to {plan.max}")
    return failures


def _length_failures(plan: Plan, length: int) -> list[str]:
    if plan.min is not None and length < plan.min:
        return [f"Member must have length greater than or equal to {plan.min}"]
    if plan.max is not None and length > plan.max:
        return [f"Member must have length less than or equal to {plan.max}"]
    return []


def _all_constraints(subject: str, plan: Plan) -> str:
    """'Map value must satisfy constraint: [max, min, pattern]', as Coral words it."""
    word = "value" if plan.type in _NUMBERS else "length"
    parts = []
    if plan.max is not None:
        parts.append(f"Member must have {word} less than or equal to {plan.max}")
    if plan.min is not None:
        parts.append(f"Member must have {word} greater than or equal to {plan.min}")
    if plan.pattern is not None:
        parts.append(f"Member must satisfy regular expression pattern: {plan.pattern}")
    if plan.enum:
        parts.append(f"Member must satisfy enum value set: [{', '.join(plan.enum)}]")
    return f"{subject} must satisfy constraint: [{', '.join(parts)}]"


# Python types each model type accepts; codecs convert before validating, so this only
# guards direct callers of ``validate``.
_TYPES: dict[str, tuple[type, ...]] = {
    "structure": (Mapping,),
    "map": (Mapping,),
    "list": (list, tuple),
    "string": (str,),
    "boolean": (bool,),
    "integer": (int,),
    "long": (int,),
    "float": (int, float),
    "double": (int, float),
    "timestamp": (dt.datetime,),
    "blob": (bytes, bytearray),
}


def _type_problem(plan: Plan, value: Any) -> str | None:
    accepted = _TYPES.get(plan.type)
    bool_for_number = isinstance(value, bool) and plan.type != "boolean"
    if accepted is None or (isinstance(value, accepted) and not bool_for_number):
        return None
    return f"Member must be of type {plan.type}"
