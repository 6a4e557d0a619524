"""parse_policy: the table in cases/parse.json, plus what a parsed document looks like."""

from __future__ import annotations

import json
from typing import Any

import pytest

from idpool.errors import MalformedPolicyDocument
from idpool.policy import PolicyDocument, Request, Statement, evaluate, parse_policy
from idpool.policy.document import COGNITO_AUD_REQUIRED

from .casefiles import load, policy_text

PARSE_CASES = load("parse.json")


def _text(case: dict[str, Any]) -> str:
    return case["text"] if "text" in case else policy_text(case["policy"])


@pytest.mark.parametrize("case", PARSE_CASES)
def test_parse_case(case: dict[str, Any]) -> None:
    text = _text(case)
    if case.get("accepted"):
        document = parse_policy(text, case["kind"])
        assert document.text == text
        assert document.statements
        return
    with pytest.raises(MalformedPolicyDocument) as raised:
        parse_policy(text, case["kind"])
    if "error" in case:
        assert raised.value.message == case["error"]
    if "error_contains" in case:
        assert case["error_contains"] in raised.value.message
    if "detail_contains" in case:
        assert raised.value.detail is not None and case["detail_contains"] in raised.value.detail


def test_every_rule_has_a_case() -> None:
    messages = {c.values[0].get("error") for c in PARSE_CASES}
    assert len(PARSE_CASES) >= 60
    assert len(messages) >= 20


def test_normalized_statement_fields() -> None:
    text = json.dumps({"Version": "2012-10-17", "Statement": [{
        "Sid": "S", "Effect": "Allow", "Principal": "*", "Action": "sts:AssumeRole",
        "Condition": {"StringEquals": {"aws:PrincipalTag/a": ["x", "y"]}, "Bool": {"aws:SecureTransport": True},
                      "NumericLessThan": {"s3:max-keys": 2.50}},
    }]})
    document = parse_policy(text, "trust")
    assert isinstance(document, PolicyDocument)
    assert document.version == "2012-10-17"
    assert document.text == text
    (statement,) = document.statements
    assert statement == Statement(
        sid="S", effect="Allow", principal={"AWS": ("*",)}, actions=("sts:AssumeRole",),
        conditions=(
            ("StringEquals", "aws:PrincipalTag/a", ("x", "y")),
            ("Bool", "aws:SecureTransport", ("true",)),
            ("NumericLessThan", "s3:max-keys", ("2.5",)),
        ),
    )


def test_principal_values_become_tuples() -> None:
    text = json.dumps({"Version": "2012-10-17", "Statement": {"Effect": "Deny", "NotPrincipal": {
        "AWS": ["123456789012", "arn:aws:iam::123456789012:role/r"], "Service": "ec2.amazonaws.com"},
        "NotAction": "sts:TagSession"}})
    (statement,) = parse_policy(text, "trust").statements
    assert statement.principal is None
    assert statement.not_principal == {
        "AWS": ("123456789012", "arn:aws:iam::123456789012:role/r"), "Service": ("ec2.amazonaws.com",)}
    assert statement.actions is None and statement.not_actions == ("sts:TagSession",)
    assert statement.resources is None and statement.not_resources is None


def test_missing_version_is_2008() -> None:
    document = parse_policy('{"Statement": {"Effect": "Deny", "Action": "s3:*", "NotResource": "*"}}', "identity")
    assert document.version == "2008-10-17"
    assert document.statements[0].not_resources == ("*",)


@pytest.mark.catalogue("R06")
def test_deep_nesting_is_malformed_not_a_crash() -> None:
    text = '{"Version": "2012-10-17", "Statement": ' + "[" * 100_000 + "]" * 100_000 + "}"
    with pytest.raises(MalformedPolicyDocument) as raised:
        parse_policy(text, "identity")
    assert raised.value.message == "Syntax errors in policy."
    with pytest.raises(MalformedPolicyDocument) as raised:
        parse_policy(text, "trust")
    assert raised.value.message == "This policy contains invalid Json"


@pytest.mark.catalogue("R06")
def test_huge_integer_is_malformed_not_a_crash() -> None:
    text = '{"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Action": "s3:*", "Resource": "*", ' \
        '"Condition": {"NumericLessThan": {"s3:max-keys": ' + "9" * 5000 + "}}}}"
    with pytest.raises(MalformedPolicyDocument):
        parse_policy(text, "identity")


def test_cognito_message_names_the_key() -> None:
    assert "cognito-identity.amazonaws.com:aud" in COGNITO_AUD_REQUIRED


def test_messages_do_not_echo_condition_values() -> None:
    # Errors go on the wire; a value the caller put in a condition stays out of the message.
    text = json.dumps({"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Action": "s3:*", "Resource": "*",
                       "Condition": {"DateLessThan": {"aws:CurrentTime": "s3cr3t-value"}}}})
    with pytest.raises(MalformedPolicyDocument) as raised:
        parse_policy(text, "identity")
    assert "s3cr3t-value" not in raised.value.message


def test_short_resource_arns_are_padded_for_evaluation() -> None:
    # IAM reads arn:aws:dynamodb as arn:aws:dynamodb:*:*:*, so it covers every DynamoDB resource.
    document = parse_policy(json.dumps({"Version": "2012-10-17", "Statement": {
        "Effect": "Allow", "Action": "dynamodb:*", "Resource": ["arn:aws:dynamodb", None]}}), "identity")
    assert document.statements[0].resources == ("arn:aws:dynamodb:*:*:*",)
    request = Request(action="dynamodb:GetItem", resource="arn:aws:dynamodb:eu-west-1:111122223333:table/T")
    assert evaluate(request, [("p", document)]).allowed
    assert not evaluate(Request(action="dynamodb:GetItem", resource="arn:aws:s3:::b"), [("p", document)]).allowed


def test_an_empty_unknown_operator_adds_no_condition() -> None:
    document = parse_policy(json.dumps({"Version": "2012-10-17", "Statement": {
        "Effect": "Allow", "Action": "s3:GetObject", "Resource": "*", "Condition": {"Anything": {}}}}), "identity")
    assert document.statements[0].conditions == ()


def test_a_stored_policy_is_not_refused_for_rules_added_since() -> None:
    # Older idpool accepted these; a role that kept them must still be evaluated, not fail.
    text = json.dumps({"Version": "2012-10-17", "Statement": {
        "Effect": "Allow", "Action": "s3:GetObject", "Resource": ["arn:aws:s3:eu-west-1::b/*", "arn:aws::::x"]}})
    with pytest.raises(MalformedPolicyDocument):
        parse_policy(text, "identity")
    assert parse_policy(text, "identity", stored=True).statements[0].actions == ("s3:GetObject",)
