"""The ASGI application: the AWS endpoint, OpenID discovery, JWKS and /health.

``create_app(services=...)`` serves at once (tests, embedding). ``create_app(starter=...)``
starts listening first and builds the services in the background, so ``/health``
answers 503 while starting and 200 once API calls are served (CONTRACT.md).
"""

from __future__ import annotations

import contextlib
import json
import logging
import threading
import time
from typing import Any, AsyncIterator, Callable

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from idpool import storage
from idpool.app import Services
from idpool.pipeline import Pipeline
from idpool.web.endpoint import AwsEndpoint

log = logging.getLogger("idpool.server")
HEALTH_PING_SECONDS = 1.0


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
               max_body: int = 1024 * 1024) -> Any:
    runtime = Runtime(services)

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

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        if starter is not None and runtime.services is None:
            runtime.start(starter)
        yield
        if runtime.services is not None:
            runtime.services.close()

    endpoint = AwsEndpoint(Pipeline(lambda: runtime.services.api if runtime.services else None), max_body)
    site = Starlette(
        routes=[
            Route("/health", health, methods=["GET", "HEAD"]),
            Route("/.well-known/openid-configuration", discovery, methods=["GET", "HEAD"]),
            Route("/.well-known/jwks_uri", jwks, methods=["GET", "HEAD"]),
            Route("/.well-known/jwks.json", jwks, methods=["GET", "HEAD"]),
        ],
        lifespan=lifespan,
    )

    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        """POST / is the hot path: straight to the AWS endpoint, no router in between."""
        if scope["type"] == "http" and scope["path"] == "/":
            await endpoint(scope, receive, send)
        else:
            await site(scope, receive, send)

    return app
