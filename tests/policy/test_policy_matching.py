"""The glob matcher against a slow reference, and its behaviour on hostile patterns."""

from __future__ import annotations

from functools import cache

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from idpool.policy.matching import PatternSet, compile_arn_pieces, compile_glob, compile_pieces

STAR, ANY = "\x00star", "\x00any"


def reference_match(tokens: tuple[str, ...], text: str) -> bool:
    """Textbook recursive glob over tokens (a literal character, STAR or ANY): slow but obvious."""

    @cache
    def match(i: int, j: int) -> bool:
        if i == len(tokens):
            return j == len(text)
        token = tokens[i]
        if token == STAR:
            return match(i + 1, j) or (j < len(text) and match(i, j + 1))
        if j == len(text):
            return False
        return (token == ANY or token == text[j]) and match(i + 1, j + 1)

    return match(0, 0)


def tokens_of(pieces: list[tuple[str, bool]]) -> tuple[str, ...]:
    out: list[str] = []
    for text, wild in pieces:
        for ch in text:
            out.append(STAR if wild and ch == "*" else ANY if wild and ch == "?" else ch)
    return tuple(out)


patterns = st.text(alphabet="ab*?:", max_size=12)
subjects = st.text(alphabet="ab:*?", max_size=16)
pieces = st.lists(st.tuples(st.text(alphabet="ab*?", max_size=4), st.booleans()), max_size=5)


@settings(max_examples=1000, deadline=None)
@given(patterns, subjects)
def test_glob_agrees_with_reference(pattern: str, subject: str) -> None:
    assert compile_glob(pattern).matches(subject) == reference_match(tokens_of([(pattern, True)]), subject)


@pytest.mark.catalogue("A03")
@settings(max_examples=1000, deadline=None)
@given(pieces, subjects)
def test_literal_pieces_never_act_as_wildcards(parts: list[tuple[str, bool]], subject: str) -> None:
    assert compile_pieces(parts).matches(subject) == reference_match(tokens_of(parts), subject)


@settings(max_examples=500, deadline=None)
@given(patterns, subjects)
def test_fold_case_matches_lowered(pattern: str, subject: str) -> None:
    folded = compile_glob(pattern.upper(), fold_case=True)
    assert folded.matches(subject.upper()) == compile_glob(pattern).matches(subject)


def _arn_reference(pattern: str, value: str) -> bool:
    pattern_parts = pattern.split(":", 5)
    value_parts = value.split(":", len(pattern_parts) - 1)
    if len(value_parts) != len(pattern_parts):
        return False
    return all(reference_match(tokens_of([(p, True)]), v) for p, v in zip(pattern_parts, value_parts, strict=True))


@settings(max_examples=1000, deadline=None)
@given(st.text(alphabet="ab*?:", max_size=16), st.text(alphabet="ab:", max_size=16))
def test_arn_components_agree_with_reference(pattern: str, value: str) -> None:
    assert compile_arn_pieces([(pattern, True)]).matches(value) == _arn_reference(pattern, value)


def test_star_alone_matches_everything() -> None:
    pattern = compile_glob("*")
    assert pattern.matches_everything
    assert all(pattern.matches(s) for s in ["", "*", "arn:aws:s3:::b/k", "\n"])


def test_pattern_without_wildcards_is_a_literal() -> None:
    pattern = compile_glob("arn:aws:s3:::b/k")
    assert pattern.literal == "arn:aws:s3:::b/k"
    assert pattern.matches("arn:aws:s3:::b/k") and not pattern.matches("arn:aws:s3:::b/kk")


def test_pattern_set_literals_and_globs() -> None:
    actions = PatternSet.of(["s3:GetObject", "iam:*AccessKey*"], fold_case=True)
    assert actions.matches("S3:GETOBJECT")
    assert actions.matches("iam:UpdateAccessKey")
    assert not actions.matches("s3:PutObject")
    assert not actions.everything
    assert PatternSet.of(["s3:Get*", "*"]).everything


@pytest.mark.catalogue("R06")
def test_hostile_patterns_finish_on_long_input() -> None:
    # `*a*a*...*b` against many a's is exponential for a backtracking matcher (R06). With
    # leftmost segment placement it is one scan per segment; 200 segments over 100 000
    # characters must simply answer (a runaway would hit the suite's timeout, not this assert).
    pattern = compile_glob("*a" * 200 + "*b")
    assert not pattern.matches("a" * 100_000)
    assert pattern.matches("a" * 100_000 + "b")
    question = compile_glob("*" + "?a" * 100 + "*c")
    assert not question.matches("ba" * 50_000)
