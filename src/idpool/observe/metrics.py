"""Prometheus metrics, served at ``GET /metrics`` in the text exposition format, with the
official client library (prometheus_client).

With ``--workers N`` the workers share their figures through the library's multiprocess
mode: the parent makes a private directory for them (``IDPOOL_METRICS_DIR``, set as
``PROMETHEUS_MULTIPROC_DIR`` before any worker starts), each worker writes its counters and
histograms to files there, and whichever worker answers ``/metrics`` reads them all, so
one scrape sees the whole node. Figures computed at scrape time (the signing key's age)
come from the worker that answers; they are the same on every worker.

Other parts (the gateway) add their own figures through ``Metrics.component(name)``,
which names them ``idpool_<name>_...`` in the same registry and exposition.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from prometheus_client import (
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    ProcessCollector,
    generate_latest,
)
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector

from idpool import __version__
from idpool.model import SigningKey

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
# Seconds. Calls take about a millisecond here (RS512 signing dominates); the tail matters more.
LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
STORE_BUCKETS = (0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.5, 1.0, 5.0)


class Metrics:
    """Every figure idpool exports, in one registry per server (or one directory per node)."""

    def __init__(self, multiprocess_dir: str | None = None) -> None:
        self.multiprocess_dir = multiprocess_dir
        self.registry = CollectorRegistry(auto_describe=True)
        # In multiprocess mode the values live in files; the metrics are not registered, and
        # a scrape collects the files instead (``exposition``).
        self._target: CollectorRegistry | None = None if multiprocess_dir else self.registry
        if multiprocess_dir:
            MultiProcessCollector(self.registry, path=multiprocess_dir)  # type: ignore[no-untyped-call]
        else:
            ProcessCollector(registry=self.registry)
        self.requests = self.counter(
            "idpool_requests_total", "API calls answered, by service, operation and outcome "
            "(Success, or the error code sent)", ("service", "operation", "outcome"))
        self.latency = self.histogram(
            "idpool_request_duration_seconds", "Time from routing to the answer, by service and operation",
            ("service", "operation"), LATENCY_BUCKETS)
        self.throttled = self.counter(
            "idpool_throttled_total", "Calls refused by a request-rate quota", ("service", "operation", "per"))
        self.counter_errors = self.counter(
            "idpool_quota_counter_errors_total", "Quota counters that could not be reached (the calls were let through)",
            ())
        self.tokens = self.counter(
            "idpool_tokens_issued_total", "OpenID tokens issued, by operation", ("operation",))
        self.credentials = self.counter(
            "idpool_credentials_issued_total", "Temporary credentials issued, by operation", ("operation",))
        self.store_latency = self.histogram(
            "idpool_store_duration_seconds", "Time of each store call, by method", ("method",), STORE_BUCKETS)
        self.guests_deleted = self.counter(
            "idpool_unused_guests_deleted_total", "Guests deleted because they were never used", ())
        info = Gauge("idpool_build_info", "The idpool version serving", ("version",), registry=self._target,
                     multiprocess_mode="max")
        info.labels(__version__).set(1)

    # --- the small API other parts use (the gateway) ------------------------------------------
    def component(self, name: str) -> ComponentMetrics:
        """Figures of another part of idpool, named ``idpool_<name>_<figure>``."""
        return ComponentMetrics(self, name)

    def counter(self, name: str, documentation: str, labels: Sequence[str]) -> Counter:
        return Counter(name.removesuffix("_total"), documentation, tuple(labels), registry=self._target)

    def histogram(self, name: str, documentation: str, labels: Sequence[str],
                  buckets: Sequence[float] = LATENCY_BUCKETS) -> Histogram:
        return Histogram(name, documentation, tuple(labels), registry=self._target, buckets=tuple(buckets))

    def add_collector(self, collector: Collector) -> None:
        """A collector computed at scrape time by the answering process (``signing_key_collector``)."""
        self.registry.register(collector)

    # --- the scrape -------------------------------------------------------------------------------
    def exposition(self) -> bytes:
        return generate_latest(self.registry)


class ComponentMetrics:
    """``Metrics`` seen by one component: every name gets the component's prefix."""

    def __init__(self, metrics: Metrics, name: str) -> None:
        self._metrics = metrics
        self._prefix = f"idpool_{name}_"

    def counter(self, name: str, documentation: str, labels: Sequence[str] = ()) -> Counter:
        return self._metrics.counter(self._prefix + name, documentation, labels)

    def histogram(self, name: str, documentation: str, labels: Sequence[str] = (),
                  buckets: Sequence[float] = LATENCY_BUCKETS) -> Histogram:
        return self._metrics.histogram(self._prefix + name, documentation, labels, buckets)


class SigningKeyCollector(Collector):
    """The key ring, read at scrape time: the active key's age and how many keys verify."""

    def __init__(self, keys: Callable[[], Iterable[SigningKey]], now: Callable[[], dt.datetime]) -> None:
        self._keys, self._now = keys, now

    def collect(self) -> Iterable[Metric]:
        try:
            keys = list(self._keys())
        except Exception:  # the store is down: say nothing rather than fail the scrape
            return []
        now = self._now()
        age = GaugeMetricFamily("idpool_signing_key_age_seconds", "Age of the active OpenID signing key")
        for key in keys:
            if key.active:
                age.add_metric([], (now - key.created_at).total_seconds())
        count = GaugeMetricFamily("idpool_signing_keys", "Signing keys in the store, by state", labels=["state"])
        count.add_metric(["active"], sum(1 for key in keys if key.active))
        count.add_metric(["retired"], sum(1 for key in keys if not key.active))
        return [age, count]

    def describe(self) -> Iterable[Metric]:
        return []  # computed at scrape time: nothing to check at registration


class TimedStore:
    """The store, with each method call timed into ``idpool_store_duration_seconds``.

    Wraps any ``Store``; a method is wrapped once, on first use, and kept."""

    def __init__(self, store: Any, histogram: Histogram) -> None:
        self._store = store
        self._histogram = histogram

    def __getattr__(self, name: str) -> Any:
        method = getattr(self._store, name)
        if not callable(method) or name.startswith("_"):
            return method
        observe = self._histogram.labels(name).observe

        def timed(*args: Any, **kwargs: Any) -> Any:
            started = time.perf_counter()
            try:
                return method(*args, **kwargs)
            finally:
                observe(time.perf_counter() - started)

        setattr(self, name, timed)  # found directly next time, without __getattr__
        return timed
