"""Wiring a gateway over a store ``idpool serve`` has set up: the ``idpool gateway`` app,
and ``connect`` for Python apps that check requests themselves (the middleware, or
``Gateway.check`` from another framework)."""

from __future__ import annotations

from idpool import storage
from idpool.app import build_request_auth
from idpool.gateway.core import Api, Gateway
from idpool.gateway.cors import Cors
from idpool.gateway.proxy import GatewayApp, Limits
from idpool.settings import GatewaySettings, Settings, from_env
from idpool.storage import Store
from idpool.storage.open import open_store


def create_gateway_app(settings: GatewaySettings, store: Store) -> GatewayApp:
    """The ASGI app of ``idpool gateway``, on ``store`` (kept open by the caller)."""
    limits = Limits(max_body_bytes=settings.max_body_bytes, body_timeout=settings.store.body_timeout_seconds,
                    upstream_timeout=settings.upstream_timeout_seconds)
    return GatewayApp(gateway_over(settings.store, store, settings.api_id, settings.stage), settings.upstream,
                      cors=Cors(settings.cors_origins), limits=limits, healthy=lambda: _reachable(store))


def gateway_over(settings: Settings, store: Store, api_id: str, stage: str) -> Gateway:
    auth = build_request_auth(settings, store)
    return Gateway(Api(settings.region, settings.account_id, api_id, stage), auth.authenticator, auth.authorizer)


def connect(api_id: str = "api", stage: str = "prod", settings: Settings | None = None) -> tuple[Gateway, Store]:
    """A ``Gateway`` on the store the ``IDPOOL_*`` variables name (as ``idpool serve`` reads
    them: data dir or database URL, master key, region, account), and that store, which the
    caller closes when done. The store must have been set up by ``idpool serve``."""
    settings = settings or from_env()
    store = open_store(settings.database_url, settings.data_dir, migrate=False)
    try:
        return gateway_over(settings, store, api_id, stage), store
    except Exception:
        store.close()
        raise


def _reachable(store: Store) -> bool:
    try:
        store.ping()
    except storage.Unavailable:
        return False
    return True
