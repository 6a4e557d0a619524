"""evaluate / evaluate_trust as an API: Decision fields, explanations, request normalization,
and that evaluation works from the compiled document alone."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest

from idpool.policy import Decision, PolicyDocument, Request, Statement, evaluate, evaluate_trust, parse_policy

COGNITO_TRUST = json.dumps({"Version": "2012-10-17", "Statement": [{
    "Effect": "Allow", "Principal": {"Federated": "cognito-identity.amazonaws.com"},
    "Action": "sts:AssumeRoleWithWebIdentity",
    "Condition": {"StringEquals": {"cognito-identity.amazonaws.com:aud": "us-east-1:aaaaaaaa-0000-4000-8000-00000000000a"},
                  "ForAnyValue:StringLike": {"cognito-identity.amazonaws.com:amr": "authenticated"}}}]})


def _identity(*statements: dict[str, Any]) -> PolicyDocument:
    return parse_policy(json.dumps({"Version": "2012-10-17", "Statement": list(statements)}), "identity")


def test_decision_allowed_property() -> None:
    assert Decision("Allow", "p", "s", "r").allowed
    assert not Decision("ExplicitDeny", "p", "s", "r").allowed
    assert not Decision("ImplicitDeny", None, None, "r").allowed


def test_allow_names_policy_and_statement() -> None:
    policy = _identity({"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"})
    decision = evaluate(Request("s3:GetObject", "arn:aws:s3:::b/k"), [("reader", policy)])
    assert decision == Decision(
        "Allow", "reader", "Statement[0]", "s3:GetObject on arn:aws:s3:::b/k is allowed by Statement[0] of policy 'reader'.",
        "identity")


def test_implicit_deny_explains_the_failed_condition() -> None:
    policy = _identity({"Sid": "Tls", "Effect": "Allow", "Action": "s3:*", "Resource": "*",
                        "Condition": {"Bool": {"aws:SecureTransport": "true"}, "NumericLessThan": {"s3:max-keys": 10}}})
    decision = evaluate(Request("s3:ListBucket", "arn:aws:s3:::b", {"aws:SecureTransport": True, "s3:max-keys": 50}),
                        [("p", policy)])
    assert decision.effect == "ImplicitDeny"
    assert decision.policy is None and decision.statement is None
    assert "Tls of policy 'p'" in decision.reason
    assert "NumericLessThan on s3:max-keys" in decision.reason
    assert "50" in decision.reason


def test_condition_explanation_is_preferred_over_resource_mismatch() -> None:
    policy = _identity(
        {"Sid": "Other", "Effect": "Allow", "Action": "s3:*", "Resource": "arn:aws:s3:::other/*"},
        {"Sid": "Cond", "Effect": "Allow", "Action": "s3:*", "Resource": "*",
         "Condition": {"StringEquals": {"aws:PrincipalTag/team": "red"}}})
    decision = evaluate(Request("s3:GetObject", "arn:aws:s3:::b/k"), [("p", policy)])
    assert "Cond of policy 'p'" in decision.reason and "not in the request" in decision.reason


def test_explanations_truncate_long_values() -> None:
    policy = _identity({"Effect": "Allow", "Action": "s3:*", "Resource": "*",
                        "Condition": {"StringEquals": {"s3:prefix": "a"}}})
    decision = evaluate(Request("s3:ListBucket", "*", {"s3:prefix": "x" * 10_000}), [("p", policy)])
    assert len(decision.reason) < 600


def test_context_keys_are_case_insensitive_and_none_is_absent() -> None:
    policy = _identity({"Effect": "Allow", "Action": "s3:*", "Resource": "*",
                        "Condition": {"StringEquals": {"aws:PrincipalTag/Team": "red"}, "Null": {"aws:TokenIssueTime": "true"}}})
    allowed = Request("s3:GetObject", "*", {"AWS:PRINCIPALTAG/TEAM": "red", "aws:tokenissuetime": None})
    assert evaluate(allowed, [("p", policy)]).allowed


def test_datetime_context_values_compare_as_instants() -> None:
    policy = _identity({"Effect": "Allow", "Action": "s3:*", "Resource": "*",
                        "Condition": {"DateLessThan": {"aws:CurrentTime": "2030-01-01T00:00:00Z"}}})
    one_am_utc = datetime(2029, 12, 31, 23, 0, tzinfo=timezone(timedelta(hours=-2)))  # 2030-01-01T01:00Z
    naive_utc = datetime(2029, 12, 31, 23, 59, 59)
    assert not evaluate(Request("s3:GetObject", "*", {"aws:CurrentTime": one_am_utc}), [("p", policy)]).allowed
    assert evaluate(Request("s3:GetObject", "*", {"aws:CurrentTime": naive_utc}), [("p", policy)]).allowed


def test_datetime_context_value_as_a_policy_variable() -> None:
    policy = _identity({"Effect": "Allow", "Action": "s3:*", "Resource": "arn:aws:s3:::logs/${aws:CurrentTime}"})
    request = Request("s3:GetObject", "arn:aws:s3:::logs/2024-05-06T07:08:09Z",
                      {"aws:CurrentTime": datetime(2024, 5, 6, 7, 8, 9, tzinfo=UTC)})
    assert evaluate(request, [("p", policy)]).allowed


def test_evaluate_trust_default_name_and_reason() -> None:
    trust = parse_policy(COGNITO_TRUST, "trust")
    request = Request("sts:AssumeRoleWithWebIdentity", None,
                      {"cognito-identity.amazonaws.com:aud": "us-east-1:aaaaaaaa-0000-4000-8000-00000000000a",
                       "cognito-identity.amazonaws.com:amr": ["unauthenticated"]},
                      principal={"Federated": "cognito-identity.amazonaws.com"})
    decision = evaluate_trust(request, trust)
    assert decision.effect == "ImplicitDeny"
    assert "trust policy 'trust'" in decision.reason
    assert "Federated:cognito-identity.amazonaws.com" in decision.reason
    assert "ForAnyValue:StringLike on cognito-identity.amazonaws.com:amr" in decision.reason
    allowed = Request(request.action, None, {**request.context, "cognito-identity.amazonaws.com:amr": ["authenticated"]},
                      principal=request.principal)
    assert evaluate_trust(allowed, trust, "role/web").policy == "role/web"


def test_identity_evaluation_ignores_the_caller_principal() -> None:
    policy = _identity({"Effect": "Allow", "Action": "s3:*", "Resource": "*"})
    request = Request("s3:GetObject", "*", principal={"AWS": "arn:aws:iam::123456789012:user/a"})
    assert evaluate(request, [("p", policy)]).allowed


def test_evaluation_needs_no_json_parsing(monkeypatch: pytest.MonkeyPatch) -> None:
    """Parse once, evaluate from the compiled statements: JSON is never touched again."""
    policy = parse_policy(json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/${aws:username}/*",
         "Condition": {"StringLike": {"s3:prefix": "${aws:username}/*"}, "IpAddress": {"aws:SourceIp": "10.0.0.0/8"}}}]}),
        "identity")

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("evaluation parsed JSON")

    monkeypatch.setattr(json, "loads", refuse)
    request = Request("s3:GetObject", "arn:aws:s3:::b/amy/k",
                      {"aws:username": "amy", "s3:prefix": "amy/x", "aws:SourceIp": "10.0.0.1"})
    assert evaluate(request, [("p", policy)]).allowed


def test_documents_can_be_built_from_statements() -> None:
    statement = Statement(sid=None, effect="Allow", actions=("s3:Get*",), resources=("arn:aws:s3:::b/${aws:username}",),
                          conditions=(("StringEquals", "aws:PrincipalTag/team", ("red",)),))
    modern = PolicyDocument("2012-10-17", (statement,), "")
    legacy = PolicyDocument("2008-10-17", (statement,), "")
    request = Request("s3:GetObject", "arn:aws:s3:::b/amy", {"aws:username": "amy", "aws:PrincipalTag/team": "red"})
    assert evaluate(request, [("m", modern)]).allowed
    assert not evaluate(request, [("l", legacy)]).allowed  # no variables before 2012-10-17


def test_documents_compare_by_content() -> None:
    text = json.dumps({"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Action": "s3:*", "Resource": "*"}})
    assert parse_policy(text, "identity") == parse_policy(text, "session")


# --- permissions boundaries and session policies: IAM User Guide, "Policy evaluation logic" ----------
EVERYTHING = _identity({"Effect": "Allow", "Action": "*", "Resource": "*"})
S3_ONLY = _identity({"Effect": "Allow", "Action": "s3:*", "Resource": "*"})
NO_DELETE = _identity({"Sid": "NoDelete", "Effect": "Deny", "Action": "s3:Delete*", "Resource": "*"})


def test_a_boundary_limits_but_never_grants() -> None:
    get = Request("s3:GetObject", "arn:aws:s3:::b/k")
    assert evaluate(get, [("admin", EVERYTHING)], boundary=[("s3-only", S3_ONLY)]).allowed
    denied = evaluate(Request("iam:CreateUser", "*"), [("admin", EVERYTHING)], boundary=[("s3-only", S3_ONLY)])
    assert (denied.effect, denied.layer) == ("ImplicitDeny", "boundary")
    assert "permissions boundary policies ('s3-only')" in denied.reason
    nothing = evaluate(get, [], boundary=[("s3-only", S3_ONLY)])  # the boundary alone grants nothing
    assert (nothing.effect, nothing.layer) == ("ImplicitDeny", "identity")


def test_an_explicit_deny_in_any_layer_denies() -> None:
    delete = Request("s3:DeleteObject", "arn:aws:s3:::b/k")
    for kwargs in ({"boundary": [("b", NO_DELETE)]}, {"session_policies": [("s", NO_DELETE)]}):
        decision = evaluate(delete, [("admin", EVERYTHING)], **kwargs)  # type: ignore[arg-type]
        assert decision.effect == "ExplicitDeny" and decision.statement == "NoDelete"
    layers = {evaluate(delete, [("admin", EVERYTHING)], **kw).layer  # type: ignore[arg-type]
              for kw in ({"boundary": [("b", NO_DELETE)]}, {"session_policies": [("s", NO_DELETE)]})}
    assert layers == {"boundary", "session"}


def test_all_three_layers_must_allow() -> None:
    get = Request("s3:GetObject", "arn:aws:s3:::b/k")
    allowed = evaluate(get, [("admin", EVERYTHING)], [("sess", S3_ONLY)], [("bound", S3_ONLY)])
    assert allowed.allowed and "permissions boundary policy 'bound'" in allowed.reason
    session_says_no = evaluate(Request("sqs:SendMessage", "*"), [("admin", EVERYTHING)],
                               [("sess", S3_ONLY)], [("bound", EVERYTHING)])
    assert (session_says_no.effect, session_says_no.layer) == ("ImplicitDeny", "session")


def test_root_identity_layer_allows_everything_but_sessions_still_limit() -> None:
    assert evaluate(Request("iam:CreateUser", "*"), [], identity_allows_all=True).allowed
    limited = evaluate(Request("iam:CreateUser", "*"), [], [("sess", S3_ONLY)], identity_allows_all=True)
    assert (limited.effect, limited.layer) == ("ImplicitDeny", "session")
