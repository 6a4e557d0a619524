"""How the console reads its forms and points at the problem in a refused policy (pure functions)."""

from __future__ import annotations

import re

import pytest

from idpool.web.console import forms
from idpool.web.console.client import ConsoleError

MALFORMED = ConsoleError("MalformedPolicyDocument", "This policy contains invalid Json", 400)


def test_a_json_syntax_error_is_located_by_line_and_column() -> None:
    text = '{\n  "Version": "2012-10-17",\n  "Statement": [}\n}'
    problem = forms.policy_problem(MALFORMED, text)
    assert problem.where == "Line 3, column 17"
    assert problem.excerpt == '  "Statement": [}'
    assert problem.caret == " " * 16 + "^"  # under the character the parser stopped at
    assert problem.message.startswith("This policy contains invalid Json: Expecting value")


def test_a_valid_json_refused_by_iam_keeps_the_apis_account() -> None:
    refused = ConsoleError("MalformedPolicyDocument", "Missing required field Principal", 400,
                           detail="Statement[0] names no Principal")
    problem = forms.policy_problem(refused, '{"Version": "2012-10-17", "Statement": [{}]}')
    assert problem.where is None and problem.excerpt is None
    assert problem.message == "Missing required field Principal (Statement[0] names no Principal)"


def test_key_value_lines() -> None:
    assert forms.pairs("a=1\n\n b = two words \nc=", "Tags") == {"a": "1", "b": "two words", "c": ""}
    with pytest.raises(ConsoleError, match=re.escape("Tags, line 2: write each entry as key=value.")):
        forms.pairs("a=1\nnothing", "Tags")
    with pytest.raises(ConsoleError, match=re.escape("Tags, line 2: 'a' is given twice.")):
        forms.pairs("a=1\na=2", "Tags")
    assert forms.pairs_text({"a": "1", "b": "2"}) == "a=1\nb=2"


@pytest.mark.parametrize("text, expected", [("3", 3), ("99", 10), ("", 0), ("-1", 0), ("1e3", 0), ("٣", 0), ("9" * 5000, 0)])
def test_a_row_count_from_a_form_is_bounded(text: str, expected: int) -> None:
    assert forms.count(text, 10) == expected
