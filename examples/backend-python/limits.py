"""Failed sign-ins, limited per username and per address (OWASP Authentication Cheat
Sheet: throttle password guessing per account, and per source against spraying)."""

from __future__ import annotations

import math
import threading
import time
from collections import deque
from collections.abc import Callable


class SignInLimiter:
    def __init__(self, per_user: int = 5, per_address: int = 20, window_seconds: float = 900,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self._limits = {"user": per_user, "address": per_address}
        self._window, self._clock = window_seconds, clock
        self._failures: dict[tuple[str, str], deque[float]] = {}
        self._lock = threading.Lock()

    def blocked_for(self, username: str, address: str) -> int:
        """Seconds until another attempt is allowed (0: allowed now)."""
        now = self._clock()
        with self._lock:
            waits = [self._wait(("user", username), now), self._wait(("address", address), now)]
        return max(waits)

    def failed(self, username: str, address: str) -> None:
        now = self._clock()
        with self._lock:
            for key in (("user", username), ("address", address)):
                self._failures.setdefault(key, deque()).append(now)

    def succeeded(self, username: str) -> None:
        with self._lock:
            self._failures.pop(("user", username), None)

    def _wait(self, key: tuple[str, str], now: float) -> int:
        times = self._failures.get(key)
        if not times:
            return 0
        while times and times[0] <= now - self._window:
            times.popleft()
        if not times:
            del self._failures[key]  # forgotten once the window has passed
            return 0
        if len(times) < self._limits[key[0]]:
            return 0
        return max(1, math.ceil(times[0] + self._window - now))
