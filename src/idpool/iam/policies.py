"""Parsed policies, cached by their text: evaluation happens on every signed request,
parsing only when a policy is first seen (documents are immutable values)."""

from __future__ import annotations

from functools import lru_cache

from idpool.policy import PolicyDocument, parse_policy


@lru_cache(maxsize=4096)
def cached_policy(text: str, kind: str) -> PolicyDocument:
    return parse_policy(text, kind)  # type: ignore[arg-type]
