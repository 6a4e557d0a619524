"""Loading the JSON case files in tests/policy/cases/ (adding a case needs no Python).

An evaluation file holds optional shared `policies` (name -> policy JSON) and a list of `cases`:
  {"name": ..., "policies": {name: policy} | [shared names], "session_policies": (same forms),
   "trust": policy | shared name, "request": {"action", "resource", "context", "principal"},
   "expect": "Allow" | "ExplicitDeny" | "ImplicitDeny", "statement": Sid (optional),
   "policy": policy name (optional), "reason_contains": text (optional)}
A case with "trust" is decided by evaluate_trust, the others by evaluate.
Context values are JSON values; {"$datetime": iso} becomes a datetime and {"$bytes": base64}
becomes bytes, to exercise those context types.
parse.json holds parse cases: {"name", "kind", "policy" | "text", "error" | "accepted": true}.
"""

from __future__ import annotations

import base64
import json
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

CASES_DIR = Path(__file__).parent / "cases"


def load(pattern: str) -> list[Any]:
    params = []
    for path in sorted(CASES_DIR.glob(pattern)):
        data = json.loads(path.read_text())
        shared = data.get("policies", {})
        for case in data["cases"]:
            case = dict(case, _shared=shared)
            params.append(pytest.param(case, id=f"{path.stem}:{case['name']}"))
    return params


def policy_text(policy: Any) -> str:
    return policy if isinstance(policy, str) else json.dumps(policy)


def named_policies(spec: Any, shared: dict[str, Any]) -> list[tuple[str, str]]:
    """{name: policy} or [shared name, ...] -> [(name, policy text)]."""
    if spec is None:
        return []
    if isinstance(spec, list):
        return [(name, policy_text(shared[name])) for name in spec]
    return [(name, policy_text(policy)) for name, policy in spec.items()]


def context_value(value: Any) -> Any:
    if isinstance(value, dict) and "$datetime" in value:
        return datetime.fromisoformat(value["$datetime"].replace("Z", "+00:00"))
    if isinstance(value, dict) and "$bytes" in value:
        return base64.b64decode(value["$bytes"])
    return value


def context(raw: dict[str, Any]) -> dict[str, Any]:
    return {key: context_value(value) for key, value in raw.items()}
