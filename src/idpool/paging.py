"""Keyset paging, once: every listing reads one row more than a page to know if more follow.

Leaf module. The page ends at the last item it holds; the next page starts after that
item's key, so a listing stays correct while rows are inserted (every row present
throughout is returned once). How the key travels (Cognito's opaque NextToken, IAM's
Marker) is each service's business.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TypeVar

T = TypeVar("T")


def keyset_page(fetch: Callable[[int], Sequence[T]], limit: int, key: Callable[[T], str]) -> tuple[list[T], str | None]:
    """``fetch(n)`` returns up to ``n`` items in key order; returns (page, key to resume after, or None)."""
    found = list(fetch(limit + 1))
    page = found[:limit]
    return page, (key(page[-1]) if len(found) > limit and page else None)


def page_of(items: Sequence[str], limit: int, after: str | None) -> tuple[list[str], str | None]:
    """The same over a sorted in-memory list: the items after ``after``, at most ``limit``."""
    start = 0 if after is None else next((i for i, item in enumerate(items) if item > after), len(items))
    return keyset_page(lambda n: items[start:start + n], limit, lambda item: item)
