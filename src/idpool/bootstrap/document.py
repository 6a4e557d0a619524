"""The bootstrap file, read and checked: identity pools, IAM roles and users and, for
``idpool import``, identities.

One format for ``idpool apply``, ``idpool export`` and ``idpool import`` (docs/BOOTSTRAP.md).
A file is YAML or JSON. It is checked first against its JSON Schema (``schema.json`` beside
this module, the one editors use), then against the rules a schema cannot say (unique
names, references that name something). Every problem is one line naming where it is.

What a file gives, it owns: ``apply`` makes each key written here true of the resource, and
leaves the keys it omits as the resource has them (``None`` below means "not given").
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import jsonschema
import yaml

from idpool.bootstrap import checks
from idpool.bootstrap.errors import BootstrapError
from idpool.model import CognitoProvider, Login, PrincipalTagMap
from idpool.strict_json import refuse_constant, unique_members

SCHEMA_FILE = "schema.json"


@dataclass(frozen=True)
class RuleSpec:
    claim: str
    match_type: str
    value: str
    role: str  # a role of the file by name, or any role's ARN


@dataclass(frozen=True)
class MappingSpec:
    type: str
    ambiguous_role_resolution: str
    rules: tuple[RuleSpec, ...] = ()


@dataclass(frozen=True)
class IdentitySpec:
    id: str
    logins: tuple[Login, ...]
    disabled: bool
    authenticated: bool
    created: dt.datetime | None
    last_modified: dt.datetime | None


@dataclass(frozen=True)
class PoolSpec:
    name: str
    id: str | None
    allow_unauthenticated: bool | None
    allow_classic_flow: bool | None
    developer_provider_name: str | None
    supported_login_providers: Mapping[str, str] | None
    cognito_identity_providers: tuple[CognitoProvider, ...] | None
    open_id_connect_provider_arns: tuple[str, ...] | None
    saml_provider_arns: tuple[str, ...] | None
    tags: Mapping[str, str] | None
    roles: Mapping[str, str] | None  # authenticated / unauthenticated -> role reference
    role_mappings: Mapping[str, MappingSpec] | None
    principal_tags: Mapping[str, PrincipalTagMap]
    identities: tuple[IdentitySpec, ...]


@dataclass(frozen=True)
class RoleSpec:
    name: str
    id: str | None
    path: str
    trust_policy: Mapping[str, Any]
    description: str | None
    max_session_duration: int | None
    tags: Mapping[str, str] | None
    policies: Mapping[str, Mapping[str, Any]] | None
    created: dt.datetime | None


@dataclass(frozen=True)
class UserSpec:
    name: str
    id: str | None
    path: str
    policies: Mapping[str, Mapping[str, Any]] | None
    access_keys: int | None
    created: dt.datetime | None


@dataclass(frozen=True)
class Document:
    pools: tuple[PoolSpec, ...]
    roles: tuple[RoleSpec, ...]
    users: tuple[UserSpec, ...]


# --- reading -------------------------------------------------------------------------------------
def load(path: Path) -> Document:
    """Read, check and type a bootstrap file (YAML, or JSON by its ``.json`` suffix)."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise BootstrapError(f"{path}: cannot read it ({exc})") from None
    return parse(read_text(text, json_only=path.suffix.lower() == ".json", where=str(path)), where=str(path))


def read_text(text: str, *, json_only: bool = False, where: str = "the file") -> Any:
    """YAML (a superset of JSON) or strict JSON; duplicate keys are refused in both."""
    try:
        if json_only:
            return json.loads(text, object_pairs_hook=unique_members, parse_constant=refuse_constant)
        return _plain(yaml.load(text, Loader=_StrictLoader))  # a SafeLoader: no Python objects
    except (ValueError, yaml.YAMLError) as exc:
        raise BootstrapError(f"{where}: not valid {'JSON' if json_only else 'YAML or JSON'}: {_one_line(exc)}") from None


def parse(raw: Any, *, where: str = "the file") -> Document:
    """A document from its parsed form: the schema first, then the rules it cannot say."""
    error = jsonschema.exceptions.best_match(_validator().iter_errors(raw))
    if error is not None:
        raise BootstrapError(f"{where}: {_path(error.absolute_path)}: {_one_line(error.message)}")
    try:
        document = Document(
            pools=tuple(_pool(p) for p in raw.get("identity_pools", [])),
            roles=tuple(_role(r) for r in raw.get("roles", [])),
            users=tuple(_user(u) for u in raw.get("users", [])),
        )
    except BootstrapError as exc:
        raise BootstrapError(f"{where}: {exc}") from None
    problem = checks.first_problem(document)
    if problem is not None:
        raise BootstrapError(f"{where}: {problem}")
    return document


