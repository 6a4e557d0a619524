"""Parsed policies, cached by their text: evaluation happens on every signed request,
parsing only when a policy is first seen (documents are immutable values)."""

from __future__ import annotations

from functools import lru_cache

from idpool.policy.document import Kind, PolicyDocument, parse_policy


@lru_cache(maxsize=4096)
def cached_policy(text: str, kind: Kind) -> PolicyDocument:
    """A stored policy, parsed: rules added since it was written are enforced by evaluation
    (``parse_policy(stored=True)``), so an older role still loads."""
    return parse_policy(text, kind, stored=True)
