"""Gateway under test: a real app (real PostgreSQL, Redis, NATS) served in-process over HTTP via ASGI."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
import pytest
from api_gateway.main import create_app
from api_gateway.settings import GatewaySettings
from sellerbot_devstack.servers import free_port

ADMIN_EMAIL = "admin@test.local"
ADMIN_PASSWORD = "admin-password-123"
JWT_SECRET = "test-secret-" + "x" * 32
METRICS_TOKEN = "metrics-token-for-tests-0123456789"
METRICS_AUTH = {"Authorization": f"Bearer {METRICS_TOKEN}"}


@pytest.fixture
def gateway_settings(postgres_url: str, redis_url: str, nats_url: str) -> Callable[..., GatewaySettings]:
    def build(**overrides: Any) -> GatewaySettings:
        # Unused ports: no service listens there, so service calls must degrade to a 503 JSON.
        values: dict[str, Any] = {
            "database_url": postgres_url,
            "redis_url": redis_url,
            "nats_url": nats_url,
            "jwt_secret": JWT_SECRET,
            "admin_email": ADMIN_EMAIL,
            "admin_password": ADMIN_PASSWORD,
            "automation_grpc_addr": f"127.0.0.1:{free_port()}",
            "chatbot_grpc_addr": f"127.0.0.1:{free_port()}",
            "channel_adapter_grpc_addr": f"127.0.0.1:{free_port()}",
            "notification_grpc_addr": f"127.0.0.1:{free_port()}",
            "service_metrics_urls": "",
            "metrics_token": METRICS_TOKEN,
            "gateway_metrics_port": 0,  # the internal metrics port is tested on its own (test_operational_routes)
            "grpc_timeout_seconds": 2.0,
            # Unique rate-limit scope per test: shared Redis must not leak counts between tests.
            "rate_limit_api": "1000/minute",
            # Failed logins are counted per e-mail in the shared Redis: the admin's must never lock other runs out.
            "login_failure_limit": "100000/minute",
            **overrides,
        }
        return GatewaySettings(_env_file=None, **values)  # type: ignore[call-arg]

    return build


@pytest.fixture
async def gateway_factory(
    gateway_settings: Callable[..., GatewaySettings],
) -> AsyncIterator[Callable[..., Any]]:
    stack: list[Any] = []

    async def start(client_ip: str | None = None, **overrides: Any) -> httpx.AsyncClient:
        app = create_app(gateway_settings(**overrides))
        lifespan = app.router.lifespan_context(app)
        await lifespan.__aenter__()
        stack.append(lifespan)
        ip = client_ip or f"10.{uuid.uuid4().int % 250}.{uuid.uuid4().int % 250}.{uuid.uuid4().int % 250}"
        transport = httpx.ASGITransport(app=app, client=(ip, 12345))
        client = httpx.AsyncClient(transport=transport, base_url="http://gateway.test")
        stack.append(client)
        return client

    yield start
    for item in reversed(stack):
        if isinstance(item, httpx.AsyncClient):
            await item.aclose()
        else:
            await item.__aexit__(None, None, None)


@pytest.fixture
async def gateway(gateway_factory: Callable[..., Any]) -> httpx.AsyncClient:
    client: httpx.AsyncClient = await gateway_factory()
    return client


async def login(client: httpx.AsyncClient, email: str = ADMIN_EMAIL, password: str = ADMIN_PASSWORD) -> str:
    response = await client.post("/auth/login", json={"email": email, "password": password})
    assert response.status_code == 200, response.text
    return str(response.json()["access_token"])
