"""Draining on shutdown: a request still unanswered at the drain deadline gets an AWS error.

On SIGTERM (or SIGINT) uvicorn stops accepting and waits up to
``timeout_graceful_shutdown`` (``IDPOOL_DRAIN_SECONDS``) for the requests in flight; past
it, it cancels them, and a cancelled request gets uvicorn's own plain-text 500, which no
AWS SDK can read. ``Drain`` answers first: it keeps the set of requests in flight and,
a little before the deadline, answers each one whose response has not started with the
service's ``ServiceUnavailable`` (503: the SDKs retry it, on another node behind a load
balancer), then cancels its work. A response already started is left to finish.

The drain starts with the signal itself: at startup ``watch_signals`` chains a handler
after the server's own (main thread only, where uvicorn installs its handlers), so every
worker process drains the same way without reaching into uvicorn's supervisor.
"""

from __future__ import annotations

import asyncio
import signal
import threading
from types import FrameType
from typing import Any

from idpool import errors
from idpool.web.http import Receive, Scope, Send, respond
from idpool.web.unrouted import error_before_routing

# How long before the deadline the drain answers: enough for the answer to leave and
# the request's task to end before uvicorn starts cancelling.
ANSWER_MARGIN_SECONDS = 1.0
MESSAGE = "idpool is shutting down; retry the request."


class _Flight:
    """One request in flight: its task, and whether its response has started."""

    __slots__ = ("headers", "preempted", "send", "started", "task")

    def __init__(self, task: asyncio.Task[Any] | None, headers: list[tuple[bytes, bytes]], send: Send) -> None:
        self.task = task
        self.headers = headers
        self.send = send
        self.started = False
        self.preempted = False

    async def forward(self, message: dict[str, Any]) -> None:
        if self.preempted:
            return  # the drain has answered for this request
        self.started = True
        await self.send(message)


class Drain:
    """ASGI wrapper: tracks HTTP requests in flight and answers them at the drain deadline."""

    def __init__(self, app: Any, seconds: float) -> None:
        self._app = app
        self.seconds = seconds
        self._flights: set[_Flight] = set()
        self._began = False
        self._expired = False
        self.answered_unavailable = 0  # for the shutdown log line

    @property
    def answer_after(self) -> float:
        """Seconds from the signal to the drain's own answers (before uvicorn's deadline)."""
        return self.seconds - min(ANSWER_MARGIN_SECONDS, self.seconds / 4)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self._app(scope, receive, send)
            return
        if self._expired:
            self.answered_unavailable += 1
            await _unavailable(scope["headers"], send)
            return
        flight = _Flight(asyncio.current_task(), scope["headers"], send)
        self._flights.add(flight)
        try:
            await self._app(scope, receive, flight.forward)
        except asyncio.CancelledError:
            if not flight.preempted:
                raise
            # Our own cancellation (_expire): answer, and end the request normally.
            if flight.task is not None:
                flight.task.uncancel()
            await _unavailable(flight.headers, send)
        finally:
            self._flights.discard(flight)

    def watch_signals(self) -> None:
        """Begin the drain when SIGTERM or SIGINT arrives, after the server's own handler runs."""
        if threading.current_thread() is not threading.main_thread():
            return  # signals are delivered to the main thread only: an embedded server
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            previous = signal.getsignal(sig)
            if not callable(previous):
                continue  # default or ignored: no server is handling it; leave it alone
            signal.signal(sig, _chained(previous, lambda: loop.call_soon_threadsafe(self.begin)))

    def begin(self) -> None:
        """Start the clock (idempotent: the first signal's deadline holds)."""
        if self._began:
            return
        self._began = True
        asyncio.get_running_loop().call_later(self.answer_after, self._expire)

    def _expire(self) -> None:
        self._expired = True
        for flight in list(self._flights):
            if not flight.started and not flight.preempted and flight.task is not None:
                flight.preempted = True
                self.answered_unavailable += 1
                flight.task.cancel()


def _chained(previous: Any, then: Any) -> Any:
    def handler(signum: int, frame: FrameType | None) -> None:
        then()
        previous(signum, frame)

    return handler


async def _unavailable(headers: list[tuple[bytes, bytes]], send: Send) -> None:
    response = error_before_routing(headers, errors.ServiceUnavailable(MESSAGE))
    await respond(send, response.status, response.headers, response.body)
