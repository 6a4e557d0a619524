"""The composition root: the one place that knows every concrete class.

``build_services`` opens the store, applies migrations, loads the master key, makes
sure there is a signing key and root credentials, and wires the domain services.
``idpool.web`` turns the result into an ASGI app; the CLI and the console call the same
services. ``build_request_auth`` wires only the authentication and authorization of signed
requests, over a store ``idpool serve`` has set up: what ``idpool gateway`` runs on.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, cast

from idpool import errors, storage
from idpool.api.cognito_identity import CognitoIdentityApi
from idpool.api.iam import IamApi, RootKey
from idpool.api.sts import StsApi
from idpool.arns import partition_of
from idpool.auth import (
    Authenticator,
    Authorizer,
    CredentialChain,
    KeyPairSignIn,
    PolicyAuthorizer,
    RootCredentials,
    ensure_root_credentials,
)
from idpool.auth.credentials import (
    CredentialSource,
    TemporaryCredentials,
    UserAccessKeys,
    existing_root_credentials,
)
from idpool.clock import Clock, SystemClock
from idpool.iam.policies import ManagedPolicies
from idpool.iam.service import IamService
from idpool.iam.simulate import Simulator
from idpool.identity_pools.credentials import EnhancedFlow
from idpool.identity_pools.guests import GuestCleanup
from idpool.identity_pools.identities import IdentityService
from idpool.identity_pools.pools import PoolService
from idpool.identity_pools.tokens import TokenFactory, names_unlinked_developer
from idpool.keys.rotation import KeyRingCache, SigningKeys, ensure_signing_key
from idpool.keys.sealing import Sealer, load_master_key
from idpool.observe.audit import AuditLog
from idpool.observe.metrics import Metrics, SigningKeyCollector, TimedStore
from idpool.observe.observer import Observer
from idpool.observe.tracing import Tracing
from idpool.pipeline import Ready
from idpool.quotas.counters import Counters, LocalCounters, RedisCounters, StoreCounters
from idpool.quotas.rules import load_quotas
from idpool.quotas.throttle import Throttle
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


class Upkeep:
    """Periodic work of every serving process, idempotent across processes and nodes: forget
    ended quota windows (each minute) and delete guests never used (each hour)."""

    COUNTERS_EVERY, GUESTS_EVERY = 60.0, 3600.0

    def __init__(self, counters: Counters, guests: GuestCleanup, metrics: Metrics) -> None:
        self._counters, self._guests, self._metrics = counters, guests, metrics
        self._counters_at = self._guests_at = -float("inf")

    def run(self, now: float) -> None:
        """One round at monotonic time ``now``: whatever is due."""
        if now - self._counters_at >= self.COUNTERS_EVERY:
            self._counters_at = now
            self._counters.prune(int(time.time()))
        if now - self._guests_at >= self.GUESTS_EVERY:
            self._guests_at = now
            self._metrics.guests_deleted.inc(self._guests.run())

    def close(self) -> None:
        self._counters.close()


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
    observer: Observer
    upkeep: Upkeep
    sign_in: KeyPairSignIn  # the console's sign-in with a key pair
    signing_keys: SigningKeys
    root_created: bool = False

    def close(self) -> None:
        self.observer.close()
        self.upkeep.close()
        self.store.close()


def build_services(
    settings: Settings, *, clock: Clock | None = None, store: Store | None = None,
    rate_clock: Callable[[], float] = time.time,
) -> Services:
    """Everything a node serves with. ``clock`` is the domain's time; ``rate_clock`` the
    quotas' windows (epoch seconds), both replaceable in tests."""
    clock = clock or SystemClock()
    settings.data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    quotas = load_quotas(settings.quotas)  # a bad quota file stops the start, before anything is opened
    sealer = Sealer(load_master_key(env_value=settings.master_key, data_dir=settings.data_dir))
    # Shared metric files only for the workers of `serve --workers N` (which set them up).
    metrics = Metrics(settings.metrics_dir if settings.workers > 1 else None)
    raw_store = store or open_store(settings.database_url, settings.data_dir)
    store = cast(Store, TimedStore(raw_store, metrics.store_latency))
    ensure_signing_key(store, sealer, clock, settings.region)
    partition = partition_of(settings.region)
    root, created = ensure_root_credentials(store, sealer, settings.account_id, _given_root(settings),
                                            partition=partition, now=clock.now())
    credentials = _credential_chain(root, store, sealer, clock, partition)
    authorizer = PolicyAuthorizer(store, clock, sealer)
    cache = KeyRingCache(store, sealer, clock)
    keys = IssuerKeys(cache, settings.issuer_url, clock)
    factory = TokenFactory(keys, settings.issuer_url)
    pools = PoolService(store, clock, settings.region)
    identities = IdentityService(store, clock, pools, factory, settings.max_guests_per_pool or None)
    iam = IamService(store, clock, sealer, partition)
    policies = ManagedPolicies(store, clock, partition)
    session_policies = _session_policy_ids(policies)
    sts = StsService(store, clock, sealer, keys, check_subject=_subject_check(store, pools, keys, clock),
                     region=settings.region, policy_arns=session_policies)
    enhanced = EnhancedFlow(identities, sts)
    metrics.add_collector(SigningKeyCollector(store.list_signing_keys, clock.now))
    observer = Observer(metrics, AuditLog(settings.audit_log) if settings.audit_log else None,
                        Tracing(settings.tracing) if settings.tracing != "off" else None)
    counters = _counters(settings, store)
    throttle = Throttle(
        quotas, counters, settings.account_id, clock=rate_clock,
        on_throttled=lambda q: metrics.throttled.labels(q.service, q.operation, q.per).inc(),
        on_counter_error=metrics.counter_errors.inc,
    ) if quotas else None
    api = Ready(
        apis={
            "cognito-identity": CognitoIdentityApi(pools, identities, enhanced, settings.region),
            "sts": StsApi(sts, UserSessions(clock, sealer, partition, session_policies), _key_account(store, root),
                          lambda encoded: authorization_messages.decode(sealer, encoded)),
            "iam": IamApi(iam, policies, Simulator(store, partition), RootKey(root.access_key_id, root.created_at)),
        },
        authenticator=_authenticator(credentials, clock, settings),
        authorizer=authorizer,
        region=settings.region,
        observer=observer,
        throttle=throttle,
    )
    return Services(
        settings=settings,
        store=raw_store,  # unwrapped: health probes and the key commands
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
        observer=observer,
        upkeep=Upkeep(counters, GuestCleanup(store, clock, settings.unused_guest_days), metrics),
        sign_in=KeyPairSignIn(credentials),
        signing_keys=SigningKeys(store, sealer, clock, settings.region, rotated=cache.refresh),
        root_created=created,
    )


