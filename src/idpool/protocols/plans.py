"""Per-shape plans: what the codecs and the validator need from a botocore shape,
computed once per shape and cached for the life of the process.

A ``Plan`` holds names, constraints and compiled patterns as plain attributes, so the
per-request work walks small frozen objects instead of botocore's lazily-built shapes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from botocore.model import Shape

from idpool.protocols.patterns import compile_pattern

CONTAINERS = frozenset({"structure", "list", "map"})


@dataclass(frozen=True, eq=False)
class Member:
    """One member of a structure."""

    name: str  # the model's member name, as API handlers see it ('IdentityPoolId')
    wire: str  # the name on the wire (the member's locationName, if the model sets one)
    path: str  # the name in AWS validation messages: lowerCamelCase ('identityPoolId')
    required: bool
    plan: Plan


@dataclass(frozen=True, eq=False)
class Plan:
    name: str
    type: str
    sensitive: bool = False  # this shape, or any shape inside it, is marked sensitive
    min: int | None = None
    max: int | None = None
    pattern: str | None = None  # as the model writes it (quoted in error messages)
    regex: re.Pattern[str] | None = None
    enum: tuple[str, ...] = ()
    members: tuple[Member, ...] = ()
    member: Plan | None = None  # list element
    member_wire: str = "member"
    key: Plan | None = None
    value: Plan | None = None
    key_wire: str = "key"
    value_wire: str = "value"
    flattened: bool = False
    enum_set: frozenset[str] = field(default=frozenset())


_CACHE: dict[int, tuple[Shape, Plan]] = {}


def plan_for(shape: Shape) -> Plan:
    """The plan of a shape from a cached service model (cached by identity)."""
    hit = _CACHE.get(id(shape))
    if hit is not None and hit[0] is shape:
        return hit[1]
    plan = _build(shape, ())
    _CACHE[id(shape)] = (shape, plan)  # the shape is kept alive, so its id stays unique
    return plan


def lower_camel(name: str) -> str:
    """'IdentityPoolId' -> 'identityPoolId', as Coral names members in messages."""
    return name[:1].lower() + name[1:]


def _build(shape: Shape, stack: tuple[str, ...]) -> Plan:
    if shape.type_name in CONTAINERS and shape.name in stack:
        # None of the three models is recursive; fail loudly if a new one is.
        raise ValueError(f"recursive shape {shape.name!r} is not supported")
    inner = stack + (shape.name,)
    kind, meta = shape.type_name, shape.metadata
    members = _members(shape, inner) if kind == "structure" else ()
    element = _build(shape.member, inner) if kind == "list" else None
    key = _build(shape.key, inner) if kind == "map" else None
    value = _build(shape.value, inner) if kind == "map" else None
    children = [m.plan for m in members] + [p for p in (element, key, value) if p is not None]
    pattern = meta.get("pattern")
    enum = tuple(meta.get("enum") or ())
    return Plan(
        name=shape.name,
        type=kind,
        sensitive=bool(meta.get("sensitive")) or any(child.sensitive for child in children),
        min=meta.get("min"),
        max=meta.get("max"),
        pattern=pattern,
        regex=compile_pattern(pattern) if pattern else None,
        enum=enum,
        enum_set=frozenset(enum),
        members=members,
        member=element,
        member_wire=shape.member.serialization.get("name", "member") if kind == "list" else "member",
        key=key,
        value=value,
        key_wire=shape.key.serialization.get("name", "key") if kind == "map" else "key",
        value_wire=shape.value.serialization.get("name", "value") if kind == "map" else "value",
        flattened=bool(shape.serialization.get("flattened")),
    )


def _members(shape: Shape, stack: tuple[str, ...]) -> tuple[Member, ...]:
    required = set(shape.required_members)
    return tuple(
        Member(name, member.serialization.get("name", name), lower_camel(name), name in required, _build(member, stack))
        for name, member in shape.members.items()
    )
