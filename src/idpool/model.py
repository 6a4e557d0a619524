"""The records idpool keeps. Leaf module: standard library and ``idpool.arns`` only.

Records are frozen; a change is a new record (``dataclasses.replace``), which is
what lets the store run an updater again on a retry without surprises.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from idpool.arns import policy_arn, role_arn, user_arn


# --- identity pools ------------------------------------------------------------
@dataclass(frozen=True)
class CognitoProvider:
    provider_name: str
    client_id: str
    server_side_token_check: bool = False


@dataclass(frozen=True)
class MappingRule:
    claim: str
    match_type: str  # Equals | Contains | StartsWith | NotEqual
    value: str
    role_arn: str


@dataclass(frozen=True)
class RoleMapping:
    type: str  # Token | Rules
    ambiguous_role_resolution: str | None = None  # AuthenticatedRole | Deny
    rules: tuple[MappingRule, ...] = ()


@dataclass(frozen=True)
class PrincipalTagMap:
    use_defaults: bool = False
    tags: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class IdentityPool:
    account_id: str
    pool_id: str
    name: str
    allow_unauthenticated: bool
    created_at: dt.datetime
    allow_classic_flow: bool | None = None  # None: never set
    supported_login_providers: Mapping[str, str] = field(default_factory=dict)
    developer_provider_name: str | None = None
    open_id_connect_provider_arns: tuple[str, ...] = ()
    cognito_identity_providers: tuple[CognitoProvider, ...] = ()
    saml_provider_arns: tuple[str, ...] = ()
    tags: Mapping[str, str] = field(default_factory=dict)
    roles: Mapping[str, str] = field(default_factory=dict)  # authenticated / unauthenticated -> role ARN
    role_mappings: Mapping[str, RoleMapping] = field(default_factory=dict)
    principal_tag_maps: Mapping[str, PrincipalTagMap] = field(default_factory=dict)
    version: int = 0  # bumped by the store on every update


# --- identities ----------------------------------------------------------------
@dataclass(frozen=True, order=True)
class Login:
    """One linked login: a provider name and that provider's user id.

    For the pool's developer provider, ``subject`` is the developer user identifier.
    """

    provider: str
    subject: str


@dataclass(frozen=True)
class Identity:
    identity_id: str
    pool_id: str
    account_id: str
    created_at: dt.datetime
    last_modified_at: dt.datetime
    authenticated: bool = False  # a login was linked at some time: no guest tokens since
    disabled: bool = False  # merged into another identity
    logins: tuple[Login, ...] = ()  # sorted
    used: bool = False  # has obtained a token or credentials (unused guests may be cleaned up)

    def logins_of(self, provider: str) -> list[str]:
        return [login.subject for login in self.logins if login.provider == provider]


# --- signing keys ------------------------------------------------------------------
@dataclass(frozen=True)
class SigningKey:
    """An OpenID token signing key. The private key is sealed (AES-GCM) at rest."""

    kid: str
    alg: str
    public_jwk: Mapping[str, Any]
    sealed_private_key: bytes
    created_at: dt.datetime
    active: bool
    retired_at: dt.datetime | None = None
    verify_until: dt.datetime | None = None  # retired keys stay in JWKS until then


# --- JSON documents (how the SQL store keeps a pool's configuration) ----------------
def pool_to_json(pool: IdentityPool) -> str:
    doc = dataclasses.asdict(pool)
    for key in ("account_id", "pool_id", "name", "created_at", "version"):
        doc.pop(key)
    return json.dumps(doc, sort_keys=True, separators=(",", ":"))


def pool_from_json(
    text: str, *, account_id: str, pool_id: str, name: str, created_at: dt.datetime, version: int
) -> IdentityPool:
    doc = json.loads(text)
    return IdentityPool(
        account_id=account_id,
        pool_id=pool_id,
        name=name,
        created_at=created_at,
        version=version,
        allow_unauthenticated=doc["allow_unauthenticated"],
        allow_classic_flow=doc.get("allow_classic_flow"),
        supported_login_providers=doc.get("supported_login_providers") or {},
        developer_provider_name=doc.get("developer_provider_name"),
        open_id_connect_provider_arns=tuple(doc.get("open_id_connect_provider_arns") or ()),
        cognito_identity_providers=tuple(CognitoProvider(**p) for p in doc.get("cognito_identity_providers") or ()),
        saml_provider_arns=tuple(doc.get("saml_provider_arns") or ()),
        tags=doc.get("tags") or {},
        roles=doc.get("roles") or {},
        role_mappings={
            k: RoleMapping(
                type=v["type"],
                ambiguous_role_resolution=v.get("ambiguous_role_resolution"),
                rules=tuple(MappingRule(**r) for r in v.get("rules") or ()),
            )
            for k, v in (doc.get("role_mappings") or {}).items()
        },
        principal_tag_maps={
            k: PrincipalTagMap(use_defaults=v["use_defaults"], tags=v.get("tags") or {})
            for k, v in (doc.get("principal_tag_maps") or {}).items()
        },
    )


# --- IAM -----------------------------------------------------------------------------------
# ARNs are formed by whoever knows the partition (the server's region): ``arn_in(partition)``.
@dataclass(frozen=True)
class Role:
    account_id: str
    name: str  # unique per account, case-insensitively (IAM)
    role_id: str  # AROA...
    path: str
    trust_policy: str  # the JSON text as given
    created_at: dt.datetime
    description: str | None = None
    max_session_duration: int = 3600
    tags: Mapping[str, str] = field(default_factory=dict)
    policies: Mapping[str, str] = field(default_factory=dict)  # inline policy name -> JSON text
    attached_policies: tuple[str, ...] = ()  # managed policy ids, sorted
    permissions_boundary: str | None = None  # a managed policy id
    last_used_at: dt.datetime | None = None  # RoleLastUsed: when and where it was last assumed
    last_used_region: str | None = None

    def arn_in(self, partition: str) -> str:
        return role_arn(self.account_id, self.name, self.path, partition=partition)


@dataclass(frozen=True)
class User:
    account_id: str
    name: str  # unique per account, case-insensitively
    user_id: str  # AIDA...
    path: str
    created_at: dt.datetime
    tags: Mapping[str, str] = field(default_factory=dict)
    policies: Mapping[str, str] = field(default_factory=dict)
    attached_policies: tuple[str, ...] = ()  # managed policy ids, sorted
    permissions_boundary: str | None = None  # a managed policy id

    def arn_in(self, partition: str) -> str:
        return user_arn(self.account_id, self.name, self.path, partition=partition)


@dataclass(frozen=True)
class AccessKey:
    account_id: str
    user_name: str
    access_key_id: str  # AKIA...
    sealed_secret: bytes  # AES-GCM under the master key, AAD "access-key:<id>"
    status: str  # Active | Inactive
    created_at: dt.datetime


@dataclass(frozen=True)
class PolicyVersion:
    number: int  # the N of "vN"
    document: str  # the JSON text as given
    created_at: dt.datetime


@dataclass(frozen=True)
class ManagedPolicy:
    """A customer managed policy (CreatePolicy) with its versions (at most five, IAM quota), or,
    with ``account_id`` ``aws``, one of the AWS managed policies idpool provides."""

    account_id: str
    name: str  # unique per account, case-insensitively
    policy_id: str  # ANPA...
    path: str
    created_at: dt.datetime
    updated_at: dt.datetime
    versions: tuple[PolicyVersion, ...]  # ordered by number
    default_version: int
    next_version: int  # versions are numbered on, never reused
    description: str | None = None
    tags: Mapping[str, str] = field(default_factory=dict)

    def arn_in(self, partition: str) -> str:
        return policy_arn(self.account_id, self.name, self.path, partition=partition)

    @property
    def document(self) -> str:
        """The default version's document: what the policy grants."""
        return next(v.document for v in self.versions if v.number == self.default_version)


def versions_to_json(versions: tuple[PolicyVersion, ...]) -> str:
    return json.dumps([{"n": v.number, "doc": v.document, "at": v.created_at.timestamp()} for v in versions],
                      separators=(",", ":"))


def versions_from_json(text: str) -> tuple[PolicyVersion, ...]:
    return tuple(PolicyVersion(int(v["n"]), str(v["doc"]), dt.datetime.fromtimestamp(v["at"], dt.UTC))
                 for v in json.loads(text))
