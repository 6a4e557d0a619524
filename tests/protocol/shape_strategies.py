"""Hypothesis strategies generated from botocore shapes: valid values for every
constraint the model states (required, min, max, pattern, enum), so round trips
exercise the codecs and, on the way, prove the validator accepts every valid value."""

from __future__ import annotations

import datetime as dt
import functools
import re
from typing import Any, Literal

from botocore.model import Shape
from hypothesis import strategies as st

from idpool.protocols.patterns import compile_pattern

Direction = Literal["input", "output"]
Protocol = Literal["json", "query"]

_XML_CHAR = re.compile("[\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_SINGLE_CLASS = re.compile(r"^\^?(\[(?:[^\]\\]|\\.)*\])([*+])\$?$")
_MAX_TEXT = 24
_MAX_ITEMS = 3
_EPOCH_START = dt.datetime(1970, 1, 2)
_EPOCH_END = dt.datetime(2100, 1, 1)


def for_shape(shape: Shape, direction: Direction, protocol: Protocol) -> st.SearchStrategy[Any]:
    strategy = _any(shape, direction, protocol)
    if protocol == "query" and direction == "input" and shape.type_name in ("structure", "map"):
        # The Query form cannot carry an empty structure or map (nothing is sent), so
        # only non-empty ones can round-trip; the top-level input is never nested here.
        return strategy.filter(bool)
    return strategy


def top_level(shape: Shape, direction: Direction, protocol: Protocol) -> st.SearchStrategy[Any]:
    """The strategy for a whole operation input or output (which may be empty)."""
    return _structure(shape, direction, protocol)


def _any(shape: Shape, direction: Direction, protocol: Protocol) -> st.SearchStrategy[Any]:
    kind = shape.type_name
    if kind == "structure":
        return _structure(shape, direction, protocol)
    if kind == "list":
        low, high = _sizes(shape)
        return st.lists(for_shape(shape.member, direction, protocol), min_size=low, max_size=high)
    if kind == "map":
        low, high = _sizes(shape)
        keys = for_shape(shape.key, direction, protocol)
        return st.dictionaries(keys, for_shape(shape.value, direction, protocol), min_size=low, max_size=high)
    return _scalar(shape, direction, protocol)


def _structure(shape: Shape, direction: Direction, protocol: Protocol) -> st.SearchStrategy[dict[str, Any]]:
    required = set(shape.required_members)
    members = {name: for_shape(s, direction, protocol) for name, s in shape.members.items()}
    return st.fixed_dictionaries(
        {n: s for n, s in members.items() if n in required},
        optional={n: s for n, s in members.items() if n not in required},
    )


def _sizes(shape: Shape) -> tuple[int, int]:
    low = shape.metadata.get("min", 0)
    high = shape.metadata.get("max", low + _MAX_ITEMS)
    return low, max(low, min(high, low + _MAX_ITEMS))


def _scalar(shape: Shape, direction: Direction, protocol: Protocol) -> st.SearchStrategy[Any]:
    meta, kind = shape.metadata, shape.type_name
    if kind == "string":
        return _string(shape, direction)
    if kind in ("integer", "long"):
        bound = 2**31 - 1 if kind == "integer" else 2**63 - 1
        return st.integers(meta.get("min", -bound - 1), meta.get("max", bound))
    if kind in ("float", "double"):
        return st.floats(meta.get("min"), meta.get("max"), allow_nan=False, allow_infinity=False)
    if kind == "boolean":
        return st.booleans()
    if kind == "blob":
        low, high = _lengths(meta)
        return st.binary(min_size=low, max_size=high)
    if kind == "timestamp":
        return _timestamp(direction, protocol)
    raise AssertionError(f"no strategy for {kind}")


def _timestamp(direction: Direction, protocol: Protocol) -> st.SearchStrategy[dt.datetime]:
    moments = st.datetimes(_EPOCH_START, _EPOCH_END, timezones=st.just(dt.UTC))
    if protocol == "json" and direction == "input":
        return moments.map(lambda m: m.replace(microsecond=0))  # botocore sends whole seconds
    if protocol == "json":
        return moments.map(lambda m: m.replace(microsecond=m.microsecond // 1000 * 1000))  # AWS sends ms
    return moments


def _lengths(meta: dict[str, Any]) -> tuple[int, int]:
    low = meta.get("min", 0)
    return low, max(low, min(meta.get("max", _MAX_TEXT), low + _MAX_TEXT))


def _string(shape: Shape, direction: Direction) -> st.SearchStrategy[str]:
    meta = shape.metadata
    if meta.get("enum"):
        return st.sampled_from(meta["enum"])
    low, high = _lengths(meta)
    pattern = meta.get("pattern")
    if pattern is None:
        return st.text(_alphabet(direction), min_size=low, max_size=high)
    regex = compile_pattern(pattern)
    assert regex is not None, pattern
    single = _SINGLE_CLASS.match(regex.pattern)
    if single:  # '[class]+': draw characters from the class, lengths from min/max
        chars = _class_alphabet(single.group(1), regex.flags, direction)
        return st.text(chars, min_size=max(low, 1 if single.group(2) == "+" else 0), max_size=high)
    maximum = meta.get("max", 10**9)
    return st.from_regex(regex, fullmatch=True).filter(lambda s: low <= len(s) <= maximum and _allowed(direction)(s))


@functools.cache
def _class_alphabet(char_class: str, flags: int, direction: Direction) -> st.SearchStrategy[str]:
    """Characters of a (possibly huge) class. Hypothesis's from_regex enumerates big
    classes slowly, so: ASCII members by sampling, the rest by filtering."""
    member = re.compile(char_class, flags).fullmatch
    allowed = _allowed(direction)
    ascii_members = [chr(c) for c in range(128) if member(chr(c)) and allowed(chr(c))]
    parts = [st.sampled_from(ascii_members)] if ascii_members else []
    if any(member(chr(c)) for c in range(128, 0x3000, 7)):
        wide = st.characters(min_codepoint=128, exclude_categories=["Cs"])
        parts.append(wide.filter(lambda c: bool(member(c)) and allowed(c)))
    return st.one_of(parts)


def _alphabet(direction: Direction) -> st.SearchStrategy[str]:
    return st.characters(exclude_categories=["Cs"], exclude_characters="\x00").filter(_allowed(direction))


def _allowed(direction: Direction):  # type: ignore[no-untyped-def]
    def check(text: str) -> bool:
        if "\x00" in text:
            return False
        # Response strings must be representable in XML 1.0 to round-trip unchanged.
        return direction == "input" or all(_XML_CHAR.match(c) for c in text)

    return check
