"""Telemetry set-up shared by every Seller Bot process: JSON logs, traces and Prometheus metrics."""

from sellerbot_telemetry.bootstrap import configure_telemetry
from sellerbot_telemetry.redaction import redact_credentials, redact_url
from sellerbot_telemetry.settings import TelemetrySettings
from sellerbot_telemetry.structured_logs import configure_logging
from sellerbot_telemetry.tracing import configure_tracing, current_trace_id, span_unless_unsampled

__all__ = [
    "TelemetrySettings",
    "configure_logging",
    "configure_telemetry",
    "configure_tracing",
    "current_trace_id",
    "redact_credentials",
    "redact_url",
    "span_unless_unsampled",
]
