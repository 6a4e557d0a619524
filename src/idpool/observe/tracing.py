"""Optional OpenTelemetry tracing (``IDPOOL_TRACING``, off by default): one server span per
API call, named ``<service>.<Operation>``, child of the caller's ``traceparent`` when it
sends one (W3C Trace Context), with the request id, the outcome and, for a failure, the
error code as its status.

Needs the ``tracing`` extra (``pip install 'idpool[tracing]'``: opentelemetry-sdk, and the
OTLP exporter for ``otlp``). ``console`` writes spans to standard error as JSON; ``otlp``
sends them over HTTP to the collector the standard ``OTEL_EXPORTER_OTLP_*`` variables name
(default http://localhost:4318). Spans are exported in the background, in batches.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping
from typing import Any


class TracingUnavailable(RuntimeError):
    """The OpenTelemetry packages tracing needs are not installed."""


class Tracing:
    def __init__(self, exporter: str) -> None:
        try:
            from opentelemetry.sdk.resources import Resource
            from opentelemetry.sdk.trace import TracerProvider
            from opentelemetry.sdk.trace.export import BatchSpanProcessor, ConsoleSpanExporter, SpanExporter
            from opentelemetry.trace import SpanKind, Status, StatusCode
            from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator
        except ImportError:
            raise TracingUnavailable(
                "IDPOOL_TRACING needs OpenTelemetry: pip install 'idpool[tracing]'") from None
        span_exporter: SpanExporter
        if exporter == "console":
            span_exporter = ConsoleSpanExporter(out=sys.stderr)
        else:
            try:
                from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
            except ImportError:
                raise TracingUnavailable(
                    "IDPOOL_TRACING=otlp needs the OTLP exporter: pip install 'idpool[tracing]'") from None
            span_exporter = OTLPSpanExporter()
        self._provider = TracerProvider(resource=Resource.create({"service.name": "idpool"}))
        self._provider.add_span_processor(BatchSpanProcessor(span_exporter))
        self._tracer = self._provider.get_tracer("idpool")
        self._propagator = TraceContextTextMapPropagator()
        self._server, self._status, self._error = SpanKind.SERVER, Status, StatusCode.ERROR

    def span(self, name: str, start_ns: int, end_ns: int, headers: Mapping[str, str],
             attributes: Mapping[str, Any], error_code: str | None) -> None:
        """Record one finished call as a span (its times are known once it is answered)."""
        parent = self._propagator.extract(carrier=dict(headers))
        span = self._tracer.start_span(name, context=parent, kind=self._server, start_time=start_ns,
                                       attributes={k: v for k, v in attributes.items() if v is not None})
        if error_code:
            span.set_status(self._status(self._error, error_code))
        span.end(end_time=end_ns)

    def close(self) -> None:
        self._provider.shutdown()
