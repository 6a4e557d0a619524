"""The ASGI application: the AWS endpoint, OpenID discovery, JWKS, /health and the console.

``create_app(services=...)`` serves at once (tests, embedding). ``create_app(starter=...)``
starts listening first and builds the services in the background, so ``/health``
answers 503 while starting, and 200 only once API calls are served: a load balancer
may send traffic as soon as it sees 200.

Around everything: a request body must arrive within ``body_timeout`` seconds (408 in
the service's error shape otherwise), and on shutdown ``Drain`` answers what is still
in flight at the deadline. ``GET /`` from a browser is sent to the console (``/console``).
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import random
import threading
import time
from collections.abc import AsyncIterator, Callable
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from idpool import errors, storage
from idpool.app import Services
from idpool.observe.metrics import CONTENT_TYPE as METRICS_CONTENT_TYPE
from idpool.pipeline import Pipeline
from idpool.settings import proxy_networks
from idpool.web import pages
from idpool.web.console.app import console_routes
from idpool.web.drain import Drain
from idpool.web.endpoint import AwsEndpoint
from idpool.web.http import BodyTimeout, Receive, Scope, Send, body_deadline, respond
from idpool.web.unrouted import error_before_routing

log = logging.getLogger("idpool.server")
access = logging.getLogger("idpool.access")
HEALTH_PING_SECONDS = 1.0
UPKEEP_SECONDS = 60.0


def _upkeep(runtime: Runtime, stop: threading.Event) -> None:
    """The process's periodic upkeep (``Services.upkeep``), from a minute after start (with
    jitter, so the workers and nodes started together do not all run at once) until stop."""
    wait = UPKEEP_SECONDS * (1 + random.random())
    while not stop.wait(wait):
        wait = UPKEEP_SECONDS
        services = runtime.services
        if services is None:
            continue
        try:
            services.upkeep.run(time.monotonic())
        except Exception:  # logged and tried again next round: upkeep never stops serving
            log.exception("idpool upkeep failed")


class Runtime:
    """Holds the services once they exist, and the last health probe."""

    def __init__(self, services: Services | None = None) -> None:
        self.services = services
        self.failure: str | None = None
        self._probe_at = 0.0
        self._probe_ok = False
        self._lock = threading.Lock()

    def start(self, starter: Callable[[], Services]) -> None:
        def run() -> None:
            try:
                self.services = starter()
            except Exception as exc:  # shown by /health; the CLI logs the traceback
                self.failure = f"{type(exc).__name__}: {exc}"
                log.exception("idpool failed to start")

        threading.Thread(target=run, name="idpool-start", daemon=True).start()

    def healthy(self) -> bool:
        services = self.services
        if services is None:
            return False
        now = time.monotonic()
        with self._lock:
            if now - self._probe_at >= HEALTH_PING_SECONDS:
                try:
                    services.store.ping()
                    self._probe_ok = True
                except storage.Unavailable:
                    self._probe_ok = False
                self._probe_at = now
            return self._probe_ok


def create_app(services: Services | None = None, starter: Callable[[], Services] | None = None,
               max_body: int = 1024 * 1024, body_timeout: float = 30.0, drain_seconds: float = 30.0,
               trusted_proxies: str | None = None) -> Any:
    runtime = Runtime(services)
    if trusted_proxies is None:
        trusted_proxies = services.settings.trusted_proxies if services is not None else ""

    async def health(request: Request) -> Response:
        from anyio import to_thread

        ok = await to_thread.run_sync(runtime.healthy)
        status = "ok" if ok else ("failed" if runtime.failure else "starting" if runtime.services is None else "unavailable")
        body: dict[str, Any] = {"status": status}
        if runtime.failure:
            body["error"] = runtime.failure
        return JSONResponse(body, status_code=200 if ok else 503, headers={"cache-control": "no-store"})

    async def discovery(request: Request) -> Response:
        current = runtime.services
        if current is None:
            return JSONResponse({"status": "starting"}, status_code=503)
        issuer = current.settings.issuer_url
        doc = {
            "issuer": issuer,
            "jwks_uri": f"{issuer}/.well-known/jwks_uri",
            "response_types_supported": ["id_token"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS512"],
            "claims_supported": ["sub", "aud", "amr", "iss", "iat", "exp",
                                 "https://cognito-identity.amazonaws.com/identity-pool-arn",
                                 "https://aws.amazon.com/tags"],
        }
        return JSONResponse(doc, headers={"access-control-allow-origin": "*", "cache-control": "public, max-age=300"})

    async def jwks(request: Request) -> Response:
        current = runtime.services
        if current is None:
            return JSONResponse({"status": "starting"}, status_code=503)
        body = json.dumps(current.keys.jwks(), separators=(",", ":")).encode()
        return Response(body, media_type="application/json", headers={
            "access-control-allow-origin": "*", "cache-control": "public, max-age=60",
        })

    async def metrics(request: Request) -> Response:
        """Prometheus text format, no credentials (docs/DEPLOYMENT.md: keep it private)."""
        from anyio import to_thread

        current = runtime.services
        if current is None:
            return JSONResponse({"status": "starting"}, status_code=503)
        body = await to_thread.run_sync(current.observer.metrics.exposition)
        return Response(body, media_type=None, headers={"content-type": METRICS_CONTENT_TYPE,
                                                        "cache-control": "no-store"})

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        drain.watch_signals()
        if starter is not None and runtime.services is None:
            runtime.start(starter)
        upkeep = threading.Event()
        threading.Thread(target=_upkeep, args=(runtime, upkeep), name="idpool-upkeep", daemon=True).start()
        yield
        upkeep.set()
        # The one line a stop leaves in the log (uvicorn's own stay below warning).
        log.info(json.dumps({"event": "shutdown", "pid": os.getpid(),
                             "answeredUnavailable": drain.answered_unavailable}))
        if runtime.services is not None:
            runtime.services.close()

    endpoint = AwsEndpoint(Pipeline(lambda: runtime.services.api if runtime.services else None), max_body,
                           proxy_networks(trusted_proxies))
    site = Starlette(
        routes=[
            Route("/health", health, methods=["GET", "HEAD"]),
            Route("/metrics", metrics, methods=["GET", "HEAD"]),
            Route("/.well-known/openid-configuration", discovery, methods=["GET", "HEAD"]),
            Route("/.well-known/jwks_uri", jwks, methods=["GET", "HEAD"]),
            Route("/.well-known/jwks.json", jwks, methods=["GET", "HEAD"]),
            *console_routes(lambda: runtime.services),
        ],
        lifespan=lifespan,
    )

    async def api(scope: Scope, receive: Receive, send: Send) -> None:
        try:
            await endpoint(scope, receive, send)
        except BodyTimeout:  # raised while reading the body: nothing has been sent yet
            response = error_before_routing(scope["headers"], errors.RequestTimeout(
                f"The request body was not received within {body_timeout:g} seconds."))
            await respond(send, response.status, response.headers, response.body)
            client = scope.get("client")
            access.info(json.dumps({  # the access line the endpoint writes for every answered request
                "requestId": dict(response.headers).get("x-amzn-RequestId"), "service": None, "operation": None,
                "status": 408, "caller": None, "sourceIp": client[0] if client else None, "event": "body-timeout",
            }))

    async def page(send: Send) -> None:
        await respond(send, pages.CONSOLE_REDIRECT.status, pages.CONSOLE_REDIRECT.headers, b"", cors=False)

    async def app(scope: Scope, receive: Any, send: Any) -> None:
        """POST / is the hot path: straight to the AWS endpoint, no router in between."""
        if scope["type"] != "http":
            await site(scope, receive, send)
            return
        receive = body_deadline(receive, body_timeout)
        if scope["path"] != "/":
            await site(scope, receive, send)
        elif pages.wants_page(scope):
            await page(send)
        else:
            await api(scope, receive, send)

    drain = Drain(app, drain_seconds)
    return drain