def _counters(settings: Settings, store: Store) -> Counters:
    """Where quota counts live: Redis when configured; the store when more than one process
    counts (workers, or PostgreSQL's nodes); else this process (docs/DEPLOYMENT.md)."""
    if settings.redis_url:
        return RedisCounters(settings.redis_url)
    url = settings.database_url or ""
    if settings.workers > 1 or url.startswith(("postgresql://", "postgres://")):
        return StoreCounters(store)
    return LocalCounters()


@dataclass(frozen=True)
class RequestAuth:
    """Who signed a request and whether they may: the authenticator and authorizer every
    signed entry point shares, for one that serves no AWS API itself (the gateway)."""

    authenticator: Authenticator
    authorizer: Authorizer
    clock: Clock


def build_request_auth(settings: Settings, store: Store, *, clock: Clock | None = None) -> RequestAuth:
    """The credential chain and policy authorizer over ``store``, which ``idpool serve`` has
    migrated. Root signs only if ``idpool serve`` has root credentials (given ones,
    IDPOOL_ROOT_*, win as they do there); nothing is created."""
    clock = clock or SystemClock()
    sealer = Sealer(load_master_key(env_value=settings.master_key, data_dir=settings.data_dir))
    partition = partition_of(settings.region)
    root = existing_root_credentials(store, sealer, settings.account_id, _given_root(settings), partition=partition)
    credentials = _credential_chain(root, store, sealer, clock, partition)
    return RequestAuth(_authenticator(credentials, clock, settings), PolicyAuthorizer(store, clock, sealer), clock)


def _given_root(settings: Settings) -> tuple[str, str] | None:
    if settings.root_access_key_id and settings.root_secret_access_key:
        return settings.root_access_key_id, settings.root_secret_access_key
    return None


def _credential_chain(root: RootCredentials | None, store: Store, sealer: Sealer, clock: Clock,
                      partition: str) -> CredentialChain:
    sources: list[CredentialSource] = [UserAccessKeys(store, sealer, partition), TemporaryCredentials(sealer, clock)]
    return CredentialChain(*([root] if root else []), *sources)


def _authenticator(credentials: CredentialChain, clock: Clock, settings: Settings) -> Authenticator:
    return Authenticator(credentials, clock, dt.timedelta(seconds=settings.clock_skew_seconds))


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
