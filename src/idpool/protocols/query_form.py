"""AWS Query requests: the urlencoded form, and flattened keys back to nested params.

The form is ``Action=..&Version=..&RoleName=..&Tags.member.1.Key=..`` (botocore's
``QuerySerializer``): lists are ``X.member.N`` (``X=`` alone is an empty list), maps
``X.entry.N.key``/``.value``, structures ``X.Member``. The flat keys are first folded
into a tree, then read by the input shape, so the work is bounded by the keys actually
sent, never by an index a client claims (R05 in docs/SECURITY.md: ``X.member.999999999``).
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import math
import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import parse_qsl

from idpool.protocols.base import ProtocolError, truncate
from idpool.protocols.plans import Plan
from idpool.protocols.validation import summarize, violation

MAX_FIELDS = 1000
MAX_INDEX = 1000  # list positions and map entries are numbered 1..MAX_INDEX
MAX_SEGMENTS = 32  # dotted parts in one key; the deepest IAM input needs fewer than ten
_INT_RANGE = {"integer": (-(2**31), 2**31 - 1), "long": (-(2**63), 2**63 - 1)}
_INTEGER = re.compile(r"[+-]?[0-9]{1,20}")
_INDEX = re.compile(r"[1-9][0-9]{0,3}")


def malformed(message: str) -> ProtocolError:
    # AWS Common Errors: InvalidQueryParameter (400), "The AWS query string is malformed
    # or does not adhere to AWS standards."
    return ProtocolError("InvalidQueryParameter", message)


def parse_form(body: bytes, query_string: str, *, max_fields: int = MAX_FIELDS) -> dict[str, str]:
    """The urlencoded body and the query string, merged; every key at most once."""
    fields: list[tuple[str, str]] = []
    for source in (query_string, body):
        fields += _pairs(source, max_fields)
    if len(fields) > max_fields:
        raise malformed(f"The request has more than {max_fields} parameters.")
    params: dict[str, str] = {}
    for key, value in fields:
        if key in params:
            raise malformed(f"The parameter {truncate(key, 128)} is given more than once.")
        params[key] = value
    return params


def _pairs(source: bytes | str, max_fields: int) -> list[tuple[str, str]]:
    try:
        text = source.decode("utf-8") if isinstance(source, bytes) else source
        if not text:
            return []
        return parse_qsl(text, keep_blank_values=True, encoding="utf-8", errors="strict", max_num_fields=max_fields)
    except UnicodeDecodeError:
        raise malformed("The request parameters are not valid UTF-8.") from None
    except ValueError:
        raise malformed(f"The request has more than {max_fields} parameters.") from None


class _Node:
    """One dotted-key segment: its own value (if sent) and its sub-keys."""

    __slots__ = ("children", "value")

    def __init__(self) -> None:
        self.value: str | None = None
        self.children: dict[str, _Node] = {}


def fold(params: Mapping[str, str]) -> _Node:
    root = _Node()
    for key, value in params.items():
        if key.count(".") >= MAX_SEGMENTS:
            raise malformed(f"The parameter name {truncate(key, 128)} has too many parts.")
        node = root
        for part in key.split("."):
            node = node.children.setdefault(part, _Node())
        node.value = value
    return root


def to_python(plan: Plan, node: _Node, path: str = "") -> Any:
    kind = plan.type
    if kind == "structure":
        return _structure(plan, node, path)
    if kind == "list":
        return _list(plan, node, path)
    if kind == "map":
        return _map(plan, node, path)
    if node.value is None:
        raise malformed(f"The parameter at '{path}' needs a value, not sub-parameters.")
    return scalar(plan, node.value, path)


def _structure(plan: Plan, node: _Node, path: str) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for member in plan.members:
        child = node.children.get(member.wire)
        if child is not None:
            out[member.name] = to_python(member.plan, child, f"{path}.{member.path}" if path else member.path)
    return out


def _list(plan: Plan, node: _Node, path: str) -> list[Any]:
    container = node if plan.flattened else node.children.get(plan.member_wire)
    if container is None:
        return []  # 'X=' is how botocore sends an empty list
    assert plan.member is not None
    return [to_python(plan.member, child, f"{path}.{i}.member") for i, child in _numbered(container, path)]


def _map(plan: Plan, node: _Node, path: str) -> dict[str, Any]:
    container = node if plan.flattened else node.children.get("entry")
    out: dict[str, Any] = {}
    if container is None:
        return out
    assert plan.key is not None and plan.value is not None
    for _, entry in _numbered(container, path):
        key_node, value_node = entry.children.get(plan.key_wire), entry.children.get(plan.value_wire)
        if key_node is None or key_node.value is None or value_node is None:
            raise malformed(f"A map entry at '{path}' needs both a key and a value.")
        key = scalar(plan.key, key_node.value, path)
        if key in out:
            raise malformed(f"The map at '{path}' has a duplicate key.")
        out[key] = to_python(plan.value, value_node, f"{path}.{key}.member")
    return out


def _numbered(container: _Node, path: str) -> list[tuple[int, _Node]]:
    items = []
    for label, child in container.children.items():
        if not _INDEX.fullmatch(label) or int(label) > MAX_INDEX:
            raise malformed(f"The position '{truncate(label, 32)}' at '{path}' is not a number from 1 to {MAX_INDEX}.")
        items.append((int(label), child))
    return sorted(items, key=lambda item: item[0])


def scalar(plan: Plan, raw: str, path: str) -> Any:
    """A form value converted to the shape's type (a ValidationError if it is not one)."""
    kind = plan.type
    try:
        if kind == "string":
            if "\x00" in raw:
                raise ValueError("NUL")
            return raw
        if kind == "boolean":
            return {"true": True, "false": False}[raw.lower()]
        if kind in _INT_RANGE:
            return _integer(kind, raw)
        if kind in ("float", "double"):
            return _float(raw)
        if kind == "timestamp":
            return _timestamp(raw)
        if kind == "blob":
            return base64.b64decode(raw, validate=True)
    except (ValueError, KeyError, OverflowError, binascii.Error):
        raise ProtocolError("ValidationError", summarize([violation(plan, raw, path, _EXPECTED[kind])])) from None
    return raw


_EXPECTED = {
    "string": "Member must not contain U+0000",
    "boolean": "Member must be 'true' or 'false'",
    "integer": "Member must be a 32-bit integer",
    "long": "Member must be a 64-bit integer",
    "float": "Member must be a finite number",
    "double": "Member must be a finite number",
    "timestamp": "Member must be an ISO 8601 timestamp",
    "blob": "Member must be base64",
}


def _integer(kind: str, raw: str) -> int:
    if not _INTEGER.fullmatch(raw):
        raise ValueError(raw)
    value, (low, high) = int(raw), _INT_RANGE[kind]
    if not low <= value <= high:
        raise ValueError(raw)
    return value


def _float(raw: str) -> float:
    value = float(raw) if len(raw) <= 40 else math.inf
    if not math.isfinite(value):
        raise ValueError(raw)
    return value


def _timestamp(raw: str) -> dt.datetime:
    if len(raw) > 40:
        raise ValueError(raw)
    moment = dt.datetime.fromisoformat(raw)
    if moment.tzinfo is None:
        return moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(dt.UTC)
