"""Client channels with OpenTelemetry propagation of the trace context."""

from __future__ import annotations

import grpc
from opentelemetry.instrumentation.grpc import aio_client_interceptors


def open_channel(target: str) -> grpc.aio.Channel:
    """`target` in gRPC's naming syntax (https://github.com/grpc/grpc/blob/master/doc/naming.md):
    `host:port` (one replica), `dns:///service:port` (a Kubernetes headless Service: one A record per pod), or
    `ipv4:127.0.0.1:50052,127.0.0.1:50062` (`make run --replicas`). round_robin keeps a subchannel to every
    address and spreads calls over them; the servers' max connection age makes clients re-resolve, so replicas
    added later are found within minutes."""
    return grpc.aio.insecure_channel(
        target,
        interceptors=aio_client_interceptors(),
        options=[
            ("grpc.max_receive_message_length", 8 * 1024 * 1024),
            ("grpc.keepalive_time_ms", 30_000),
            ("grpc.enable_retries", 1),
            # With a target that resolves to several replicas, spread calls and streams over all of them
            # instead of pinning every call to the first address (pick_first, gRPC's default).
            ("grpc.lb_policy_name", "round_robin"),
        ],
    )
