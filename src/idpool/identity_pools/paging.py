"""NextToken values: opaque to clients, checked on the way back in.

A token names the last key of the page it ends (keyset paging), so a listing stays
correct while rows are inserted: every row present throughout is returned once.
"""

from __future__ import annotations

import base64
import binascii
import json

from idpool import errors


def encode(kind: str, after: str) -> str:
    raw = json.dumps({"k": kind, "a": after}, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode(token: str, kind: str) -> str:
    try:
        doc = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
        if isinstance(doc, dict) and doc.get("k") == kind and isinstance(doc.get("a"), str):
            return str(doc["a"])
    except (binascii.Error, ValueError):
        pass
    raise errors.InvalidParameter("Invalid NextToken.")


def page_of(items: list[str], size: int, token: str | None, kind: str) -> tuple[list[str], str | None]:
    """One page of a sorted in-memory list."""
    start = 0
    if token:
        after = decode(token, kind)
        start = next((i for i, item in enumerate(items) if item > after), len(items))
    page = items[start:start + size]
    more = start + size < len(items)
    return page, (encode(kind, page[-1]) if more and page else None)
