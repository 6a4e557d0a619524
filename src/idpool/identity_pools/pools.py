"""Identity pool configuration: CreateIdentityPool ... SetPrincipalTagAttributeMap.

Semantics follow the Cognito Identity API Reference and Developer Guide (pool
configuration, role-based access control, quotas).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from idpool import errors, storage
from idpool.arns import pool_arn
from idpool.clock import Clock
from idpool.identity_pools import paging
from idpool.ids import new_regional_guid
from idpool.model import CognitoProvider, IdentityPool, PrincipalTagMap, RoleMapping
from idpool.storage import Store
from idpool.wellknown import COGNITO_IDENTITY

MAX_POOLS_PER_ACCOUNT = 1000  # Cognito quotas: identity pools per account (not adjustable)
MAX_TAGS = 50  # TagResource: "An identity pool can have as many as 50 tags"
MAX_RULES_PER_PROVIDER = 25  # role-based access control quota


@dataclass(frozen=True)
class PoolConfig:
    """Everything CreateIdentityPool / UpdateIdentityPool set (UpdateIdentityPool replaces)."""

    name: str
    allow_unauthenticated: bool
    allow_classic_flow: bool | None = None
    supported_login_providers: Mapping[str, str] = dataclasses.field(default_factory=dict)
    developer_provider_name: str | None = None
    open_id_connect_provider_arns: tuple[str, ...] = ()
    cognito_identity_providers: tuple[CognitoProvider, ...] = ()
    saml_provider_arns: tuple[str, ...] = ()
    tags: Mapping[str, str] | None = None


def not_found(pool_id: str) -> errors.ResourceNotFound:
    return errors.ResourceNotFound(f"IdentityPool '{pool_id}' not found.")


class PoolService:
    def __init__(self, store: Store, clock: Clock, region: str) -> None:
        self._store = store
        self._clock = clock
        self.region = region

    # --- read ---------------------------------------------------------------
    def get(self, account_id: str | None, pool_id: str) -> IdentityPool:
        """The pool; ``account_id`` None for public operations (pool ids are global)."""
        try:
            pool = self._store.get_pool(pool_id)
        except storage.NotFound:
            raise not_found(pool_id) from None
        if account_id is not None and pool.account_id != account_id:
            raise not_found(pool_id)
        return pool

    def list_pools(self, account_id: str, max_results: int, next_token: str | None) -> tuple[list[IdentityPool], str | None]:
        return paging.listing(lambda after, n: self._store.list_pools(account_id, n, after),
                              max_results, next_token, "pool", lambda pool: pool.pool_id)

    def arn(self, pool: IdentityPool) -> str:
        return pool_arn(self.region, pool.account_id, pool.pool_id)

    # --- create / update / delete ------------------------------------------------
    def create(self, account_id: str, config: PoolConfig) -> IdentityPool:
        _check_config(config)
        _check_tags(config.tags or {})
        pool = IdentityPool(
            account_id=account_id,
            pool_id=new_regional_guid(self.region),
            created_at=self._clock.now(),
            **_config_fields(config),
            tags=dict(config.tags or {}),
        )
        try:
            # The store counts and inserts in one transaction, serialized per account, so
            # nodes creating pools at once cannot pass the limit together.
            self._store.create_pool(pool, max_per_account=MAX_POOLS_PER_ACCOUNT)
        except storage.LimitReached:
            raise errors.LimitExceeded(
                f"The number of identity pools in this account has reached the limit of {MAX_POOLS_PER_ACCOUNT}."
            ) from None
        return pool

    def update(self, account_id: str, pool_id: str, config: PoolConfig) -> IdentityPool:
        """UpdateIdentityPool replaces the configuration ("If you don't provide a value for a
        parameter, Amazon Cognito sets it to its default value"), except that the developer
        provider name, once set, can never change, and omitted tags are kept."""
        _check_config(config)
        if config.tags is not None:
            _check_tags(config.tags)

        def apply(pool: IdentityPool) -> IdentityPool:
            developer = pool.developer_provider_name
            if developer and config.developer_provider_name not in (None, developer):
                raise errors.InvalidParameter(
                    f"Developer provider name cannot be changed once set (it is '{developer}')."
                )
            fields = _config_fields(config)
            fields["developer_provider_name"] = developer or config.developer_provider_name
            tags = pool.tags if config.tags is None else dict(config.tags)
            return dataclasses.replace(pool, **fields, tags=tags)

        return self._update(pool_id, self._owned(account_id, apply))

    def delete(self, account_id: str, pool_id: str) -> None:
        self.get(account_id, pool_id)
        try:
            self._store.delete_pool(pool_id)
        except storage.NotFound:
            raise not_found(pool_id) from None

    # --- tags (TagResource / UntagResource / ListTagsForResource) ------------------
    def pool_id_from_arn(self, account_id: str, arn: str) -> str:
        prefix = pool_arn(self.region, account_id, "")
        if not arn.startswith(prefix) or arn == prefix:
            raise errors.ResourceNotFound(f"Resource '{arn}' not found.")
        return arn[len(prefix):]

    def tag(self, account_id: str, arn: str, tags: Mapping[str, str]) -> None:
        pool_id = self.pool_id_from_arn(account_id, arn)

        def apply(pool: IdentityPool) -> IdentityPool:
            merged = {**pool.tags, **tags}
            _check_tags(merged)
            return dataclasses.replace(pool, tags=merged)

        self._update(pool_id, self._owned(account_id, apply), arn=arn)

    def untag(self, account_id: str, arn: str, keys: Sequence[str]) -> None:
        pool_id = self.pool_id_from_arn(account_id, arn)

        def apply(pool: IdentityPool) -> IdentityPool:
            return dataclasses.replace(pool, tags={k: v for k, v in pool.tags.items() if k not in keys})

        self._update(pool_id, self._owned(account_id, apply), arn=arn)

    def tags(self, account_id: str, arn: str) -> Mapping[str, str]:
        pool_id = self.pool_id_from_arn(account_id, arn)
        try:
            return self.get(account_id, pool_id).tags
        except errors.ResourceNotFound:
            raise errors.ResourceNotFound(f"Resource '{arn}' not found.") from None

    # --- roles (SetIdentityPoolRoles / GetIdentityPoolRoles) -------------------------
    def set_roles(
        self, account_id: str, pool_id: str, roles: Mapping[str, str], mappings: Mapping[str, RoleMapping]
    ) -> IdentityPool:
        for kind, arn in roles.items():
            _check_role_arn(arn, f"Roles.{kind}")
        for mapping in mappings.values():
            _check_role_mapping(mapping)

        def apply(pool: IdentityPool) -> IdentityPool:
            known = configured_providers(pool)
            if pool.developer_provider_name:  # an idpool extension: rules over the token's claims and tags
                known.add(pool.developer_provider_name)
            for provider in mappings:
                if provider not in known:
                    raise errors.InvalidParameter(
                        f"{provider} is not a valid RoleMapping ProviderName or is not a configured provider."
                    )
            return dataclasses.replace(pool, roles=dict(roles), role_mappings=dict(mappings))

        return self._update(pool_id, self._owned(account_id, apply))

    # --- principal tags (Set/GetPrincipalTagAttributeMap) ------------------------------
    def set_principal_tag_map(
        self, account_id: str, pool_id: str, provider: str, use_defaults: bool, tags: Mapping[str, str]
    ) -> PrincipalTagMap:
        entry = PrincipalTagMap(use_defaults=use_defaults, tags=dict(tags))

        def apply(pool: IdentityPool) -> IdentityPool:
            if provider not in configured_providers(pool) and provider != pool.developer_provider_name:
                raise errors.InvalidParameter(f"{provider} is not a configured provider of this identity pool.")
            return dataclasses.replace(pool, principal_tag_maps={**pool.principal_tag_maps, provider: entry})

        self._update(pool_id, self._owned(account_id, apply))
        return entry

    def principal_tag_map(self, account_id: str, pool_id: str, provider: str) -> PrincipalTagMap:
        pool = self.get(account_id, pool_id)
        if provider not in configured_providers(pool) and provider != pool.developer_provider_name:
            raise errors.InvalidParameter(f"{provider} is not a configured provider of this identity pool.")
        return pool.principal_tag_maps.get(provider, PrincipalTagMap())

    # --- helpers -----------------------------------------------------------------------
    @staticmethod
    def _owned(account_id: str, apply: Callable[[IdentityPool], IdentityPool]) -> Callable[[IdentityPool], IdentityPool]:
        def checked(pool: IdentityPool) -> IdentityPool:
            if pool.account_id != account_id:
                raise not_found(pool.pool_id)
            return apply(pool)

        return checked

    def _update(
        self, pool_id: str, apply: Callable[[IdentityPool], IdentityPool], arn: str | None = None
    ) -> IdentityPool:
        try:
            return self._store.update_pool(pool_id, apply)
        except storage.NotFound:
            if arn:
                raise errors.ResourceNotFound(f"Resource '{arn}' not found.") from None
            raise not_found(pool_id) from None


def configured_providers(pool: IdentityPool) -> set[str]:
    """Provider names a RoleMappings key may use (role-based-access-control.md)."""
    names = set(pool.supported_login_providers)
    names.update(f"{p.provider_name}:{p.client_id}" for p in pool.cognito_identity_providers)
    names.update(p.provider_name for p in pool.cognito_identity_providers)
    for arn in pool.open_id_connect_provider_arns:
        names.add(arn)
        names.add(arn.rsplit("oidc-provider/", 1)[-1])
    names.update(pool.saml_provider_arns)
    return names


def _config_fields(config: PoolConfig) -> dict[str, Any]:
    return {
        "name": config.name,
        "allow_unauthenticated": config.allow_unauthenticated,
        "allow_classic_flow": config.allow_classic_flow,
        "supported_login_providers": dict(config.supported_login_providers),
        "developer_provider_name": config.developer_provider_name,
        "open_id_connect_provider_arns": tuple(config.open_id_connect_provider_arns),
        "cognito_identity_providers": tuple(config.cognito_identity_providers),
        "saml_provider_arns": tuple(config.saml_provider_arns),
    }


def _check_config(config: PoolConfig) -> None:
    developer = config.developer_provider_name
    if developer is not None and (developer == COGNITO_IDENTITY or developer in config.supported_login_providers):
        raise errors.InvalidParameter(f"DeveloperProviderName '{developer}' collides with another login provider name.")
    if COGNITO_IDENTITY in config.supported_login_providers:
        raise errors.InvalidParameter(f"'{COGNITO_IDENTITY}' cannot be a supported login provider.")


def _check_tags(tags: Mapping[str, str]) -> None:
    if len(tags) > MAX_TAGS:
        raise errors.InvalidParameter(f"An identity pool can have at most {MAX_TAGS} tags.")
    for key in tags:
        if key.lower().startswith("aws:"):
            raise errors.InvalidParameter(f"Tag keys may not start with 'aws:' ('{key}').")


def _check_role_arn(arn: str, where: str) -> None:
    parts = arn.split(":", 5)
    if len(parts) != 6 or parts[0] != "arn" or parts[2] != "iam" or not parts[5].startswith("role/"):
        raise errors.InvalidParameter(f"{where}: '{arn}' is not an IAM role ARN.")


def _check_role_mapping(mapping: RoleMapping) -> None:
    # AmbiguousRoleResolution "is required" for Token and Rules (Smithy doc of RoleMapping).
    if mapping.ambiguous_role_resolution is None:
        raise errors.InvalidParameter("AmbiguousRoleResolution is required for role mappings of type Token or Rules.")
    if mapping.type == "Rules" and not mapping.rules:
        raise errors.InvalidParameter("RulesConfiguration is required for role mappings of type Rules.")
    if mapping.type == "Token" and mapping.rules:
        raise errors.InvalidParameter("RulesConfiguration is only allowed for role mappings of type Rules.")
    if len(mapping.rules) > MAX_RULES_PER_PROVIDER:
        raise errors.InvalidParameter(f"A role mapping can have at most {MAX_RULES_PER_PROVIDER} rules.")
    for rule in mapping.rules:
        _check_role_arn(rule.role_arn, "RoleARN")


def check_pool(pool: IdentityPool) -> None:
    """What CreateIdentityPool, SetIdentityPoolRoles and SetPrincipalTagAttributeMap would
    accept, for a pool written whole (``idpool import``). ``InvalidParameter`` otherwise."""
    _check_config(PoolConfig(pool.name, pool.allow_unauthenticated, pool.allow_classic_flow,
                             pool.supported_login_providers, pool.developer_provider_name,
                             pool.open_id_connect_provider_arns, pool.cognito_identity_providers,
                             pool.saml_provider_arns))
    _check_tags(pool.tags)
    for kind, arn in pool.roles.items():
        _check_role_arn(arn, f"Roles.{kind}")
    known = configured_providers(pool) | ({pool.developer_provider_name} if pool.developer_provider_name else set())
    for provider, mapping in pool.role_mappings.items():
        _check_role_mapping(mapping)
        if provider not in known:
            raise errors.InvalidParameter(f"{provider} is not a valid RoleMapping ProviderName or is not a configured provider.")
    for provider in pool.principal_tag_maps:
        if provider not in known:
            raise errors.InvalidParameter(f"{provider} is not a configured provider of this identity pool.")
