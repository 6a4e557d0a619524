"""Table-driven evaluation: every case in tests/policy/cases/*.json (except parse.json)."""

from __future__ import annotations

from typing import Any

import pytest

from idpool.policy import Request, evaluate, evaluate_trust, parse_policy

from .casefiles import context, load, named_policies

EVALUATION_CASES = [p for p in load("*.json") if not p.id.startswith("parse:")]


def _request(raw: dict[str, Any]) -> Request:
    return Request(
        action=raw["action"],
        resource=raw.get("resource"),
        context=context(raw.get("context", {})),
        principal=raw.get("principal"),
    )


def _decide(case: dict[str, Any]) -> Any:
    shared = case["_shared"]
    request = _request(case["request"])
    if "trust" in case:
        spec = case["trust"]
        name, text = named_policies([spec] if isinstance(spec, str) else {"trust": spec}, shared)[0]
        return evaluate_trust(request, parse_policy(text, "trust"), name)
    policies = [(n, parse_policy(t, "identity")) for n, t in named_policies(case.get("policies"), shared)]
    sessions = [(n, parse_policy(t, "session")) for n, t in named_policies(case.get("session_policies"), shared)]
    return evaluate(request, policies, sessions)


@pytest.mark.catalogue("A02")
@pytest.mark.parametrize("case", EVALUATION_CASES)
def test_case(case: dict[str, Any]) -> None:
    decision = _decide(case)
    assert decision.effect == case["expect"], decision.reason
    assert decision.allowed == (case["expect"] == "Allow")
    if "statement" in case:
        assert decision.statement == case["statement"], decision.reason
    if "policy" in case:
        assert decision.policy == case["policy"], decision.reason
    if "reason_contains" in case:
        assert case["reason_contains"] in decision.reason


def test_there_are_many_cases() -> None:
    # A guard against a glob or loader mistake silently dropping case files.
    assert len(EVALUATION_CASES) >= 150
