"""Strict JSON decoding and the model-driven value conversions of awsJson1_1.

Strict, because the body is attacker-controlled (R04 in docs/SECURITY.md): duplicate keys, NaN and
Infinity, nesting deeper than 64, integers longer than int64, invalid UTF-8, unpaired
surrogates and NUL all become ``SerializationException`` before anything else runs.
Conversions follow the awsJson1_1 spec (smithy.io, aws-json-1_1-protocol): timestamps
are epoch seconds, blobs are base64, unknown members are ignored, null means absent.
"""

from __future__ import annotations

import base64
import binascii
import calendar
import datetime as dt
import json
import math
import re
from collections.abc import Callable
from typing import Any

from idpool.protocols.base import ProtocolError
from idpool.protocols.plans import Plan
from idpool.strict_json import DuplicateMember, refuse_constant, unique_members

MAX_DEPTH = 64
_MAX_INT_CHARS = 20  # an int64 is at most a sign and 19 digits
_MAX_FLOAT_CHARS = 40
_INT_RANGE = {"integer": (-(2**31), 2**31 - 1), "long": (-(2**63), 2**63 - 1)}
_FORBIDDEN_CHARS = re.compile("[\x00\ud800-\udfff]")
_ARTICLE = {"Integer": "an", "Long": "a", "Double": "a", "Boolean": "a", "String": "a", "Date": "a", "Blob": "a"}


def serialization_error(message: str) -> ProtocolError:
    return ProtocolError("SerializationException", message)


