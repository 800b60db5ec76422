"""/livez, /readyz, /seller-bot/health and /metrics: what each tells without a login, and to whom the rest."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from typing import Any

import grpc
import httpx
import pytest
from api_gateway.users.repository import UserRepository
from grpc_health.v1 import health, health_pb2, health_pb2_grpc
from sellerbot_database import create_engine, session_factory
from sellerbot_devstack.servers import free_port

from .conftest import METRICS_AUTH, login

SERVICES = ("automation", "chatbot", "channel_adapter", "notification")


@pytest.fixture
async def serving_services() -> AsyncIterator[dict[str, str]]:
    """Four real gRPC servers answering grpc.health.v1 SERVING, one per service address."""
    servers, addresses = [], {}
    for name in SERVICES:
        server = grpc.aio.server()
        servicer = health.aio.HealthServicer()
        await servicer.set("", health_pb2.HealthCheckResponse.SERVING)
        health_pb2_grpc.add_HealthServicer_to_server(servicer, server)
        port = server.add_insecure_port("127.0.0.1:0")
        await server.start()
        servers.append(server)
        addresses[f"{name}_grpc_addr"] = f"127.0.0.1:{port}"
    yield addresses
    await asyncio.gather(*(server.stop(None) for server in servers))


async def test_livez_answers_without_checking_anything(gateway: httpx.AsyncClient) -> None:
    response = await gateway.get("/livez")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


async def test_readyz_is_503_until_every_required_dependency_is_up(gateway: httpx.AsyncClient) -> None:
    response = await gateway.get("/readyz")  # no service listens in this test
    assert response.status_code == 503
    assert response.json() == {"status": "not_ready"}


async def test_readyz_is_200_with_every_service_serving_even_without_redis(
    gateway_factory: Callable[..., Any], serving_services: dict[str, str]
) -> None:
    client: httpx.AsyncClient = await gateway_factory(redis_url=f"redis://127.0.0.1:{free_port()}/0",
                                                      **serving_services)
    response = await client.get("/readyz")
    assert response.status_code == 200, response.text
    assert response.json() == {"status": "ready"}
    summary = (await client.get("/seller-bot/health")).json()
    assert summary == {"status": "degraded", "checks": {"database": "up", "cache": "down", "event-bus": "up",
                                                        "service": "up"}}


async def test_public_health_says_only_up_or_down_and_an_admin_gets_the_detail(
    gateway: httpx.AsyncClient,
) -> None:
    public = (await gateway.get("/seller-bot/health")).json()
    assert set(public) == {"status", "checks"}
    assert set(public["checks"].values()) <= {"up", "down"}
    forged = await gateway.get("/seller-bot/health", headers={"Authorization": "Bearer not-a-token"})
    assert forged.status_code == 200 and set(forged.json()) == {"status", "checks"}
    detailed = (await gateway.get("/seller-bot/health",
                                  headers={"Authorization": f"Bearer {await login(gateway)}"})).json()
    nats = next(d for d in detailed["dependencies"] if d["name"] == "nats")
    assert nats["status"] == "ok" and nats["detail"].startswith("127.0.0.1:")
    assert {d["name"]: d["required"] for d in detailed["dependencies"]}["redis"] is False


async def test_metrics_on_the_public_port_need_the_metrics_token(gateway_factory: Callable[..., Any]) -> None:
    client: httpx.AsyncClient = await gateway_factory()
    assert (await client.get("/metrics")).status_code == 401
    wrong = await client.get("/metrics", headers={"Authorization": "Bearer wrong-token"})
    assert wrong.status_code == 401 and wrong.json()["error"] == "unauthorized"
    right = await client.get("/metrics", headers=METRICS_AUTH)
    assert right.status_code == 200 and "http_requests_total" in right.text


async def test_without_a_metrics_token_metrics_are_only_on_the_internal_port(
    gateway_factory: Callable[..., Any],
) -> None:
    port = free_port()
    client: httpx.AsyncClient = await gateway_factory(metrics_token="", gateway_metrics_port=port)
    public = await client.get("/metrics", headers=METRICS_AUTH)
    assert public.status_code == 404 and "GATEWAY_METRICS_PORT" in public.json()["detail"]
    async with httpx.AsyncClient() as internal:
        response = await internal.get(f"http://127.0.0.1:{port}/metrics")
    assert response.status_code == 200
    assert 'service="gateway"' in response.text


async def test_public_metrics_are_rate_limited(gateway_factory: Callable[..., Any]) -> None:
    client: httpx.AsyncClient = await gateway_factory(rate_limit_api="3/minute")
    statuses = [(await client.get("/metrics", headers=METRICS_AUTH)).status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]


async def test_the_gateway_database_down_is_a_503_naming_it_not_a_500(gateway_factory: Callable[..., Any]) -> None:
    client: httpx.AsyncClient = await gateway_factory()
    token = await login(client)
    state = client._transport.app.state.gateway  # type: ignore[attr-defined]
    gone = create_engine(f"postgresql://postgres@127.0.0.1:{free_port()}/gone")
    state.users = UserRepository(session_factory(gone))
    try:
        response = await client.get("/auth/me", headers={"Authorization": f"Bearer {token}"})
    finally:
        await gone.dispose()
    assert response.status_code == 503, response.text
    assert response.json()["service"] == "database" and "Retry-After" in response.headers
