"""One call that sets up logs and traces for a service from its TelemetrySettings."""

from __future__ import annotations

from prometheus_client import disable_created_metrics

from sellerbot_telemetry.settings import TelemetrySettings
from sellerbot_telemetry.structured_logs import configure_logging
from sellerbot_telemetry.tracing import configure_tracing


def configure_telemetry(service_name: str, settings: TelemetrySettings) -> None:
    configure_logging(service_name, settings.log_level, settings.log_format)
    configure_tracing(service_name, settings.otel_traces_exporter, settings.otel_exporter_otlp_endpoint)
    # `<name>_created` timestamps double every counter's lines in /metrics and no dashboard reads them.
    disable_created_metrics()
