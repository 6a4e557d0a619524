"""Statements precompiled for evaluation: glob sets, templates and conditions built once.

A `PolicyDocument` compiles its statements when it is created, so evaluation never touches JSON
and never recompiles a static pattern. Only resources and condition values that hold policy
variables are finished per request, because their text depends on the request.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from idpool.policy.cognito_audience import audience_gap
from idpool.policy.conditions import Condition, compile_condition
from idpool.policy.context import RequestContext
from idpool.policy.matching import PatternSet, compile_pieces
from idpool.policy.principals import Principal, principal_matches
from idpool.policy.variables import Template, parse_template

if TYPE_CHECKING:
    from idpool.policy.document import Statement


@dataclass(frozen=True, slots=True)
class ResourceSet:
    """Resource or NotResource: case-sensitive globs over the whole ARN (IAM User Guide,
    "Resource": `*` may expand past a segment's colons), static part precompiled."""

    static: PatternSet
    templates: tuple[Template, ...]

    @classmethod
    def of(cls, texts: Sequence[str], *, variables: bool) -> ResourceSet:
        parsed = [parse_template(t, variables=variables) for t in texts]
        static = [compile_pieces(t.static_pieces()) for t in parsed if not t.has_variables]
        return cls(PatternSet.of_patterns(static), tuple(t for t in parsed if t.has_variables))

    def matches(self, resource: str, context: RequestContext) -> bool:
        if self.static.matches(resource):
            return True
        for template in self.templates:
            pieces = template.resolve(context)
            if pieces is not None and compile_pieces(pieces).matches(resource):
                return True
        return False


def _optional_patterns(texts: Sequence[str] | None) -> PatternSet | None:
    # Action names are case-insensitive (IAM User Guide, "Action").
    return None if texts is None else PatternSet.of(texts, fold_case=True)


def _optional_resources(texts: Sequence[str] | None, variables: bool) -> ResourceSet | None:
    return None if texts is None else ResourceSet.of(texts, variables=variables)


@dataclass(frozen=True, slots=True)
class CompiledStatement:
    label: str  # the Sid, or Statement[i] when it has none
    allow: bool
    principal: Principal | None
    not_principal: Principal | None
    actions: PatternSet | None
    not_actions: PatternSet | None
    resources: ResourceSet | None
    not_resources: ResourceSet | None
    conditions: tuple[Condition, ...]
    # Trust policies: why this Allow would admit a Cognito web identity without pinning
    # `aud` (cognito_audience), or None. Such a statement never admits one.
    audience_gap: str | None = None

    def action_matches(self, action: str) -> bool:
        if self.actions is not None:
            return self.actions.matches(action)
        return self.not_actions is not None and not self.not_actions.matches(action)

    def resource_matches(self, resource: str | None, context: RequestContext) -> bool:
        """A request with no resource is treated as resource `*` (actions that have no
        resource-level permissions)."""
        target = "*" if resource is None else resource
        if self.resources is not None:
            return self.resources.matches(target, context)
        if self.not_resources is not None:
            return not self.not_resources.matches(target, context)
        return True  # trust policies carry no resource

    def principal_matches(self, caller: Mapping[str, str] | None) -> bool:
        if self.principal is not None:
            return principal_matches(self.principal, caller)
        if self.not_principal is not None:
            return not principal_matches(self.not_principal, caller)
        return True  # identity policies carry no principal

    def failed_condition(self, context: RequestContext) -> Condition | None:
        for condition in self.conditions:
            if not condition.holds(context):
                return condition
        return None


def compile_statement(statement: Statement, index: int, *, variables: bool) -> CompiledStatement:
    conditions = tuple(
        compile_condition(op, key, values, variables=variables)
        for op, key, values in statement.conditions
    )
    return CompiledStatement(
        label=statement.sid or f"Statement[{index}]",
        allow=statement.effect == "Allow",
        principal=statement.principal,
        not_principal=statement.not_principal,
        actions=_optional_patterns(statement.actions),
        not_actions=_optional_patterns(statement.not_actions),
        resources=_optional_resources(statement.resources, variables),
        not_resources=_optional_resources(statement.not_resources, variables),
        conditions=conditions,
        audience_gap=audience_gap(statement),
    )
