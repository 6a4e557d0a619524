"""The composition root: the one place that knows every concrete class.

``build_services`` opens the store, applies migrations, loads the master key, makes
sure there is a signing key and root credentials, and wires the domain services.
``idpool.web`` turns the result into an ASGI app; the CLI and the console call the same
services.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, cast

from idpool import errors, storage
from idpool.api.cognito_identity import CognitoIdentityApi
from idpool.api.iam import IamApi
from idpool.api.sts import StsApi
from idpool.auth import (
    Authenticator,
    Authorizer,
    CredentialChain,
    KeyPairSignIn,
    PolicyAuthorizer,
    RootCredentials,
    ensure_root_credentials,
)
from idpool.auth.credentials import TemporaryCredentials, UserAccessKeys
from idpool.clock import Clock, SystemClock
from idpool.iam.service import IamService
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
from idpool.sts.service import StsService


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
    given = None
    if settings.root_access_key_id and settings.root_secret_access_key:
        given = (settings.root_access_key_id, settings.root_secret_access_key)
    root, created = ensure_root_credentials(store, sealer, settings.account_id, given)
    cache = KeyRingCache(store, sealer, clock)
    keys = IssuerKeys(cache, settings.issuer_url, clock)
    factory = TokenFactory(keys, settings.issuer_url)
    pools = PoolService(store, clock, settings.region)
    identities = IdentityService(store, clock, pools, factory, settings.max_guests_per_pool or None)
    sts = StsService(store, clock, sealer, keys, check_subject=_subject_check(store, pools, keys, clock))
    credentials = CredentialChain(root, UserAccessKeys(store, sealer), TemporaryCredentials(sealer, clock))
    authorizer = PolicyAuthorizer(store, clock)
    iam = IamService(store, clock, sealer)
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
            "sts": StsApi(sts),
            "iam": IamApi(iam),
        },
        authenticator=Authenticator(credentials, clock, dt.timedelta(seconds=settings.clock_skew_seconds)),
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
