"""A channel opened on several replicas' addresses spreads calls over all of them (round_robin), as the
gateway does with `make run --replicas` (`ipv4:a,b`) and in Kubernetes (`dns:///headless-service:port`)."""

from __future__ import annotations

from collections import Counter
from collections.abc import AsyncIterator

import grpc
import pytest
from grpc_health.v1 import health, health_pb2, health_pb2_grpc
from sellerbot_grpc import open_channel


class CountingHealth(health.aio.HealthServicer):
    def __init__(self, replica: str, counts: Counter[str]) -> None:
        super().__init__()
        self._replica, self._counts = replica, counts

    async def Check(self, request: health_pb2.HealthCheckRequest, context: grpc.aio.ServicerContext
                    ) -> health_pb2.HealthCheckResponse:
        self._counts[self._replica] += 1
        return health_pb2.HealthCheckResponse(status=health_pb2.HealthCheckResponse.SERVING)


@pytest.fixture
async def two_replicas() -> AsyncIterator[tuple[list[int], Counter[str]]]:
    counts: Counter[str] = Counter()
    servers, ports = [], []
    for replica in ("a", "b"):
        server = grpc.aio.server()
        health_pb2_grpc.add_HealthServicer_to_server(CountingHealth(replica, counts), server)
        ports.append(server.add_insecure_port("127.0.0.1:0"))
        await server.start()
        servers.append(server)
    yield ports, counts
    for server in servers:
        await server.stop(None)


async def test_calls_on_a_multi_address_target_reach_every_replica(
    two_replicas: tuple[list[int], Counter[str]],
) -> None:
    ports, counts = two_replicas
    channel = open_channel("ipv4:" + ",".join(f"127.0.0.1:{port}" for port in ports))
    stub = health_pb2_grpc.HealthStub(channel)
    for _ in range(20):
        await stub.Check(health_pb2.HealthCheckRequest(), timeout=5, wait_for_ready=True)
    await channel.close()
    assert counts["a"] >= 5 and counts["b"] >= 5, counts
