"""The HTTP edge: uvicorn's HTTP/1.1 protocol with a deadline for request headers, and the
one uvicorn configuration every idpool server uses (``idpool serve`` and the tests).

uvicorn bounds the idle time between requests (keep-alive, 5 s) but not the time a
client takes to send a request's headers: a client that connects and sends nothing, or
sends a header line every few seconds, would keep its socket (a file descriptor) for
ever, and a few thousand of them exhaust the process's descriptors. ``HeaderDeadline``
closes a connection whose request line and headers are not complete
``header_timeout`` seconds after the connection opened or the request's first byte
arrived. The body has its own deadline, enforced where it is read
(``idpool.web.http.body_deadline``), so that the client gets an AWS-shaped 408 there.
"""

from __future__ import annotations

import asyncio
from typing import Any

import uvicorn

try:
    from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol as _Http11
except ImportError:  # pragma: no cover - no httptools (e.g. PyPy): uvicorn's pure-Python parser
    from uvicorn.protocols.http.h11_impl import H11Protocol as _Http11  # type: ignore[assignment]


class EdgeConfig(uvicorn.Config):
    """uvicorn's Config plus the header deadline; picklable, so worker processes get it too."""

    def __init__(self, app: Any, *, header_timeout: float, **kwargs: Any) -> None:
        super().__init__(app, http=HeaderDeadline, **kwargs)
        self.header_timeout = header_timeout


class HeaderDeadline(_Http11):
    """uvicorn's HTTP/1.1 protocol, closing connections whose request headers come too slowly.

    Headers are complete when the parser starts a new request cycle (both of uvicorn's
    parsers set ``self.cycle`` then), so the deadline is checked against that: no
    parser internals are needed. Bytes arriving while a request is in progress are its
    body (or a pipelined request, read once the current one is answered): not timed here.
    """

    def __init__(self, config: EdgeConfig, *args: Any, **kwargs: Any) -> None:
        super().__init__(config, *args, **kwargs)
        self._header_timeout = config.header_timeout
        self._header_timer: asyncio.TimerHandle | None = None
        self._cycle_when_armed: Any = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._arm()

    def data_received(self, data: bytes) -> None:
        if self._header_timer is None and self._between_requests():
            self._arm()  # the first byte of a new request on a kept-alive connection
        super().data_received(data)
        if self._header_timer is not None and self.cycle is not self._cycle_when_armed:
            self._disarm()  # the headers are complete: a request cycle has started

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)

    def _between_requests(self) -> bool:
        return self.cycle is None or bool(self.cycle.response_complete)

    def _arm(self) -> None:
        self._cycle_when_armed = self.cycle
        self._header_timer = self.loop.call_later(self._header_timeout, self._headers_late)

    def _disarm(self) -> None:
        if self._header_timer is not None:
            self._header_timer.cancel()
            self._header_timer = None

    def _headers_late(self) -> None:
        self._header_timer = None
        if self.cycle is not self._cycle_when_armed:
            return  # completed by a path other than data_received (a pipelined request)
        if not self.transport.is_closing():
            self.transport.close()


def uvicorn_config(app: Any, *, header_timeout: float, drain_seconds: float, **overrides: Any) -> EdgeConfig:
    """The configuration idpool serves with: our logging (JSON lines), not uvicorn's."""
    options: dict[str, Any] = {
        "log_level": "warning", "log_config": None, "access_log": False, "timeout_graceful_shutdown": drain_seconds,
        "proxy_headers": False, "server_header": False, "date_header": True, "lifespan": "on",
    }
    options.update(overrides)
    return EdgeConfig(app, header_timeout=header_timeout, **options)
