"""What idpool tells its operators: Prometheus metrics (``metrics``), the audit log
(``audit``), optional OpenTelemetry traces (``tracing``), and ``observer``, which the one
pipeline calls once per answered request."""
