"""The models' ``pattern`` constraints, translated from Java regex to Python ``re``.

AWS validates with Java's regex engine (the messages quote the Java pattern), so:
- ``\\w``, ``\\d``, ``\\s`` are ASCII-only in Java: compile with ``re.ASCII``;
- ``\\p{L}``-style Unicode categories (MappingRule.Claim, IAM/STS tag keys and values)
  do not exist in ``re``: they become explicit code-point ranges from ``unicodedata``;
- ``\\u10000-\\u10FFFF`` (STS/IAM ``arnType`` and friends) means "the supplementary
  planes" in the Smithy source; read literally by Java or Python it is ``\\u1000`` then
  ``0``, so it is rewritten to ``\\U00010000-\\U0010FFFF``.
Matching is always ``fullmatch``: AWS documents these as whole-value patterns.
"""

from __future__ import annotations

import functools
import itertools
import logging
import re
import unicodedata

log = logging.getLogger(__name__)

_SUPPLEMENTARY_JAVA = r"\u10000-\u10FFFF"
_SUPPLEMENTARY_PY = r"\U00010000-\U0010FFFF"
_TOKEN = re.compile(r"\\p\{(?P<cat>[A-Z][a-z]?)\}|\\.|\[|\]|[^\\\[\]]+", re.DOTALL)


@functools.cache
def compile_pattern(pattern: str) -> re.Pattern[str] | None:
    """The model pattern as a compiled Python regex, or None if it cannot be translated
    (logged; the other constraints still apply)."""
    try:
        return re.compile(to_python(pattern), re.ASCII)
    except (re.error, ValueError) as exc:
        log.warning("model pattern %r is not supported (%s); not enforced", pattern, exc)
        return None


def to_python(pattern: str) -> str:
    """Rewrite the Java-only constructs of a model pattern into ``re`` syntax."""
    out: list[str] = []
    in_class = False
    for token in _TOKEN.finditer(pattern.replace(_SUPPLEMENTARY_JAVA, _SUPPLEMENTARY_PY)):
        text, category = token.group(0), token.group("cat")
        if category:
            ranges = category_ranges(category)
            out.append(ranges if in_class else f"[{ranges}]")
            continue
        if text == "[" and not in_class:
            in_class = True
        elif text == "]" and in_class:
            in_class = False
        out.append(text)
    if in_class:
        raise ValueError("unbalanced character class")
    return "".join(out)


@functools.cache
def category_ranges(category: str) -> str:
    """A character-class body matching the Unicode general category (``L`` or ``Lu``)."""
    runs = [(start, end) for cat, start, end in _category_runs() if cat.startswith(category)]
    if not runs:
        raise ValueError(f"unknown Unicode category {category!r}")
    merged: list[list[int]] = []
    for start, end in runs:
        if merged and merged[-1][1] + 1 == start:
            merged[-1][1] = end
        else:
            merged.append([start, end])
    return "".join(_class_range(start, end) for start, end in merged)


@functools.cache
def _category_runs() -> tuple[tuple[str, int, int], ...]:
    # One pass over every code point (~0.2 s), only when a model pattern needs \p{..}.
    categories = map(unicodedata.category, map(chr, range(0x110000)))
    runs = []
    position = 0
    for cat, group in itertools.groupby(categories):
        length = sum(1 for _ in group)
        runs.append((cat, position, position + length - 1))
        position += length
    return tuple(runs)


def _class_range(start: int, end: int) -> str:
    if start == end:
        return f"\\U{start:08x}"
    return f"\\U{start:08x}-\\U{end:08x}"
