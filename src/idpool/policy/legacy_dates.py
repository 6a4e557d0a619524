"""Which Date condition values IAM accepts when a policy is written.

IAM's older ("legacy") policy parser reads a Date operator's value as epoch seconds (digits only,
at most 2^63 - 1) or as a lenient ISO 8601 text: a year (negative allowed), then optionally month,
day, `T`, hours, minutes, seconds with up to nine fraction digits, and a `Z` or a two-digit
`+hh[:mm]` / `-hh[:mm]` offset; letters in any case. Anything else fails the whole policy with
"The policy failed legacy parsing" (IAM's answers to CreatePolicy, recorded in getmoto/moto's
`tests/test_iam/test_iam_policies.py`: `01T` and `2016-12-13t2:00:00.593194+23` pass,
`234-13`, a one-digit offset and ten fraction digits fail). A value accepted here that
`values.parse_instant` cannot place in time makes its condition false at evaluation.
"""

from __future__ import annotations

import re

_EPOCH_MAX = 2**63 - 1
_YEARS = (-292275054, 292278993)
_ISO = re.compile(
    r"(?P<year>-?\d+)(?:-(?P<month>\d+)(?:-(?P<day>\d+))?)?"
    r"(?:t(?:(?P<hour>\d+)(?::(?P<minute>\d+)(?::(?P<second>\d+)(?:\.(?P<fraction>\d+))?)?)?)?"
    r"(?:z|[+-](?P<tzh>\d\d)(?::(?P<tzm>\d\d))?)?)?",
    re.ASCII,
)
_RANGES = {"month": (1, 12), "day": (1, 31), "hour": (0, 23), "minute": (0, 59), "second": (0, 59),
           "tzh": (0, 23), "tzm": (0, 59)}


def legacy_date_ok(value: str) -> bool:
    """Whether IAM's legacy parser accepts ``value`` for a Date condition operator."""
    text = value.lower()
    if "t" not in text and "-" not in text:
        return text.isascii() and text.isdigit() and int(text) <= _EPOCH_MAX
    match = _ISO.fullmatch(text)
    if match is None or not _YEARS[0] <= int(match["year"]) <= _YEARS[1]:
        return False
    if match["fraction"] is not None and len(match["fraction"]) > 9:
        return False
    for name, (low, high) in _RANGES.items():
        part = match[name]
        if part is not None and not low <= int(part) <= high:
            return False
    return True
