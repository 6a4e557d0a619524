"""The IAM policy simulator: SimulatePrincipalPolicy and SimulateCustomPolicy.

IAM API Reference, SimulatePrincipalPolicy / SimulateCustomPolicy, and IAM User Guide, "Testing
IAM policies with the IAM policy simulator". The decision is `policy.evaluate`, the evaluator every
signed request goes through, over the same policies (`policy_sets`): a role's or user's inline and
attached managed policies plus ``PolicyInputList``, limited by its permissions boundary (or the
``PermissionsBoundaryPolicyInputList`` given instead). The simulator adds no condition keys of
its own: it uses the ``ContextEntries`` given, and reports the keys that applicable statements
test but the context lacks (``MissingContextValues``).

idpool simulates identity-based policies: ``ResourcePolicy`` is refused (InvalidInput), and
groups do not exist. Each (action, resource) pair is one result.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from idpool import arns, errors, storage
from idpool.iam.policy_sets import EntityPolicies, SourcedPolicy, entity_policies
from idpool.model import Role, User
from idpool.policy import (
    PolicyDocument,
    Request,
    applicable_statements,
    cached_policy,
    evaluate,
    missing_keys,
    parse_policy,
)
from idpool.storage import Store

DECISIONS = {"Allow": "allowed", "ExplicitDeny": "explicitDeny", "ImplicitDeny": "implicitDeny"}
ContextEntries = Sequence[Mapping[str, Any]]


@dataclass(frozen=True)
class Matched:
    source_id: str
    source_type: str
    start: tuple[int, int]  # (line, column), 1-based
    end: tuple[int, int]


@dataclass(frozen=True)
class SimulationResult:
    action: str
    resource: str
    decision: str  # allowed | explicitDeny | implicitDeny
    matched: tuple[Matched, ...]
    missing_context: tuple[str, ...]
    allowed_by_boundary: bool | None  # None: no boundary took part


class Simulator:
    def __init__(self, store: Store, partition: str) -> None:
        self._store, self._partition = store, partition

    def simulate_principal(self, account_id: str, source_arn: str, policy_inputs: Sequence[str],
                           boundary_inputs: Sequence[str], actions: Sequence[str], resources: Sequence[str],
                           context: ContextEntries) -> list[SimulationResult]:
        entity = self._entity(account_id, source_arn)
        own = entity_policies(self._store, entity)
        boundary = _inputs(boundary_inputs, "PermissionsBoundaryPolicyInputList") if boundary_inputs else own.boundary
        if own.boundary_missing and not boundary_inputs:
            raise errors.NoSuchEntity(f"The permissions boundary of {source_arn} cannot be found.")
        return self._simulate(EntityPolicies(own.identity + _inputs(policy_inputs, "PolicyInputList"), boundary),
                              actions, resources, context)

    def simulate_custom(self, policy_inputs: Sequence[str], boundary_inputs: Sequence[str], actions: Sequence[str],
                        resources: Sequence[str], context: ContextEntries) -> list[SimulationResult]:
        policies = EntityPolicies(_inputs(policy_inputs, "PolicyInputList"),
                                  _inputs(boundary_inputs, "PermissionsBoundaryPolicyInputList"))
        return self._simulate(policies, actions, resources, context)

    def _entity(self, account_id: str, source_arn: str) -> Role | User:
        parts = arns.iam_arn_parts(source_arn, self._partition)
        if parts is None or parts[1] not in ("user", "role", "group"):
            raise errors.InvalidInput(f"Invalid ARN: {source_arn} is not the ARN of a user, group or role.")
        account, kind, path, name = parts
        try:
            if account != account_id or kind == "group":
                raise storage.NotFound(kind)
            entity: Role | User = (self._store.get_role if kind == "role" else self._store.get_user)(account_id, name)
        except storage.NotFound:
            raise errors.NoSuchEntity(f"The {kind} with name {name} cannot be found.") from None
        if entity.path != path:
            raise errors.NoSuchEntity(f"The {kind} with name {name} cannot be found.")
        return entity

    def _simulate(self, policies: EntityPolicies, actions: Sequence[str], resources: Sequence[str],
                  context: ContextEntries) -> list[SimulationResult]:
        sources = [*policies.identity, *policies.boundary]  # evaluated under their positions: names may repeat
        identity = [(str(i), _parsed(p)) for i, p in enumerate(policies.identity)]
        boundary = [(str(i), _parsed(p)) for i, p in enumerate(policies.boundary, start=len(identity))]
        keys = context_values(context)
        results = []
        for action in actions:
            for resource in resources or ["*"]:
                request = Request(action=action, resource=resource, context=keys)
                decision = evaluate(request, identity, boundary=boundary)
                wanted = {"Allow": True, "ExplicitDeny": False}.get(decision.effect)
                matched = [] if wanted is None else [
                    _matched(sources[int(a.policy)], a.index) for a in applicable_statements(request, identity + boundary)
                    if a.allow == wanted]
                allowed_by_boundary = None
                if boundary:
                    allowed_by_boundary = evaluate(request, [], boundary=boundary, identity_allows_all=True).allowed
                results.append(SimulationResult(
                    action, resource, DECISIONS[decision.effect], tuple(matched),
                    tuple(missing_keys(request, identity + boundary)), allowed_by_boundary))
        return results


def context_values(entries: ContextEntries) -> dict[str, Any]:
    """ContextEntries as condition keys: list types keep every value, the others take the first
    (IAM API Reference, ContextEntry: ContextKeyType string ... stringList, binaryList)."""
    keys: dict[str, Any] = {}
    for entry in entries:
        values = [str(v) for v in entry.get("ContextKeyValues") or []]
        if str(entry.get("ContextKeyType", "")).endswith("List"):
            keys[entry["ContextKeyName"]] = values
        elif values:
            keys[entry["ContextKeyName"]] = values[0]
    return keys


def _inputs(texts: Sequence[str], source: str) -> tuple[SourcedPolicy, ...]:
    """Policies given in the request, checked as IAM checks identity policies; the simulator
    answers a malformed one with InvalidInput (its only client error besides NoSuchEntity)."""
    policies = []
    for index, text in enumerate(texts, start=1):
        try:
            parse_policy(text, "identity")
        except errors.MalformedPolicyDocument as exc:
            raise errors.InvalidInput(f"{source}.{index}: {exc.message}", detail=exc.detail) from None
        policies.append(SourcedPolicy(f"{source}.{index}", "none", text))
    return tuple(policies)


def _parsed(policy: SourcedPolicy) -> PolicyDocument:
    return cached_policy(policy.text, "identity")


def _matched(policy: SourcedPolicy, index: int) -> Matched:
    start, end = statement_span(policy.text, index)
    return Matched(policy.name, policy.kind, start, end)


def statement_span(text: str, index: int) -> tuple[tuple[int, int], tuple[int, int]]:
    """Where statement ``index`` of a policy's text starts and ends, as (line, column), 1-based."""
    decoder = json.JSONDecoder()
    position = _skip(text, 0)
    if text[position:position + 1] != "{":
        return (1, 1), (1, 1)
    position = _skip(text, position + 1)
    while position < len(text) and text[position] != "}":
        key, position = decoder.raw_decode(text, position)
        position = _skip(text, _skip(text, position) + 1)  # past the ':'
        _, end = decoder.raw_decode(text, position)
        if key == "Statement":
            spans = [(position, end)] if text[position] == "{" else _elements(text, position, decoder)
            if index < len(spans):
                return _line_column(text, spans[index][0]), _line_column(text, spans[index][1])
        position = _skip(text, end)
        position = _skip(text, position + 1) if text[position:position + 1] == "," else position
    return (1, 1), (1, 1)


def _elements(text: str, start: int, decoder: json.JSONDecoder) -> list[tuple[int, int]]:
    spans, position = [], _skip(text, start + 1)
    while position < len(text) and text[position] != "]":
        _, end = decoder.raw_decode(text, position)
        spans.append((position, end))
        position = _skip(text, end)
        position = _skip(text, position + 1) if text[position:position + 1] == "," else position
    return spans


def _skip(text: str, position: int) -> int:
    while position < len(text) and text[position] in " \t\r\n":
        position += 1
    return position


def _line_column(text: str, offset: int) -> tuple[int, int]:
    line = text.count("\n", 0, offset) + 1
    return line, offset - (text.rfind("\n", 0, offset) + 1) + 1
