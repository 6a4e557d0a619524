"""JSON read strictly, for everything idpool accepts from outside (request bodies, token
headers and payloads, policy documents): a duplicate object member, NaN or Infinity is
an error, never silently resolved (RFC 8259 §4 leaves duplicates undefined; RFC 7515 §4
lets a JWS parser reject them, and rejecting is the safe reading). Leaf module."""

from __future__ import annotations

from typing import Any, NoReturn


class DuplicateMember(ValueError):
    """An object names the same member twice."""


def unique_members(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """``object_pairs_hook`` for ``json.loads``."""
    result = dict(pairs)
    if len(result) == len(pairs):
        return result
    seen: set[str] = set()
    for key, _ in pairs:
        if key in seen:
            raise DuplicateMember(f"duplicate key {key[:64]!r}")
        seen.add(key)
    raise AssertionError("unreachable: dict() dropped a member that is not repeated")


def refuse_constant(name: str) -> NoReturn:
    """``parse_constant`` for ``json.loads``: NaN, Infinity and -Infinity are not JSON."""
    raise ValueError(f"{name} is not valid JSON")
