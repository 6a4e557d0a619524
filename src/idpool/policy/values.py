"""Typed condition values: numbers, dates, booleans, binary and IP addresses.

Each parser takes a policy value or a request-context value and returns the typed value, or
None when the text is not of that type (a bad value makes the condition false, never an error).
Formats follow IAM User Guide, "Condition operators": numbers are integers or decimals; dates
are W3C ISO 8601 (https://www.w3.org/TR/NOTE-datetime) or epoch seconds; Bool is "true"/"false";
BinaryEquals compares base-64-decoded bytes; IP values are CIDR blocks, v4 or v6, a bare address
meaning /32 (or /128).
"""

from __future__ import annotations

import base64
import binascii
import ipaddress
import re
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal, InvalidOperation

from idpool.policy.context import ContextValue

_NUMBER = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)", re.ASCII)
_EPOCH = re.compile(r"[0-9]{1,12}(?:\.[0-9]+)?", re.ASCII)
_W3C = re.compile(
    r"(?P<y>[0-9]{4})(?:-(?P<mo>[0-9]{2})(?:-(?P<d>[0-9]{2})"
    r"(?:[Tt](?P<h>[0-9]{2}):(?P<mi>[0-9]{2})(?::(?P<s>[0-9]{2})(?:\.(?P<f>[0-9]{1,9}))?)?"
    r"(?P<tz>[Zz]|[+-][0-9]{2}:?[0-9]{2})?)?)?)?",
    re.ASCII,
)
_MAX_TEXT = 100  # longer text is no number or date; bounds the work a hostile value can cause

IpNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
IpAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


def parse_number(value: ContextValue | Decimal) -> Decimal | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, Decimal)):
        return Decimal(value)
    if isinstance(value, str) and len(value) <= _MAX_TEXT and _NUMBER.fullmatch(value.strip()):
        try:
            return Decimal(value.strip())
        except InvalidOperation:  # pragma: no cover - the pattern admits only valid decimals
            return None
    return None


def _zone(text: str | None) -> timezone:
    if not text or text in "Zz":
        return UTC
    sign = -1 if text[0] == "-" else 1
    digits = text[1:].replace(":", "")
    return timezone(sign * timedelta(hours=int(digits[:2]), minutes=int(digits[2:])))


def _parse_w3c(text: str) -> datetime | None:
    m = _W3C.fullmatch(text)
    if m is None:
        return None
    fraction = (m["f"] or "0")[:6].ljust(6, "0")
    try:
        return datetime(
            int(m["y"]), int(m["mo"] or 1), int(m["d"] or 1),
            int(m["h"] or 0), int(m["mi"] or 0), int(m["s"] or 0), int(fraction),
            tzinfo=_zone(m["tz"]),
        )
    except ValueError:  # month 13, hour 25, an offset of 24h or more, ...
        return None


def _from_epoch(seconds: float) -> datetime | None:
    try:
        return datetime.fromtimestamp(seconds, tz=UTC)
    except (OverflowError, OSError, ValueError):
        return None


def parse_instant(value: ContextValue | Decimal) -> datetime | None:
    """A point in time, always timezone-aware; naive datetimes are taken as UTC."""
    if isinstance(value, bool):
        return None
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    if isinstance(value, (int, Decimal)):
        return _from_epoch(float(value))
    if not isinstance(value, str) or len(value) > _MAX_TEXT:
        return None
    text = value.strip()
    # Digits alone are epoch seconds (so "2024" is a timestamp, not a year), as IAM reads them.
    if _EPOCH.fullmatch(text):
        return _from_epoch(float(text))
    return _parse_w3c(text)


def parse_bool(value: ContextValue) -> bool | None:
    if isinstance(value, bool):
        return value
    if isinstance(value, str):
        lowered = value.strip().lower()
        if lowered in ("true", "false"):
            return lowered == "true"
    return None


def parse_binary(value: ContextValue) -> bytes | None:
    if isinstance(value, bytes):
        return value
    if not isinstance(value, str):
        return None
    try:
        return base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        return None


def parse_network(value: str) -> IpNetwork | None:
    try:
        return ipaddress.ip_network(value.strip(), strict=False)
    except ValueError:
        return None


def parse_address(value: ContextValue) -> IpAddress | None:
    if not isinstance(value, str):
        return None
    try:
        return ipaddress.ip_address(value.strip())
    except ValueError:
        return None
