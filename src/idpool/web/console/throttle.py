"""Failed console sign-ins, counted per source address."""

from __future__ import annotations

import threading
import time
from collections import deque

MAX_FAILURES = 10  # per source address
FAILURE_WINDOW_SECONDS = 300.0
MAX_ADDRESSES = 10_000


class SignInThrottle:
    """At most ``MAX_FAILURES`` failed sign-ins per address in ``FAILURE_WINDOW_SECONDS``;
    past that, the form is refused until the oldest failure leaves the window. Per process:
    with N nodes an address gets N times as many tries, still far too few to guess a key."""

    def __init__(self) -> None:
        self._failures: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def blocked(self, address: str) -> bool:
        with self._lock:
            recent = self._recent(address, time.monotonic())
            return len(recent) >= MAX_FAILURES

    def failed(self, address: str) -> None:
        with self._lock:
            self._recent(address, time.monotonic()).append(time.monotonic())

    def _recent(self, address: str, now: float) -> deque[float]:
        if len(self._failures) > MAX_ADDRESSES:  # forget quiet addresses rather than grow without bound
            for key in list(self._failures):
                _expire(self._failures[key], now)
                if not self._failures[key]:
                    del self._failures[key]
        recent = self._failures.setdefault(address, deque())
        _expire(recent, now)
        return recent


def _expire(times: deque[float], now: float) -> None:
    while times and now - times[0] > FAILURE_WINDOW_SECONDS:
        times.popleft()
