"""The composition root: the one place that knows every concrete class.

``build_services`` opens the store, applies migrations, loads the master key, makes
sure there is a signing key and root credentials, and wires the domain services.
``idpool.web`` turns the result into an ASGI app; the CLI and the console call the same
services.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from idpool import errors, storage
from idpool.api.cognito_identity import CognitoIdentityApi
from idpool.api.iam import IamApi, RootKey
from idpool.api.sts import StsApi
from idpool.arns import partition_of
from idpool.auth import (
    Authenticator,
    Authorizer,
    CredentialChain,
    PolicyAuthorizer,
    RootCredentials,
    ensure_root_credentials,
)
from idpool.auth.credentials import TemporaryCredentials, UserAccessKeys
from idpool.clock import Clock, SystemClock
from idpool.iam.policies import ManagedPolicies
from idpool.iam.service import IamService
from idpool.iam.simulate import Simulator
from idpool.identity_pools.credentials import EnhancedFlow
from idpool.identity_pools.identities import IdentityService
from idpool.identity_pools.pools import PoolService
from idpool.identity_pools.tokens import TokenFactory, names_unlinked_developer
from idpool.keys.rotation import KeyRingCache, ensure_signing_key
from idpool.keys.sealing import Sealer, load_master_key
from idpool.pipeline import Ready
from idpool.settings import Settings
from idpool.storage import Store
from idpool.storage.open import open_store
from idpool.sts import authorization_messages
from idpool.sts.issue import PolicyArnResolver
from idpool.sts.service import StsService
from idpool.sts.user_sessions import UserSessions


class IssuerKeys:
    """The key ring as the domain's ``TokenKeys``: bound to this server's issuer."""

    def __init__(self, cache: KeyRingCache, issuer: str, clock: Clock) -> None:
        self._cache = cache
        self._issuer = issuer
        self._clock = clock

    def sign(self, claims: Mapping[str, Any]) -> str:
        return self._cache.sign(claims)

    def verify(self, token: str, *, now: dt.datetime) -> dict[str, Any]:
        return self._cache.verify(token, now=now, issuer=self._issuer)

    def jwks(self) -> dict[str, Any]:
        return self._cache.jwks(self._clock.now())


@dataclass
class Services:
    settings: Settings
    store: Store
    clock: Clock
    sealer: Sealer
    keys: IssuerKeys
    pools: PoolService
    identities: IdentityService
    credentials: CredentialChain
    authorizer: Authorizer
    root: RootCredentials
    iam: IamService
    sts: StsService
    enhanced: EnhancedFlow
    api: Ready  # what the request pipeline serves calls with
    root_created: bool = False

    def close(self) -> None:
        self.store.close()


def build_services(settings: Settings, *, clock: Clock | None = None, store: Store | None = None) -> Services:
    clock = clock or SystemClock()
    settings.data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    sealer = Sealer(load_master_key(env_value=settings.master_key, data_dir=settings.data_dir))
    store = store or open_store(settings.database_url, settings.data_dir)
    ensure_signing_key(store, sealer, clock, settings.region)
    given = None
    if settings.root_access_key_id and settings.root_secret_access_key:
        given = (settings.root_access_key_id, settings.root_secret_access_key)
    partition = partition_of(settings.region)
    root, created = ensure_root_credentials(store, sealer, settings.account_id, given, partition=partition,
                                            now=clock.now())
    cache = KeyRingCache(store, sealer, clock)
    keys = IssuerKeys(cache, settings.issuer_url, clock)
    factory = TokenFactory(keys, settings.issuer_url)
    pools = PoolService(store, clock, settings.region)
    identities = IdentityService(store, clock, pools, factory)
    iam = IamService(store, clock, sealer, partition)
    policies = ManagedPolicies(store, clock, partition)
    session_policies = _session_policy_ids(policies)
    sts = StsService(store, clock, sealer, keys, check_subject=_subject_check(store, pools, keys, clock),
                     region=settings.region, policy_arns=session_policies)
    credentials = CredentialChain(root, UserAccessKeys(store, sealer, partition), TemporaryCredentials(sealer, clock))
    authorizer = PolicyAuthorizer(store, clock, sealer)
    enhanced = EnhancedFlow(identities, sts)
    api = Ready(
        apis={
            "cognito-identity": CognitoIdentityApi(pools, identities, enhanced, settings.region),
            "sts": StsApi(sts, UserSessions(clock, sealer, partition, session_policies), _key_account(store, root),
                          lambda encoded: authorization_messages.decode(sealer, encoded)),
            "iam": IamApi(iam, policies, Simulator(store, partition), RootKey(root.access_key_id, root.created_at)),
        },
        authenticator=Authenticator(credentials, clock, dt.timedelta(seconds=settings.clock_skew_seconds)),
        authorizer=authorizer,
        region=settings.region,
    )
    return Services(
        settings=settings,
        store=store,
        clock=clock,
        sealer=sealer,
        keys=keys,
        pools=pools,
        identities=identities,
        credentials=credentials,
        authorizer=authorizer,
        root=root,
        iam=iam,
        sts=sts,
        enhanced=enhanced,
        api=api,
        root_created=created,
    )


def _session_policy_ids(policies: ManagedPolicies) -> PolicyArnResolver:
    """STS's PolicyArns, resolved by IAM: the account's own managed policies or AWS managed ones.
    An ARN that names neither is STS's ValidationError (AWS documents no other error for it)."""

    def resolve(account_id: str, policy_arns: Sequence[str]) -> tuple[str, ...]:
        ids = []
        for arn in policy_arns:
            try:
                ids.append(policies.resolve(account_id, arn).policy_id)
            except (errors.NoSuchEntity, errors.InvalidInput):
                raise errors.StsValidationError(f"Policy {arn} does not exist or is not attachable.") from None
        return tuple(ids)

    return resolve


def _key_account(store: Store, root: RootCredentials) -> Callable[[str], str | None]:
    """GetAccessKeyInfo: the account of the root key or of an IAM user's key."""

    def account(access_key_id: str) -> str | None:
        if access_key_id == root.access_key_id:
            return root.account_id
        key = store.get_access_key(access_key_id)
        return None if key is None else key.account_id

    return account


def _subject_check(store: Store, pools: PoolService, keys: IssuerKeys, clock: Clock) -> Any:
    """STS refuses a validly signed token whose identity is gone or was merged away, or whose
    developer login was unlinked since (stricter than AWS: J12 in docs/SECURITY.md)."""

    def check(claims: Mapping[str, Any]) -> None:
        try:
            identity = store.get_identity(str(claims["sub"]))
            pool = pools.get(None, identity.pool_id)
        except (storage.NotFound, errors.ResourceNotFound):
            raise errors.InvalidIdentityToken("The web identity token that was passed could not be validated.",
                                              detail="the token's identity no longer exists") from None
        if identity.disabled or identity.pool_id != claims.get("aud"):
            raise errors.InvalidIdentityToken("The web identity token that was passed could not be validated.",
                                              detail="the token's identity was merged or belongs to another pool")
        if names_unlinked_developer(list(claims.get("amr") or []), identity, pool):
            raise errors.InvalidIdentityToken("The web identity token that was passed could not be validated.",
                                              detail="the developer user was unlinked from the identity")

    return check
