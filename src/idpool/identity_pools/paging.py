"""NextToken values: opaque to clients, checked on the way back in.

A token names the last key of the page it ends (keyset paging), so a listing stays
correct while rows are inserted: every row present throughout is returned once.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable, Sequence
from typing import TypeVar

from idpool import errors, paging

T = TypeVar("T")


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
    """One page of a sorted in-memory list, resumed from and ended by a NextToken."""
    page, last = paging.page_of(items, size, decode(token, kind) if token else None)
    return page, (encode(kind, last) if last is not None else None)


def listing(
    fetch: Callable[[str | None, int], Sequence[T]], limit: int, token: str | None, kind: str, key: Callable[[T], str]
) -> tuple[list[T], str | None]:
    """A store listing resumed from ``token``: ``fetch(after, n)``; returns (page, NextToken)."""
    after = decode(token, kind) if token else None
    page, last = paging.keyset_page(lambda n: fetch(after, n), limit, key)
    return page, (encode(kind, last) if last is not None else None)
