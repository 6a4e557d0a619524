"""XML for AWS Query responses, written from the output shape.

Layout as botocore's ``QueryParser`` reads it and as STS and IAM send it: lists are
``<Name><member>..</member></Name>``, maps ``<entry><key/><value/></entry>``,
timestamps ISO 8601 in UTC with ``Z``. Text is escaped so that no value, however
hostile (I02 in docs/SECURITY.md: ``<``, ``]]>``, control characters), can break the document:
characters XML 1.0 forbids become U+FFFD and CR is written as ``&#13;`` so that XML's
line-end normalisation cannot turn it into LF.
"""

from __future__ import annotations

import base64
import datetime as dt
import re
from collections.abc import Callable
from typing import Any
from urllib.parse import quote

from idpool.protocols.plans import Plan

# IAM returns policy documents percent-encoded; botocore's ``json_decode_policies``
# (after-call.iam, botocore/handlers.py) unquotes and json-decodes every member whose
# shape is named this.
POLICY_DOCUMENT_SHAPE = "policyDocumentType"

_NOT_XML_CHAR = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def text(value: str) -> str:
    """Character data that is well-formed XML 1.0 whatever ``value`` holds."""
    value = _NOT_XML_CHAR.sub("\ufffd", value)
    return value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\r", "&#13;")


def iso8601(moment: dt.datetime) -> str:
    """'2014-10-24T23:00:23Z' (with microseconds only when there are some)."""
    moment = moment.replace(tzinfo=dt.UTC) if moment.tzinfo is None else moment.astimezone(dt.UTC)
    pattern = "%Y-%m-%dT%H:%M:%S.%fZ" if moment.microsecond else "%Y-%m-%dT%H:%M:%SZ"
    return moment.strftime(pattern)


def write(plan: Plan, value: Any, out: list[str]) -> None:
    """Append the XML of ``value`` (the content, without its own element) to ``out``."""
    _WRITERS.get(plan.type, _write_scalar)(plan, value, out)


def _write_structure(plan: Plan, value: Any, out: list[str]) -> None:
    for member in plan.members:
        item = value.get(member.name)
        if item is None:
            continue
        if member.plan.type == "list" and member.plan.flattened:
            for element in item:
                _element(member.wire, member.plan.member, element, out)  # type: ignore[arg-type]
        else:
            _element(member.wire, member.plan, item, out)


def _write_list(plan: Plan, value: Any, out: list[str]) -> None:
    for element in value:
        _element(plan.member_wire, plan.member, element, out)  # type: ignore[arg-type]


def _write_map(plan: Plan, value: Any, out: list[str]) -> None:
    for key, item in value.items():
        if item is None:
            continue
        out.append("<entry>")
        _element(plan.key_wire, plan.key, key, out)  # type: ignore[arg-type]
        _element(plan.value_wire, plan.value, item, out)  # type: ignore[arg-type]
        out.append("</entry>")


def _element(tag: str, plan: Plan, value: Any, out: list[str]) -> None:
    out.append(f"<{tag}>")
    write(plan, value, out)
    out.append(f"</{tag}>")


def _write_scalar(plan: Plan, value: Any, out: list[str]) -> None:
    out.append(scalar(plan, value))


def scalar(plan: Plan, value: Any) -> str:
    kind = plan.type
    if kind == "boolean":
        return "true" if value else "false"
    if kind in ("integer", "long"):
        return str(int(value))
    if kind in ("float", "double"):
        return repr(float(value))
    if kind == "timestamp" and isinstance(value, dt.datetime):
        return iso8601(value)
    if kind == "blob" and isinstance(value, (bytes, bytearray)):
        return base64.b64encode(value).decode("ascii")
    if plan.name == POLICY_DOCUMENT_SHAPE:
        return quote(str(value), safe="", errors="replace")
    return text(str(value))


_WRITERS: dict[str, Callable[[Plan, Any, list[str]], None]] = {
    "structure": _write_structure,
    "list": _write_list,
    "map": _write_map,
}
