"""A grpc.aio server with health (grpc.health.v1), reflection and OpenTelemetry tracing built in."""

from __future__ import annotations

from collections.abc import Callable

import grpc
import structlog
from grpc_health.v1 import health, health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection
from opentelemetry.instrumentation.grpc import aio_server_interceptor

log = structlog.get_logger(__name__)

Registration = Callable[[grpc.aio.Server], None]


def _traced_unless(untraced: frozenset[str]) -> Callable[[object], bool]:
    """The interceptor's filter: False for the `untraced` method names. (OpenTelemetry's own filters find the
    method through isinstance checks against typing Protocols, which cost more than the rest of a small call.)"""

    def traced(details: object) -> bool:
        method = getattr(details, "method", "")
        if isinstance(method, bytes):
            method = method.decode()
        return str(method).rsplit("/", 1)[-1] not in untraced

    return traced


class GrpcServer:
    """Owns one grpc.aio server; `service_names` are the full names reported by health and reflection.

    `untraced_methods` (method names) get no server span from the interceptor: batch calls whose items
    each carry their own trace context and open their own spans.
    """

    def __init__(self, service_names: list[str], registrations: list[Registration],
                 untraced_methods: tuple[str, ...] = ()) -> None:
        self._service_names = service_names
        traced = _traced_unless(frozenset(untraced_methods)) if untraced_methods else None
        self._server = grpc.aio.server(
            interceptors=[aio_server_interceptor(filter_=traced)],
            options=[
                ("grpc.max_receive_message_length", 8 * 1024 * 1024),
                # Clients re-resolve their target when a connection ends: closing each connection after a few
                # minutes (with a grace for calls in flight) lets round_robin clients find replicas added since.
                ("grpc.max_connection_age_ms", 5 * 60_000),
                ("grpc.max_connection_age_grace_ms", 60_000),
            ],
        )
        self.health = health.aio.HealthServicer()
        health_pb2_grpc.add_HealthServicer_to_server(self.health, self._server)
        for register in registrations:
            register(self._server)
        reflection.enable_server_reflection(
            [*service_names, health_pb2.DESCRIPTOR.services_by_name["Health"].full_name,
             reflection.SERVICE_NAME],
            self._server,
        )
        self.port = 0

    async def start(self, address: str) -> int:
        self.port = self._server.add_insecure_port(address)
        await self._server.start()
        await self.set_serving(True)
        log.info("grpc_server_started", address=address, port=self.port, services=self._service_names)
        return self.port

    async def set_serving(self, serving: bool) -> None:
        status = (
            health_pb2.HealthCheckResponse.SERVING if serving else health_pb2.HealthCheckResponse.NOT_SERVING
        )
        for name in ["", *self._service_names]:
            await self.health.set(name, status)

    async def wait(self) -> None:
        await self._server.wait_for_termination()

    async def stop(self, grace_seconds: float = 5) -> None:
        await self.set_serving(False)
        await self._server.stop(grace_seconds)