def schema() -> dict[str, Any]:
    """The JSON Schema of the format (draft 2020-12), as published in docs/BOOTSTRAP.md."""
    loaded: dict[str, Any] = json.loads(resources.files("idpool.bootstrap").joinpath(SCHEMA_FILE).read_text("utf-8"))
    return loaded


@cache
def _validator() -> jsonschema.protocols.Validator:
    spec = schema()
    # "date-time" is checked by this module (``_time``'s clear message): jsonschema checks
    # it only when the optional rfc3339-validator happens to be installed, and a file's
    # verdict must not depend on that.
    formats = [name for name in jsonschema.Draft202012Validator.FORMAT_CHECKER.checkers if name != "date-time"]
    return jsonschema.Draft202012Validator(spec, format_checker=jsonschema.FormatChecker(formats))


class _StrictLoader(yaml.SafeLoader):
    """YAML's safe subset, refusing a key given twice (PyYAML would keep the last silently)."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: set[Any] = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            if key in seen:
                raise yaml.constructor.ConstructorError(
                    None, None, f"duplicate key {str(key)[:64]!r}", key_node.start_mark)
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


def _plain(value: Any) -> Any:
    """YAML reads an unquoted 2026-01-02T03:04:05Z as a datetime; the format keeps text."""
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_plain(item) for item in value]
    return value


def _path(parts: Any) -> str:
    out = ""
    for part in parts:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(top level)"


def _one_line(exc: object) -> str:
    return " ".join(str(exc).split())[:300]


# --- raw -> typed (the schema has checked every shape) -------------------------------------------
def _pool(raw: Mapping[str, Any]) -> PoolSpec:
    providers = raw.get("cognito_identity_providers")
    return PoolSpec(
        name=raw["name"], id=raw.get("id"),
        allow_unauthenticated=raw.get("allow_unauthenticated_identities"),
        allow_classic_flow=raw.get("allow_classic_flow"),
        developer_provider_name=raw.get("developer_provider_name"),
        supported_login_providers=raw.get("supported_login_providers"),
        cognito_identity_providers=None if providers is None else tuple(
            CognitoProvider(p["provider_name"], p["client_id"], p.get("server_side_token_check", False))
            for p in providers),
        open_id_connect_provider_arns=_tuple(raw.get("open_id_connect_provider_arns")),
        saml_provider_arns=_tuple(raw.get("saml_provider_arns")),
        tags=raw.get("tags"),
        roles=raw.get("roles"),
        role_mappings=None if "role_mappings" not in raw else {
            provider: MappingSpec(m["type"], m["ambiguous_role_resolution"], tuple(
                RuleSpec(r["claim"], r["match_type"], r["value"], r["role"]) for r in m.get("rules", [])))
            for provider, m in raw["role_mappings"].items()},
        principal_tags={
            provider: PrincipalTagMap(use_defaults=m.get("use_defaults", False), tags=m.get("tags", {}))
            for provider, m in raw.get("principal_tags", {}).items()},
        identities=tuple(_identity(i) for i in raw.get("identities", [])),
    )  # fmt: skip


def _identity(raw: Mapping[str, Any]) -> IdentitySpec:
    logins = tuple(sorted(Login(p, s) for p, subjects in raw.get("logins", {}).items() for s in subjects))
    disabled = raw.get("disabled", False)
    return IdentitySpec(
        id=raw["id"], logins=logins, disabled=disabled,
        authenticated=raw.get("authenticated", bool(logins) or disabled),
        created=_time(raw.get("created")), last_modified=_time(raw.get("last_modified")),
    )  # fmt: skip


def _role(raw: Mapping[str, Any]) -> RoleSpec:
    return RoleSpec(
        name=raw["name"], id=raw.get("id"), path=raw.get("path", "/"), trust_policy=raw["trust_policy"],
        description=raw.get("description"), max_session_duration=raw.get("max_session_duration"),
        tags=raw.get("tags"), policies=raw.get("policies"), created=_time(raw.get("created")),
    )  # fmt: skip


def _user(raw: Mapping[str, Any]) -> UserSpec:
    return UserSpec(
        name=raw["name"], id=raw.get("id"), path=raw.get("path", "/"), policies=raw.get("policies"),
        access_keys=raw.get("access_keys"), created=_time(raw.get("created")),
    )  # fmt: skip


def _tuple(items: list[str] | None) -> tuple[str, ...] | None:
    return None if items is None else tuple(items)


def _time(text: str | None) -> dt.datetime | None:
    if text is None:
        return None
    try:
        moment = dt.datetime.fromisoformat(text)
    except ValueError:
        raise BootstrapError(f"{text[:64]!r} is not a date and time (ISO 8601, e.g. 2026-01-02T03:04:05Z)") from None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=dt.UTC)
