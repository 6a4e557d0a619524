"""The quota check of the one pipeline: after routing and authentication, before dispatch.

Each call of a limited operation adds one to the counter of every quota that applies to it
(see ``rules``) and is refused with ``TooManyRequests`` ("Rate exceeded", as AWS words
it) when any count goes over its limit; Cognito Identity answers it as
``TooManyRequestsException``, STS and IAM as ``Throttling``, all HTTP 400, which the AWS
SDKs retry with back-off. Refused calls count too, so a client that keeps hammering stays
refused until the window ends.

If the counters cannot be reached (Redis or the database down), calls are let through and
the failure is logged at most once a minute: quotas protect the service, they must not take
it down with them.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable, Sequence

from idpool import errors
from idpool.quotas.counters import Bucket, Counters
from idpool.quotas.rules import Quota

log = logging.getLogger("idpool.quotas")
RATE_EXCEEDED = "Rate exceeded"
_ERROR_LOG_INTERVAL = 60.0


class Throttle:
    def __init__(
        self,
        quotas: Sequence[Quota],
        counters: Counters,
        server_account: str,
        *,
        clock: Callable[[], float] = time.time,
        on_throttled: Callable[[Quota], None] = lambda quota: None,
        on_counter_error: Callable[[], None] = lambda: None,
    ) -> None:
        self._quotas = tuple(quotas)
        self._counters = counters
        self._server_account = server_account
        self._clock = clock
        self._on_throttled = on_throttled
        self._on_counter_error = on_counter_error
        self._applicable: dict[tuple[str, str], tuple[Quota, ...]] = {}
        self._error_logged_at = -_ERROR_LOG_INTERVAL
        self._lock = threading.Lock()

    @property
    def quotas(self) -> tuple[Quota, ...]:
        return self._quotas

    def check(self, service: str, operation: str, *, account: str | None, source_ip: str | None) -> None:
        """Count this call; ``TooManyRequests`` if it is over a quota. ``account`` is the
        caller's account for a signed call, None for an unsigned one."""
        quotas = self._applicable.get((service, operation))
        if quotas is None:
            quotas = self._applicable.setdefault((service, operation), tuple(
                q for q in self._quotas if q.service == service and q.operation in (operation, "*")))
        if not quotas:
            return
        now = self._clock()
        counted: list[tuple[Quota, Bucket]] = []
        for quota in quotas:
            key = self._key(quota, account, source_ip)
            if key is not None:
                window = int(now // quota.window)
                bucket = f"idpool:q:{quota.per}:{quota.window}:{quota.service}:{quota.operation}:{key}:{window}"
                counted.append((quota, (bucket, (window + 1) * quota.window)))
        if not counted:
            return
        try:
            counts = self._counters.hit([bucket for _, bucket in counted], int(now))
        except Exception as exc:  # any counter backend failure: let the call through (see above)
            self._counter_failed(exc)
            return
        for (quota, _), count in zip(counted, counts, strict=True):
            if count > quota.limit:
                self._on_throttled(quota)
                raise errors.TooManyRequests(RATE_EXCEEDED, detail=f"over the quota {quota.name}")

    def _key(self, quota: Quota, account: str | None, source_ip: str | None) -> str | None:
        if quota.per == "source":
            return source_ip if account is None else None  # unsigned calls only
        return account or self._server_account

    def _counter_failed(self, exc: Exception) -> None:
        self._on_counter_error()
        now = time.monotonic()
        with self._lock:
            if now - self._error_logged_at < _ERROR_LOG_INTERVAL:
                return
            self._error_logged_at = now
        log.warning(json.dumps({"event": "quota-counters-unavailable", "exception": type(exc).__name__,
                                "detail": str(exc)[:200], "effect": "calls are not limited until they are back"}))
