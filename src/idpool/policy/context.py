"""The request context: condition keys and their values, normalized once per request.

Key names are case-insensitive (IAM User Guide, "Policy variables": `aws:CurrentTime` equals
`AWS:currenttime`), so keys are folded to lower case here. A value given as a sequence is a
multivalued key (IAM User Guide, "Single-valued vs multivalued context keys"); anything else is
single-valued. A key whose value is None or an empty sequence is treated as absent.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

ContextValue = str | bool | int | datetime | bytes


@dataclass(frozen=True, slots=True)
class ContextEntry:
    values: tuple[ContextValue, ...]
    multivalued: bool


def as_text(value: ContextValue) -> str | None:
    """The string form a String operator or a policy variable sees, or None if it has none."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, datetime):
        return format_instant(value)
    return None


def format_instant(value: datetime) -> str:
    """ISO 8601 in UTC with a `Z`, the form AWS gives aws:CurrentTime."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _entry(value: object) -> ContextEntry | None:
    if value is None:
        return None
    if isinstance(value, (str, bytes, bool, int, datetime)):
        return ContextEntry((value,), False)
    if isinstance(value, (list, tuple, set, frozenset)):
        items = tuple(v for v in value if isinstance(v, (str, bytes, bool, int, datetime)))
        return ContextEntry(items, True) if items else None
    return ContextEntry((str(value),), False)


class RequestContext:
    """Case-insensitive, read-only view of a request's condition keys."""

    __slots__ = ("_entries",)

    def __init__(self, raw: Mapping[str, object]) -> None:
        entries: dict[str, ContextEntry] = {}
        for key, value in raw.items():
            entry = _entry(value)
            if entry is not None:
                entries[key.lower()] = entry
        self._entries = entries

    def get(self, key_lower: str) -> ContextEntry | None:
        return self._entries.get(key_lower)

    def variable_value(self, key_lower: str) -> str | None:
        """A key's value as a policy variable: only single-valued keys qualify
        (IAM User Guide: "you cannot use a multivalued context key as a policy variable")."""
        entry = self._entries.get(key_lower)
        if entry is None or entry.multivalued:
            return None
        return as_text(entry.values[0])