def loads(body: bytes) -> Any:
    """Decode a request body, rejecting everything a lenient parser would let through."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise serialization_error("The request body is not valid UTF-8.") from None
    try:
        value = json.loads(
            text,
            object_pairs_hook=unique_members,
            parse_constant=refuse_constant,
            parse_int=_bounded_int,
            parse_float=_finite_float,
        )
    except DuplicateMember:
        raise serialization_error("The request body has a duplicate key in an object.") from None
    except (ValueError, RecursionError) as exc:  # RecursionError: nesting past about 1000 levels
        detail = exc.msg if isinstance(exc, json.JSONDecodeError) else "malformed JSON"
        raise serialization_error(f"The request body is not valid JSON: {detail}.") from None
    _check_depth(value)
    return value


def _check_depth(value: Any) -> None:
    """Refuse nesting deeper than ``MAX_DEPTH``, measured on the decoded value: one pass over
    its containers, linear in its size. (This was a regular expression over the text, which
    backtracked exponentially on a string left open: found by fuzzing, P06 in docs/reliability.md.)"""
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        node, depth = stack.pop()
        if not isinstance(node, dict | list):
            continue
        if depth > MAX_DEPTH:
            raise serialization_error(f"The request body nests deeper than {MAX_DEPTH} levels.")
        stack.extend((child, depth + 1) for child in (node.values() if isinstance(node, dict) else node))


def _bounded_int(digits: str) -> int:
    if len(digits) > _MAX_INT_CHARS:
        raise serialization_error("NUMBER_VALUE is too large.")
    return int(digits)


def _finite_float(digits: str) -> float:
    value = float(digits) if len(digits) <= _MAX_FLOAT_CHARS else math.inf
    if not math.isfinite(value):
        raise serialization_error("NUMBER_VALUE is out of range.")
    return value


# --- wire -> Python, by shape --------------------------------------------------------
def to_python(plan: Plan, value: Any) -> Any:
    return _DECODERS[plan.type](plan, value)


def _mismatch(value: Any, target: str) -> ProtocolError:
    if isinstance(value, dict):
        return serialization_error("Start of structure or map found where not expected.")
    if isinstance(value, list):
        return serialization_error("Start of list found where not expected.")
    token = "BOOLEAN_VALUE" if isinstance(value, bool) else "STRING_VALUE" if isinstance(value, str) else "NUMBER_VALUE"
    return serialization_error(f"{token} can not be converted to {_ARTICLE.get(target, 'a')} {target}")


def _structure(plan: Plan, value: Any) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise _mismatch(value, "Structure")
    out: dict[str, Any] = {}
    for member in plan.members:
        raw = value.get(member.wire)
        if raw is not None:
            out[member.name] = to_python(member.plan, raw)
    return out


def _list(plan: Plan, value: Any) -> list[Any]:
    if not isinstance(value, list):
        raise _mismatch(value, "List")
    assert plan.member is not None
    if any(item is None for item in value):
        raise serialization_error("null found in a list.")
    return [to_python(plan.member, item) for item in value]


def _map(plan: Plan, value: Any) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise _mismatch(value, "Map")
    assert plan.key is not None and plan.value is not None
    return {_text(key): to_python(plan.value, item) for key, item in value.items() if item is not None}


def _string(plan: Plan, value: Any) -> str:
    if not isinstance(value, str):
        raise _mismatch(value, "String")
    return _text(value)


def _text(value: str) -> str:
    if _FORBIDDEN_CHARS.search(value):
        raise serialization_error("A string contains U+0000 or an unpaired surrogate.")
    return value


def _boolean(plan: Plan, value: Any) -> bool:
    if not isinstance(value, bool):
        raise _mismatch(value, "Boolean")
    return value


def _integer(plan: Plan, value: Any) -> int:
    target = "Integer" if plan.type == "integer" else "Long"
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if not isinstance(value, int) or isinstance(value, bool):
        raise _mismatch(value, target)
    low, high = _INT_RANGE[plan.type]
    if not low <= value <= high:
        raise serialization_error(f"NUMBER_VALUE is out of range for {_ARTICLE[target]} {target}.")
    return value


def _double(plan: Plan, value: Any) -> float:
    if not isinstance(value, (int, float)) or isinstance(value, bool):
        raise _mismatch(value, "Double")
    return float(value)


def _timestamp(plan: Plan, value: Any) -> dt.datetime:
    if not isinstance(value, (int, float)) or isinstance(value, bool):
        raise _mismatch(value, "Date")
    try:
        return dt.datetime.fromtimestamp(value, dt.UTC)
    except (OverflowError, OSError, ValueError):
        raise serialization_error("NUMBER_VALUE is out of range for a Date.") from None


def _blob(plan: Plan, value: Any) -> bytes:
    if not isinstance(value, str):
        raise _mismatch(value, "Blob")
    try:
        return base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        raise serialization_error("STRING_VALUE is not valid base64.") from None


_DECODERS: dict[str, Callable[[Plan, Any], Any]] = {
    "structure": _structure,
    "list": _list,
    "map": _map,
    "string": _string,
    "boolean": _boolean,
    "integer": _integer,
    "long": _integer,
    "float": _double,
    "double": _double,
    "timestamp": _timestamp,
    "blob": _blob,
}


# --- Python -> wire, by shape --------------------------------------------------------
def to_wire(plan: Plan, value: Any) -> Any:
    """Keep only the members the shape names; datetimes to epoch seconds, bytes to base64."""
    kind = plan.type
    if kind == "structure":
        return {m.wire: to_wire(m.plan, v) for m in plan.members if (v := value.get(m.name)) is not None}
    if kind == "list":
        return [to_wire(plan.member, v) for v in value]  # type: ignore[arg-type]
    if kind == "map":
        return {k: to_wire(plan.value, v) for k, v in value.items() if v is not None}  # type: ignore[arg-type]
    if kind == "timestamp" and isinstance(value, dt.datetime):
        return epoch_seconds(value)
    if kind == "blob" and isinstance(value, (bytes, bytearray)):
        return base64.b64encode(value).decode("ascii")
    return value


def epoch_seconds(moment: dt.datetime) -> float:
    """Seconds since the epoch; a naive datetime is taken to be UTC."""
    if moment.tzinfo is not None:
        moment = moment.astimezone(dt.UTC)
    return calendar.timegm(moment.timetuple()) + moment.microsecond / 1_000_000
