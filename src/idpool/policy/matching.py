"""Wildcard matching for the policy language: `*` and `?` globs, built without regular expressions.

Owns the one glob matcher used for Action/NotAction, Resource/NotResource, StringLike and the
ARN operators. A pattern is compiled once into star-separated segments; matching pins the first
segment to the start, the last to the end, and places each middle segment at its leftmost
possible position. Leftmost placement is optimal for globs, so there is no backtracking:
`*a*a*a*...b` against a long string costs one scan per segment, never an exponential search
(R06 in docs/SECURITY.md). No regex is built from policy text, so regex metacharacters in ARNs or
substituted values are ordinary characters, and text that came from a policy variable is always
literal (IAM User Guide, "Policy variables": a substituted value is not a wildcard; A03).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

#: A `?` position inside a segment; every other segment item is a literal chunk.
ANY_ONE = None

Segment = tuple[str | None, ...]

#: Pattern input: (text, wild). When wild is True, `*` and `?` in text are wildcards;
#: otherwise the text is literal (escapes like `${*}`, substituted variable values).
Piece = tuple[str, bool]


@dataclass(frozen=True, slots=True)
class _Seg:
    items: Segment
    length: int
    anchor: str  # the longest literal chunk, found with str.find to skip ahead
    anchor_offset: int

    def matches_at(self, text: str, pos: int) -> bool:
        for item in self.items:
            if item is None:
                pos += 1
            elif text.startswith(item, pos):
                pos += len(item)
            else:
                return False
        return True

    def find(self, text: str, start: int, end: int) -> int:
        """Leftmost p in [start, end - length] where the segment matches, or -1."""
        last = end - self.length
        if not self.anchor:
            return start if start <= last else -1
        probe = start + self.anchor_offset
        while probe <= last + self.anchor_offset:
            hit = text.find(self.anchor, probe, last + self.anchor_offset + len(self.anchor))
            if hit < 0:
                return -1
            if self.matches_at(text, hit - self.anchor_offset):
                return hit - self.anchor_offset
            probe = hit + 1
        return -1


def _make_seg(items: list[str | None]) -> _Seg:
    anchor, offset, pos = "", 0, 0
    for item in items:
        if item is None:
            pos += 1
            continue
        if len(item) > len(anchor):
            anchor, offset = item, pos
        pos += len(item)
    return _Seg(tuple(items), pos, anchor, offset)


@dataclass(frozen=True, slots=True)
class Pattern:
    """A compiled glob. `literal` is set when the pattern has no wildcard at all."""

    source: str
    literal: str | None
    head: _Seg
    middle: tuple[_Seg, ...]
    tail: _Seg | None  # None when the pattern has no `*`
    fold_case: bool

    @property
    def matches_everything(self) -> bool:
        return self.tail is not None and not self.head.items and not self.middle and not self.tail.items

    def matches(self, text: str) -> bool:
        if self.fold_case:
            text = text.lower()
        if self.literal is not None:
            return text == self.literal
        head = self.head
        if self.tail is None:
            return len(text) == head.length and head.matches_at(text, 0)
        end = len(text) - self.tail.length
        if end < head.length or not head.matches_at(text, 0) or not self.tail.matches_at(text, end):
            return False
        pos = head.length
        for seg in self.middle:
            found = seg.find(text, pos, end)
            if found < 0:
                return False
            pos = found + seg.length
        return True


def _append_literal(items: list[str | None], text: str) -> None:
    if not text:
        return
    if items and isinstance(items[-1], str):
        items[-1] += text
    else:
        items.append(text)


def _split_wild(text: str, segments: list[list[str | None]]) -> None:
    start = 0
    for i, ch in enumerate(text):
        if ch != "*" and ch != "?":
            continue
        _append_literal(segments[-1], text[start:i])
        if ch == "*":
            segments.append([])
        else:
            segments[-1].append(ANY_ONE)
        start = i + 1
    _append_literal(segments[-1], text[start:])


def compile_pieces(pieces: Iterable[Piece], *, fold_case: bool = False) -> Pattern:
    """Compile pattern pieces; only `wild` pieces contribute wildcards."""
    segments: list[list[str | None]] = [[]]
    source: list[str] = []
    for text, wild in pieces:
        text = text.lower() if fold_case else text
        source.append(text)
        if wild:
            _split_wild(text, segments)
        else:
            _append_literal(segments[-1], text)
    compiled = [_make_seg(seg) for seg in segments]
    literal = None
    if len(segments) == 1 and all(isinstance(item, str) for item in segments[0]):
        literal = "".join(str(item) for item in segments[0])
    tail = compiled[-1] if len(compiled) > 1 else None
    middle = tuple(compiled[1:-1])
    return Pattern("".join(source), literal, compiled[0], middle, tail, fold_case)


def compile_glob(text: str, *, fold_case: bool = False) -> Pattern:
    """Compile a policy glob where every `*` and `?` is a wildcard."""
    return compile_pieces([(text, True)], fold_case=fold_case)


@dataclass(frozen=True, slots=True)
class PatternSet:
    """A list of globs (an Action or Resource list) answering "does any match?" quickly."""

    literals: frozenset[str]
    patterns: tuple[Pattern, ...]
    everything: bool
    fold_case: bool

    @classmethod
    def of(cls, texts: Sequence[str], *, fold_case: bool = False) -> PatternSet:
        return cls.of_patterns([compile_glob(t, fold_case=fold_case) for t in texts], fold_case=fold_case)

    @classmethod
    def of_patterns(cls, compiled: Sequence[Pattern], *, fold_case: bool = False) -> PatternSet:
        literals = frozenset(p.literal for p in compiled if p.literal is not None)
        wild = tuple(p for p in compiled if p.literal is None)
        everything = any(p.matches_everything for p in wild)
        return cls(literals, wild, everything, fold_case)

    def matches(self, text: str) -> bool:
        if self.everything:
            return True
        if self.fold_case:
            text = text.lower()
        return text in self.literals or any(p.matches(text) for p in self.patterns)


@dataclass(frozen=True, slots=True)
class ArnPattern:
    """ARN operators compare the six colon-separated ARN components separately
    (IAM User Guide, "Condition operators" > ARN): a `*` never spans a colon, except in the
    last component, which takes the rest of the ARN."""

    components: tuple[Pattern, ...]

    def matches(self, arn: str) -> bool:
        parts = arn.split(":", len(self.components) - 1)
        if len(parts) != len(self.components):
            return False
        return all(c.matches(p) for c, p in zip(self.components, parts, strict=True))


def compile_arn_pieces(pieces: Iterable[Piece]) -> ArnPattern:
    """Split the pattern into at most six components on the policy's own colons; colons
    inside literal pieces (substituted values) never start a new component."""
    components: list[list[Piece]] = [[]]
    for text, wild in pieces:
        if not wild:
            components[-1].append((text, False))
            continue
        chunks = text.split(":")
        for i, chunk in enumerate(chunks):
            if i and len(components) < 6:
                components.append([])
            elif i:
                components[-1].append((":", False))
            components[-1].append((chunk, True))
    return ArnPattern(tuple(compile_pieces(c) for c in components))
