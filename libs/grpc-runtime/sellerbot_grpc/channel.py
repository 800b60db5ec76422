"""Client channels with OpenTelemetry propagation of the trace context."""

from __future__ import annotations

import grpc
from opentelemetry.instrumentation.grpc import aio_client_interceptors


def open_channel(target: str) -> grpc.aio.Channel:
    return grpc.aio.insecure_channel(
        target,
        interceptors=aio_client_interceptors(),
        options=[
            ("grpc.max_receive_message_length", 8 * 1024 * 1024),
            ("grpc.keepalive_time_ms", 30_000),
            ("grpc.enable_retries", 1),
            # With a name that resolves to several replicas (a Kubernetes headless Service, `dns:///...`),
            # spread calls and streams over all of them instead of pinning every call to the first address.
            ("grpc.lb_policy_name", "round_robin"),
        ],
    )
