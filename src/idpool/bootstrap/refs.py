"""References in a bootstrap file, and turning them into what AWS's APIs take.

A trust policy must pin ``cognito-identity.amazonaws.com:aud`` to the pool's id, which a
server chooses only when it creates the pool; so strings in policy documents may say
``{{pool:NAME}}`` (that pool's IdentityPoolId), ``{{account}}`` and ``{{region}}``. Roles are
named in a pool's ``roles`` and ``role_mappings`` by their name in the file (their ARN is
then made for the target account) or by a full ARN, used as written. ``idpool export`` writes
the same references back, so a file moves between accounts and servers.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping
from typing import Any

from idpool.arns import partition_of, role_arn

REFERENCE = re.compile(r"\{\{\s*([^{}]*?)\s*\}\}")
POOL_PREFIX = "pool:"


def references(value: Any) -> Iterator[str]:
    """Every ``{{...}}`` reference in a policy document's strings (keys included)."""
    for text in _strings(value):
        yield from (match.group(1) for match in REFERENCE.finditer(text))


def reference_problem(reference: str, pool_names: Mapping[str, int]) -> str | None:
    """Why a reference cannot be resolved (``pool_names``: name -> how many pools have it)."""
    if reference in ("account", "region"):
        return None
    if not reference.startswith(POOL_PREFIX):
        return f"unknown reference {{{{{reference}}}}}: use {{{{pool:NAME}}}}, {{{{account}}}} or {{{{region}}}}"
    name = reference.removeprefix(POOL_PREFIX).strip()
    count = pool_names.get(name, 0)
    if count == 0:
        return f"{{{{{reference}}}}} names no identity pool of this file"
    if count > 1:
        return f"{{{{{reference}}}}} is ambiguous: {count} identity pools of this file are named {name!r}"
    return None


class Resolver:
    """Resolves a file's references for one account and region and the pools' ids there."""

    def __init__(self, account_id: str, region: str, pool_ids: Mapping[str, str], role_paths: Mapping[str, str]) -> None:
        self.account_id = account_id
        self.region = region
        self._pool_ids = pool_ids  # pool name -> IdentityPoolId (or a placeholder in a dry run)
        self._role_paths = {name.lower(): (name, path) for name, path in role_paths.items()}

    def role_arn(self, reference: str) -> str:
        if reference.startswith("arn:"):
            return reference
        name, path = self._role_paths[reference.lower()]
        return role_arn(self.account_id, name, path, partition=partition_of(self.region))

    def policy(self, document: Mapping[str, Any]) -> dict[str, Any]:
        resolved: dict[str, Any] = _map_strings(document, self._text)
        return resolved

    def _text(self, text: str) -> str:
        return REFERENCE.sub(lambda match: self._value(match.group(1)), text)

    def _value(self, reference: str) -> str:
        if reference == "account":
            return self.account_id
        if reference == "region":
            return self.region
        return self._pool_ids[reference.removeprefix(POOL_PREFIX).strip()]


def with_pool_references(document: Any, pool_names: Mapping[str, str]) -> Any:
    """``idpool export``: each exported pool's id (``pool_names``: id -> a unique name) becomes
    ``{{pool:NAME}}`` wherever a policy's string contains it."""
    if not pool_names:
        return document
    pattern = re.compile("|".join(re.escape(pool_id) for pool_id in sorted(pool_names, key=len, reverse=True)))
    return _map_strings(document, lambda text: pattern.sub(lambda m: f"{{{{pool:{pool_names[m.group(0)]}}}}}", text))


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, Mapping):
        for key, item in value.items():
            yield str(key)
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


def _map_strings(value: Any, change: Callable[[str], str]) -> Any:
    if isinstance(value, str):
        return change(value)
    if isinstance(value, Mapping):
        return {change(str(key)): _map_strings(item, change) for key, item in value.items()}
    if isinstance(value, list):
        return [_map_strings(item, change) for item in value]
    return value
