"""Expose the process's Prometheus registry on its own port (each service scrapes separately)."""

from __future__ import annotations

from prometheus_client import start_http_server

from sellerbot_telemetry.settings import TelemetrySettings


def start_metrics_server(port: int, host: str | None = None) -> None:
    """Serve /metrics in a daemon thread; port 0 disables it (tests use in-process registries).

    Without `host` it listens on METRICS_HOST (loopback by default; containers set 0.0.0.0 so that
    Prometheus and the gateway can scrape it).
    """
    if port:
        start_http_server(port, addr=host if host is not None else TelemetrySettings().metrics_host)
