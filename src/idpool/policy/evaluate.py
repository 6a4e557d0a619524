"""Policy evaluation: one pure function deciding Allow, ExplicitDeny or ImplicitDeny.

Follows IAM User Guide, "Policy evaluation logic": a statement applies when its principal (trust
policies), action, resource and every condition match the request; an applicable Deny anywhere
wins; otherwise an applicable Allow allows; otherwise the request is implicitly denied. Three
layers take part for a principal in its own account ("Determining whether a request is allowed or
denied within an account"): the identity-based policies (inline and managed), the permissions
boundary (a managed policy set on the user or role) and the session policies (STS `Policy` and
`PolicyArns`, Cognito's scope-down for guests). An explicit Deny in any layer denies; otherwise
every layer that is present must allow (the boundary and the session policies only limit, they
never grant). The same evaluator decides role trust policies
(`evaluate_trust`) for AssumeRoleWithWebIdentity and AssumeRole. For a Cognito web identity,
a trust Allow that does not pin `cognito-identity.amazonaws.com:aud` never applies
(`cognito_audience`), even in a role stored before that rule was enforced on writes.

The `Decision` names the deciding layer, policy and statement and, for a denial, says why (the
first statement that matched everything but a condition, and which condition failed), for logs,
AccessDenied messages, the policy simulator and the console's "why" view.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

from idpool.policy.cognito_audience import is_cognito_web_identity
from idpool.policy.compiled import CompiledStatement
from idpool.policy.conditions import Condition
from idpool.policy.context import RequestContext
from idpool.policy.document import PolicyDocument
from idpool.policy.principals import describe

Effect = Literal["Allow", "ExplicitDeny", "ImplicitDeny"]
Layer = Literal["identity", "boundary", "session", "trust"]
ContextInput = str | Sequence[str] | bool | int | datetime | bytes | None  # None: the key is absent
NamedPolicies = Sequence[tuple[str, PolicyDocument]]


@dataclass(frozen=True)
class Request:
    """What is being asked. `context` holds condition keys (case-insensitive; a sequence value is
    a multivalued key). `principal` names the caller for trust policies, e.g.
    {"Federated": "cognito-identity.amazonaws.com"} or {"AWS": "arn:aws:iam::000000000000:user/alice"}."""

    action: str
    resource: str | None
    context: Mapping[str, ContextInput] = field(default_factory=dict)
    principal: Mapping[str, str] | None = None

    def __post_init__(self) -> None:
        # Normalized once, so evaluating one request against several policy sets costs nothing more.
        object.__setattr__(self, "_normalized", RequestContext(self.context))

    @property
    def normalized_context(self) -> RequestContext:
        return self._normalized  # type: ignore[attr-defined, no-any-return]


@dataclass(frozen=True)
class Decision:
    effect: Effect
    policy: str | None
    statement: str | None
    reason: str
    layer: Layer | None = None  # the layer that decided a denial, or "identity" / "trust" for an Allow

    @property
    def allowed(self) -> bool:
        return self.effect == "Allow"


@dataclass(frozen=True, slots=True)
class _NearMiss:
    """An Allow statement that matched the action but not everything else."""

    policy: str
    statement: CompiledStatement
    missed: str  # "principal", "resource", "condition" or "audience pin"
    condition: Condition | None = None

    @property
    def informative(self) -> bool:
        return self.condition is not None or self.missed == _AUDIENCE_PIN

    def explain(self, request: Request) -> str:
        where = f" {self.statement.label} of policy '{self.policy}'"
        if self.missed == _AUDIENCE_PIN:
            return f"{where} does not count for Cognito web identities: it {self.statement.audience_gap}."
        if self.condition is not None:
            why = self.condition.explain(request.normalized_context)
            return f"{where} matches the request except for a condition: {why}."
        return f"{where} allows the action, but not for this {self.missed}."


@dataclass(frozen=True, slots=True)
class _Scan:
    deny: tuple[str, str] | None  # (policy name, statement label)
    allow: tuple[str, str] | None
    near_miss: _NearMiss | None


_AUDIENCE_PIN = "audience pin"


def _miss(statement: CompiledStatement, request: Request) -> tuple[str, Condition | None] | None:
    """What keeps an action-matching statement from applying, or None if it applies."""
    if not statement.principal_matches(request.principal):
        return ("principal", None)
    if statement.audience_gap is not None and is_cognito_web_identity(request.principal):
        return (_AUDIENCE_PIN, None)
    if not statement.resource_matches(request.resource, request.normalized_context):
        return ("resource", None)
    failed = statement.failed_condition(request.normalized_context)
    return None if failed is None else ("condition", failed)


def _better_explanation(current: _NearMiss | None, miss: tuple[str, Condition | None]) -> bool:
    """The first near miss is kept, except that a failed condition (or a missing audience pin)
    says more than a mismatch."""
    informative = miss[1] is not None or miss[0] == _AUDIENCE_PIN
    return current is None or (informative and not current.informative)


def _scan(request: Request, policies: NamedPolicies) -> _Scan:
    """Find an applicable Deny (which ends the scan), the first applicable Allow, and the first
    statement that failed only on a condition."""
    action, allow, near = request.action.lower(), None, None
    for name, policy in policies:
        for statement in policy.compiled:
            if statement.allow and allow is not None:
                continue  # once allowed, only a Deny can change the outcome
            if not statement.action_matches(action):
                continue
            miss = _miss(statement, request)
            if miss is not None:
                if statement.allow and _better_explanation(near, miss):
                    near = _NearMiss(name, statement, *miss)
            elif not statement.allow:
                return _Scan((name, statement.label), None, near)
            else:
                allow = (name, statement.label)
    return _Scan(None, allow, near)


def _target(request: Request, trust: bool) -> str:
    if trust:
        return f"{describe(request.principal)} to perform {request.action}"
    return request.action + (f" on {request.resource}" if request.resource else "")


def _explicit(deny: tuple[str, str], request: Request, trust: bool, layer: Layer) -> Decision:
    policy, statement = deny
    reason = f"{_target(request, trust)} is explicitly denied by {statement} of policy '{policy}'."
    return Decision("ExplicitDeny", policy, statement, reason, layer)


def _implicit(scan: _Scan, request: Request, where: str, trust: bool, layer: Layer) -> Decision:
    reason = f"No statement in {where} allows {_target(request, trust)}."
    if scan.near_miss is not None:
        reason += scan.near_miss.explain(request)
    return Decision("ImplicitDeny", None, None, reason, layer)


def _names(policies: NamedPolicies, kind: str) -> str:
    if not policies:
        return f"the {kind} policies (none are attached)"
    return f"the {kind} policies ({', '.join(repr(name) for name, _ in policies)})"


_LAYER_NAMES = {"identity": "identity-based", "boundary": "permissions boundary", "session": "session"}


def evaluate(
    request: Request,
    policies: NamedPolicies,
    session_policies: NamedPolicies = (),
    boundary: NamedPolicies = (),
    *,
    identity_allows_all: bool = False,
) -> Decision:
    """The identity-based policies, limited by the permissions boundary and the session policies
    when there are any. ``identity_allows_all``: the identity layer grants everything (a session of
    the account's root user, GetFederationToken as root), so only the other layers decide."""
    identity = None if identity_allows_all else _scan(request, policies)
    scans: list[tuple[Layer, _Scan | None, NamedPolicies]] = [
        ("identity", identity, policies),
        ("boundary", _scan(request, boundary) if boundary else None, boundary),
        ("session", _scan(request, session_policies) if session_policies else None, session_policies),
    ]
    for layer, scan, _ in scans:
        if scan is not None and scan.deny:
            return _explicit(scan.deny, request, trust=False, layer=layer)
    for layer, scan, named in scans:
        if scan is not None and scan.allow is None:
            return _implicit(scan, request, _names(named, _LAYER_NAMES[layer]), trust=False, layer=layer)
    if identity is None or identity.allow is None:
        return Decision("Allow", None, None, f"{_target(request, False)} is allowed to the account's root user.",
                        "identity")
    policy, statement = identity.allow
    reason = f"{_target(request, False)} is allowed by {statement} of policy '{policy}'"
    for layer, scan, _ in scans[1:]:
        if scan is not None and scan.allow is not None:
            reason += f" and by {scan.allow[1]} of {_LAYER_NAMES[layer]} policy '{scan.allow[0]}'"
    return Decision("Allow", policy, statement, reason + ".", "identity")


def evaluate_trust(request: Request, trust_policy: PolicyDocument, name: str = "trust") -> Decision:
    """Resource-based evaluation of a role trust policy: may this principal assume the role?"""
    scan = _scan(request, [(name, trust_policy)])
    if scan.deny:
        return _explicit(scan.deny, request, trust=True, layer="trust")
    if scan.allow is None:
        return _implicit(scan, request, f"trust policy '{name}'", trust=True, layer="trust")
    policy, statement = scan.allow
    reason = f"{_target(request, True)} is allowed by {statement} of trust policy '{policy}'."
    return Decision("Allow", policy, statement, reason, "trust")


@dataclass(frozen=True)
class Applicable:
    """A statement that applies to a request: its policy, its position in the policy, its effect."""

    policy: str
    index: int
    allow: bool


def applicable_statements(request: Request, policies: NamedPolicies) -> list[Applicable]:
    """Every statement whose action, resource and conditions match the request, in order (the
    policy simulator's MatchedStatements); evaluation itself stops earlier."""
    action = request.action.lower()
    return [Applicable(name, index, statement.allow)
            for name, policy in policies for index, statement in enumerate(policy.compiled)
            if statement.action_matches(action) and _miss(statement, request) is None]


def missing_keys(request: Request, policies: NamedPolicies) -> list[str]:
    """Condition keys that statements matching the action and resource test, but the request does
    not hold (the simulator's MissingContextValues), in order of first use."""
    action = request.action.lower()
    missing: dict[str, None] = {}  # ordered, without repeats
    for _, policy in policies:
        for statement in policy.compiled:
            if not statement.action_matches(action) or not statement.resource_matches(
                    request.resource, request.normalized_context):
                continue
            for condition in statement.conditions:
                if request.normalized_context.get(condition.key_lower) is None:
                    missing[condition.key] = None
    return list(missing)
