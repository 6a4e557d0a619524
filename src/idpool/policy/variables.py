"""Policy variables: `${key}`, `${key, 'default'}` and the escapes `${*}`, `${?}`, `${$}`.

Follows IAM User Guide, "IAM policy elements: Variables and tags". Variables exist only in
policies whose Version is 2012-10-17; under 2008-10-17 (or no Version) `${...}` is literal text.
A template is parsed once, at policy parse time, into pieces; resolving it against a request
yields glob pieces in which substituted values and escapes are *literal*, so a `*` or `?` that
comes from a value never acts as a wildcard (A03). A variable whose key is absent (or
multivalued) and has no default makes the whole template unresolvable: the resource or
condition value that holds it matches nothing ("not present ... any attempt to match it fails").
"""

from __future__ import annotations

from dataclasses import dataclass

from idpool.policy.context import RequestContext
from idpool.policy.matching import Piece

_ESCAPES = {"*": "*", "?": "?", "$": "$"}


@dataclass(frozen=True, slots=True)
class Variable:
    name: str  # as written, for explanations
    key: str  # lower-cased for lookup
    default: str | None


TemplatePart = Piece | Variable


@dataclass(frozen=True, slots=True)
class Template:
    source: str
    parts: tuple[TemplatePart, ...]

    @property
    def has_variables(self) -> bool:
        return any(isinstance(p, Variable) for p in self.parts)

    def static_pieces(self) -> tuple[Piece, ...]:
        return tuple(p for p in self.parts if not isinstance(p, Variable))

    def resolve(self, context: RequestContext) -> list[Piece] | None:
        pieces: list[Piece] = []
        for part in self.parts:
            if not isinstance(part, Variable):
                pieces.append(part)
                continue
            value = context.variable_value(part.key)
            if value is None:
                value = part.default
            if value is None:
                return None
            pieces.append((value, False))
        return pieces

    def missing(self, context: RequestContext) -> list[str]:
        """Names of variables that have no value for this request (for explanations)."""
        return [
            p.name
            for p in self.parts
            if isinstance(p, Variable) and p.default is None and context.variable_value(p.key) is None
        ]


def _parse_default(text: str) -> str | None:
    """`'anonymous'` -> anonymous; anything not in single quotes is not a default."""
    text = text.strip()
    if len(text) >= 2 and text[0] == "'" and text[-1] == "'":
        return text[1:-1]
    return None


def _parse_reference(body: str) -> TemplatePart | None:
    """The inside of `${...}`: an escape, a key, or a key with a default; None if neither."""
    if body in _ESCAPES:
        return (_ESCAPES[body], False)
    key, comma, rest = body.partition(",")
    key = key.strip()
    if not key or any(ch.isspace() for ch in key):
        return None
    default = None
    if comma:
        default = _parse_default(rest)
        if default is None:
            return None
    return Variable(key, key.lower(), default)


def parse_template(text: str, *, variables: bool) -> Template:
    """Split text into wild literal pieces and variable references."""
    if not variables or "${" not in text:
        return Template(text, ((text, True),))
    parts: list[TemplatePart] = []
    pos = 0
    while (start := text.find("${", pos)) >= 0:
        end = text.find("}", start + 2)
        if end < 0:
            break
        reference = _parse_reference(text[start + 2 : end])
        if reference is None:
            parts.append((text[pos : end + 1], True))
        else:
            parts.append((text[pos:start], True))
            parts.append(reference)
        pos = end + 1
    parts.append((text[pos:], True))
    return Template(text, tuple(p for p in parts if isinstance(p, Variable) or p[0]))


def literal_text(pieces: list[Piece] | tuple[Piece, ...]) -> str:
    """Resolved pieces joined as plain text, for operators without wildcards (StringEquals)."""
    return "".join(text for text, _ in pieces)
