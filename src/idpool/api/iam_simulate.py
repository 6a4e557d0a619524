"""IAM's SimulatePrincipalPolicy and SimulateCustomPolicy: unpack, simulate (``iam.simulate``),
pack the EvaluationResults (IAM API Reference, EvaluationResult, Statement, Position)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from idpool import errors
from idpool.api.context import Call
from idpool.api.iam_packing import page
from idpool.iam.simulate import SimulationResult, Simulator


class SimulateHandlers:
    """The simulator handlers of ``IamApi``."""

    _simulator: Simulator

    def simulate_principal_policy(self, call: Call, p: Mapping[str, Any]) -> Mapping[str, Any]:
        _refuse_resource_policy(p)
        results = self._simulator.simulate_principal(
            call.account_id, p["PolicySourceArn"], p.get("PolicyInputList") or [],
            p.get("PermissionsBoundaryPolicyInputList") or [], p["ActionNames"], p.get("ResourceArns") or [],
            p.get("ContextEntries") or [])
        return _results(results, p)

    def simulate_custom_policy(self, call: Call, p: Mapping[str, Any]) -> Mapping[str, Any]:
        _refuse_resource_policy(p)
        results = self._simulator.simulate_custom(
            p["PolicyInputList"], p.get("PermissionsBoundaryPolicyInputList") or [], p["ActionNames"],
            p.get("ResourceArns") or [], p.get("ContextEntries") or [])
        return _results(results, p)


def _refuse_resource_policy(p: Mapping[str, Any]) -> None:
    if p.get("ResourcePolicy") or p.get("ResourceHandlingOption"):
        raise errors.InvalidInput("idpool's policy simulator evaluates identity-based policies only: "
                                  "ResourcePolicy and ResourceHandlingOption are not supported.")


def _results(results: list[SimulationResult], p: Mapping[str, Any]) -> Mapping[str, Any]:
    numbered = list(enumerate(results))
    return page(numbered, p, "EvaluationResults", lambda item: f"{item[0]:08d}", lambda item: _pack(item[1]))


def _pack(result: SimulationResult) -> dict[str, Any]:
    out: dict[str, Any] = {
        "EvalActionName": result.action,
        "EvalResourceName": result.resource,
        "EvalDecision": result.decision,
        "MatchedStatements": [{
            "SourcePolicyId": m.source_id, "SourcePolicyType": m.source_type,
            "StartPosition": {"Line": m.start[0], "Column": m.start[1]},
            "EndPosition": {"Line": m.end[0], "Column": m.end[1]},
        } for m in result.matched],
        "MissingContextValues": list(result.missing_context),
    }
    if result.allowed_by_boundary is not None:
        out["PermissionsBoundaryDecisionDetail"] = {"AllowedByPermissionsBoundary": result.allowed_by_boundary}
    return out
