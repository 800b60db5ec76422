"""Expose the process's Prometheus registry on its own port (each service scrapes separately)."""

from __future__ import annotations

from prometheus_client import start_http_server


def start_metrics_server(port: int, host: str = "127.0.0.1") -> None:
    """Serve /metrics in a daemon thread; port 0 disables it (tests use in-process registries)."""
    if port:
        start_http_server(port, addr=host)
