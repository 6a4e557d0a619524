"""Properties of evaluation over generated policies and requests (A03 in docs/SECURITY.md):
adding an Allow never removes access, adding a Deny never adds access, statement and policy order
do not matter, session policies only narrow, and a substituted value containing `*` or `?`
matches only itself."""

from __future__ import annotations

import json
from functools import lru_cache
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from idpool.policy import Decision, PolicyDocument, Request, evaluate, parse_policy

ACTIONS = ["s3:GetObject", "s3:PutObject", "iam:CreateUser", "sts:AssumeRole"]
ACTION_PATTERNS = ["s3:*", "s3:Get*", "*", "iam:*", "s3:?etObject", "S3:PUTOBJECT", "sts:AssumeRole"]
RESOURCES = ["arn:aws:s3:::b/a", "arn:aws:s3:::b/x/y", "arn:aws:s3:::c/a", "arn:aws:s3:::b/a*"]
RESOURCE_PATTERNS = [
    "*", "arn:aws:s3:::b/*", "arn:aws:s3:::?/a", "arn:aws:s3:::c/a",
    "arn:aws:s3:::b/${aws:username}", "arn:aws:s3:::*/${aws:username, 'x'}",
]
CONDITIONS: list[dict[str, Any]] = [
    {}, {"StringEquals": {"aws:username": "a"}}, {"StringNotEquals": {"aws:username": ["a", "b"]}},
    {"ForAnyValue:StringLike": {"k:tags": "t*"}}, {"ForAllValues:StringEquals": {"k:tags": ["t1", "t2"]}},
    {"NumericLessThan": {"k:n": 5}}, {"Null": {"k:n": "true"}}, {"BoolIfExists": {"aws:SecureTransport": "true"}},
    {"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}}, {"StringLike": {"k:path": "${aws:username}/*"}},
    {"NotIpAddress": {"aws:SourceIp": "10.0.0.0/8"}, "StringEqualsIfExists": {"k:path": "a/b"}},
]
CONTEXT_CHOICES: dict[str, list[Any]] = {
    "aws:username": ["a", "b", "a*", "*"],
    "k:tags": [[], ["t1"], ["t1", "x"]],
    "k:n": [3, 7, "x"],
    "aws:SecureTransport": [True, False],
    "aws:SourceIp": ["10.1.1.1", "192.168.1.1"],
    "k:path": ["a/b", "b/c", "*/b"],
}


def _element(draw: st.DrawFn, name: str, choices: list[str]) -> dict[str, Any]:
    values = draw(st.lists(st.sampled_from(choices), min_size=1, max_size=3))
    negated = draw(st.booleans())
    return {f"Not{name}" if negated else name: values}


@st.composite
def statements(draw: st.DrawFn, effect: str | None = None) -> dict[str, Any]:
    statement: dict[str, Any] = {"Effect": effect or draw(st.sampled_from(["Allow", "Deny"]))}
    statement.update(_element(draw, "Action", ACTION_PATTERNS))
    statement.update(_element(draw, "Resource", RESOURCE_PATTERNS))
    condition = draw(st.sampled_from(CONDITIONS))
    if condition:
        statement["Condition"] = condition
    return statement


@st.composite
def requests(draw: st.DrawFn) -> Request:
    context = {
        key: draw(st.sampled_from(values))
        for key, values in CONTEXT_CHOICES.items()
        if draw(st.booleans())
    }
    return Request(draw(st.sampled_from(ACTIONS)), draw(st.sampled_from(RESOURCES)), context)


policy_bodies = st.lists(statements(), min_size=1, max_size=4)
policy_sets = st.lists(policy_bodies, min_size=0, max_size=3)


@lru_cache(maxsize=4096)
def _parse_text(text: str, kind: str) -> PolicyDocument:
    return parse_policy(text, kind)  # type: ignore[arg-type]


def _parse(body: list[dict[str, Any]], kind: str = "identity") -> PolicyDocument:
    return _parse_text(json.dumps({"Version": "2012-10-17", "Statement": body}), kind)


def _decide(request: Request, bodies: list[list[dict[str, Any]]]) -> Decision:
    return evaluate(request, [(f"p{i}", _parse(body)) for i, body in enumerate(bodies)])


@pytest.mark.catalogue("A03")
@settings(max_examples=500, deadline=None)
@given(requests(), policy_sets, statements(effect="Allow"), st.booleans())
def test_adding_an_allow_never_removes_access(request: Request, bodies: Any, allow: Any, separate: bool) -> None:
    before = _decide(request, bodies)
    after = _decide(request, bodies + [[allow]] if separate or not bodies else [bodies[0] + [allow]] + bodies[1:])
    if before.effect == "ExplicitDeny":
        assert after.effect == "ExplicitDeny"
    if before.allowed:
        assert after.allowed


@pytest.mark.catalogue("A03")
@settings(max_examples=500, deadline=None)
@given(requests(), policy_sets, statements(effect="Deny"), st.booleans())
def test_adding_a_deny_never_adds_access(request: Request, bodies: Any, deny: Any, separate: bool) -> None:
    before = _decide(request, bodies)
    after = _decide(request, bodies + [[deny]] if separate or not bodies else [[deny] + bodies[0]] + bodies[1:])
    if after.allowed:
        assert before.allowed
    if before.effect == "ExplicitDeny":
        assert after.effect == "ExplicitDeny"


@pytest.mark.catalogue("A03")
@settings(max_examples=500, deadline=None)
@given(requests(), policy_sets, st.randoms(use_true_random=False))
def test_statement_and_policy_order_do_not_matter(request: Request, bodies: Any, random: Any) -> None:
    shuffled = [random.sample(body, len(body)) for body in bodies]
    random.shuffle(shuffled)
    assert _decide(request, shuffled).effect == _decide(request, bodies).effect


@pytest.mark.catalogue("A03")
@settings(max_examples=300, deadline=None)
@given(requests(), policy_sets, st.lists(policy_bodies, min_size=1, max_size=2))
def test_session_policies_only_narrow(request: Request, bodies: Any, sessions: Any) -> None:
    identity = [(f"p{i}", _parse(b)) for i, b in enumerate(bodies)]
    session = [(f"s{i}", _parse(b, "session")) for i, b in enumerate(sessions)]
    both = evaluate(request, identity, session)
    assert both.allowed == (evaluate(request, identity).allowed and evaluate(request, session).allowed)


names = st.text(alphabet="ab*?$.+{}[]()\\^|", min_size=1, max_size=8)


@pytest.mark.catalogue("A03")
@settings(max_examples=1000, deadline=None)
@given(names, names)
def test_substituted_values_match_only_literally(username: str, other: str) -> None:
    document = parse_policy(json.dumps({"Version": "2012-10-17", "Statement": [
        {"Sid": "Res", "Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/${aws:username}/*"},
        {"Sid": "Like", "Effect": "Allow", "Action": "s3:ListBucket", "Resource": "*",
         "Condition": {"StringLike": {"s3:prefix": "${aws:username}"}}},
        {"Sid": "Arn", "Effect": "Allow", "Action": "sns:Publish", "Resource": "*",
         "Condition": {"ArnLike": {"aws:SourceArn": "arn:aws:sqs:*:*:${aws:username}"}}},
    ]}), "identity")
    context = {"aws:username": username}
    same = username == other
    get = Request("s3:GetObject", f"arn:aws:s3:::b/{other}/k", context)
    listing = Request("s3:ListBucket", "arn:aws:s3:::b", {**context, "s3:prefix": other})
    publish = Request("sns:Publish", None, {**context, "aws:SourceArn": f"arn:aws:sqs:us-east-1:1:{other}"})
    assert evaluate(get, [("p", document)]).allowed == same
    assert evaluate(listing, [("p", document)]).allowed == same
    assert evaluate(publish, [("p", document)]).allowed == same
