"""Where a statement sits in a policy's text: the simulator's StartPosition / EndPosition."""

from __future__ import annotations

from idpool.iam.simulate import statement_span


def test_statements_in_a_list_and_alone() -> None:
    text = '{"Version":"2012-10-17","Statement":[{"Sid":"A","Effect":"Allow"},\n  {"Sid":"B}{","Effect":"Deny"}]}'
    assert statement_span(text, 0) == ((1, 38), (1, 66))
    assert statement_span(text, 1) == ((2, 3), (2, 32))  # braces inside strings are text
    alone = '{\n "Statement": {"Effect": "Allow"},\n "Version": "2012-10-17"\n}'
    assert statement_span(alone, 0) == ((2, 15), (2, 34))
    assert statement_span(alone, 1) == ((1, 1), (1, 1))  # no such statement
