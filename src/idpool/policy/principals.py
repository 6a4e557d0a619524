"""The Principal / NotPrincipal element: validating, normalizing and matching it.

Follows IAM User Guide, "AWS JSON policy elements: Principal". A principal is `"*"` (normalized
to `{"AWS": ("*",)}`) or an object whose keys are principal types (AWS, Federated, Service,
CanonicalUser) and whose values are a string or a list of strings. An AWS principal is an
account (`123456789012` or `arn:aws:iam::123456789012:root`, meaning every principal in that
account), an exact IAM user/role ARN or STS session ARN, or `*`. A role ARN also matches that
role's sessions (`arn:aws:sts::<account>:assumed-role/<name>/<session>`), as IAM documents for
role principals.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

PRINCIPAL_TYPES = ("AWS", "Federated", "Service", "CanonicalUser")

Principal = dict[str, tuple[str, ...]]

_ACCOUNT = re.compile(r"[0-9]{12}", re.ASCII)
_AWS_ARN = re.compile(
    r"arn:aws(?:-[a-z]+)*:(?:iam::[0-9]{12}:(?:root|user/\S+|role/\S+|federated-user/\S+)"
    r"|sts::[0-9]{12}:(?:assumed-role/\S+/\S+|federated-user/\S+))",
    re.ASCII,
)


class PrincipalError(ValueError):
    """The element is not a valid principal; the message is IAM's wording."""


def _invalid(kind: str, value: object) -> PrincipalError:
    return PrincipalError(f'Invalid principal in policy: "{kind}":"{value}"')


def _valid_value(kind: str, value: str) -> bool:
    if not value or value != value.strip():
        return False
    if kind == "AWS":
        return value == "*" or bool(_ACCOUNT.fullmatch(value) or _AWS_ARN.fullmatch(value))
    return True


def normalize_principal(raw: object) -> Principal:
    """`"*"` or {type: str | [str, ...]} -> {type: (str, ...)}; PrincipalError otherwise."""
    if raw == "*":
        return {"AWS": ("*",)}
    if not isinstance(raw, dict):
        raise PrincipalError(f'Invalid principal in policy: "{raw}"')
    if not raw:
        raise PrincipalError("Missing required field Principal cannot be empty!")
    normalized: Principal = {}
    for kind, value in raw.items():
        items = [value] if isinstance(value, str) else value
        if kind not in PRINCIPAL_TYPES or not isinstance(items, list) or not items:
            raise _invalid(kind, value)
        for item in items:
            if not isinstance(item, str) or not _valid_value(kind, item):
                raise _invalid(kind, item)
        normalized[kind] = tuple(items)
    return normalized


def _account_of(arn_or_account: str) -> str | None:
    if _ACCOUNT.fullmatch(arn_or_account):
        return arn_or_account
    parts = arn_or_account.split(":", 5)
    return parts[4] if len(parts) == 6 and parts[0] == "arn" else None


def _role_of_session(session_arn: str) -> tuple[str, str] | None:
    """arn:aws:sts::A:assumed-role/R/S -> (A, R)."""
    parts = session_arn.split(":", 5)
    if len(parts) != 6 or parts[2] != "sts" or not parts[5].startswith("assumed-role/"):
        return None
    role = parts[5].split("/")
    return (parts[4], role[1]) if len(role) >= 3 else None


def _aws_matches(pattern: str, caller: str) -> bool:
    if pattern == "*" or pattern == caller:
        return True
    if _ACCOUNT.fullmatch(pattern) or (pattern.startswith("arn:") and pattern.endswith(":root")):
        return _account_of(pattern) == _account_of(caller)
    session = _role_of_session(caller)
    if session is None or ":role/" not in pattern:
        return False
    account, role_name = session
    return _account_of(pattern) == account and pattern.rsplit("/", 1)[-1] == role_name


def principal_matches(element: Principal, caller: Mapping[str, str] | None) -> bool:
    """Does the statement's principal element name this caller? `"*"` names everyone,
    even an anonymous caller (None)."""
    if "*" in element.get("AWS", ()):
        return True
    for kind, identity in (caller or {}).items():
        patterns = element.get(kind, ())
        if kind == "AWS":
            if any(_aws_matches(p, identity) for p in patterns):
                return True
        elif identity in patterns or "*" in patterns:
            return True
    return False


def describe(caller: Mapping[str, str] | None) -> str:
    if not caller:
        return "an anonymous caller"
    return ", ".join(f"{kind}:{identity}" for kind, identity in caller.items())
