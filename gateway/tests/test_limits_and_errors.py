"""Rate limits, body size, validation and service-unavailable errors: all JSON, all with the right status."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest
from api_gateway.main import create_app
from api_gateway.settings import GatewaySettings

from .conftest import login


async def test_the_31st_api_request_in_a_minute_from_one_ip_gets_429_with_retry_after(
    gateway_factory: Callable[..., Any],
) -> None:
    client: httpx.AsyncClient = await gateway_factory(rate_limit_api="30/minute")
    statuses = [(await client.get("/bot/tasks")).status_code for _ in range(30)]
    assert statuses == [401] * 30  # counted even without a token
    limited = await client.get("/bot/tasks")
    assert limited.status_code == 429
    assert 1 <= int(limited.headers["Retry-After"]) <= 60
    assert limited.json()["error"] == "rate_limited"


async def test_rate_limit_counts_are_per_client_ip(gateway_factory: Callable[..., Any]) -> None:
    first: httpx.AsyncClient = await gateway_factory(rate_limit_api="2/minute")
    second: httpx.AsyncClient = await gateway_factory(rate_limit_api="2/minute")
    for _ in range(2):
        await first.get("/bot/tasks")
    assert (await first.get("/bot/tasks")).status_code == 429
    assert (await second.get("/bot/tasks")).status_code == 401


async def test_x_forwarded_for_is_ignored_unless_the_peer_is_a_trusted_proxy(
    gateway_factory: Callable[..., Any],
) -> None:
    untrusted: httpx.AsyncClient = await gateway_factory(rate_limit_api="1/minute")
    await untrusted.get("/bot/tasks", headers={"X-Forwarded-For": "203.0.113.1"})
    # Spoofing another address from an untrusted peer does not buy a fresh budget.
    spoofed = await untrusted.get("/bot/tasks", headers={"X-Forwarded-For": "203.0.113.2"})
    assert spoofed.status_code == 429

    proxied: httpx.AsyncClient = await gateway_factory(
        client_ip="10.0.0.5", rate_limit_api="1/minute", trusted_proxies="10.0.0.0/8")
    assert (await proxied.get("/bot/tasks", headers={"X-Forwarded-For": "198.51.100.7"})).status_code == 401
    assert (await proxied.get("/bot/tasks", headers={"X-Forwarded-For": "198.51.100.8"})).status_code == 401
    assert (await proxied.get("/bot/tasks", headers={"X-Forwarded-For": "198.51.100.8"})).status_code == 429


async def test_bot_start_and_stop_are_limited_per_user(gateway_factory: Callable[..., Any]) -> None:
    client: httpx.AsyncClient = await gateway_factory(rate_limit_bot_control="2/minute")
    headers = {"Authorization": f"Bearer {await login(client)}"}
    # No automation service runs: each allowed call is a 503, then the per-user limit answers 429.
    assert (await client.post("/bot/start", headers=headers)).status_code == 503
    assert (await client.post("/bot/stop", headers=headers)).status_code == 503
    limited = await client.post("/bot/start", headers=headers)
    assert limited.status_code == 429
    assert limited.json()["scope"] == "bot_control"


async def test_routes_of_a_missing_service_answer_503_naming_it_and_not_its_address(
    gateway_factory: Callable[..., Any], gateway_settings: Callable[..., GatewaySettings],
    capfd: pytest.CaptureFixture[str],
) -> None:
    settings = gateway_settings()
    gateway: httpx.AsyncClient = await gateway_factory(automation_grpc_addr=settings.automation_grpc_addr,
                                                       chatbot_grpc_addr=settings.chatbot_grpc_addr)
    headers = {"Authorization": f"Bearer {await login(gateway)}"}
    response = await gateway.get("/bot/tasks", headers=headers)
    assert response.status_code == 503
    assert response.json() == {"error": "service_unavailable", "service": "automation",
                               "detail": "automation service is not available; retry shortly"}
    chat = await gateway.get("/seller-bot/conversations", headers=headers)
    assert chat.status_code == 503
    assert chat.json()["service"] == "chatbot"
    for answer, address in ((response, settings.automation_grpc_addr), (chat, settings.chatbot_grpc_addr)):
        assert address.rsplit(":", 1)[1] not in answer.text and "127.0.0.1" not in answer.text
    # gRPC's text with the address is for the operator: in the log line.
    assert settings.automation_grpc_addr.rsplit(":", 1)[1] in capfd.readouterr().out


async def test_an_unexpected_exception_is_a_500_error_body_with_a_request_id_and_no_internals(
    gateway_settings: Callable[..., GatewaySettings], capfd: pytest.CaptureFixture[str],
) -> None:
    app = create_app(gateway_settings())
    async with app.router.lifespan_context(app), httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://gateway.test") as client:
        token = await login(client)

        async def broken_lookup(_: str) -> None:
            raise RuntimeError("pool at 10.9.8.7:6432 gave up; dsn password=hunter2-internal")

        app.state.gateway.users.member = broken_lookup
        response = await client.get("/auth/me", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 500
    assert response.headers["content-type"] == "application/json"
    body = response.json()
    request_id = response.headers["X-Request-ID"]
    assert body == {"error": "internal_error", "request_id": request_id,
                    "detail": f"the gateway failed unexpectedly; quote request id {request_id}"}
    assert "10.9.8.7" not in response.text and "hunter2" not in response.text and "Traceback" not in response.text
    logged = [line for line in capfd.readouterr().out.splitlines() if request_id in line]
    assert logged and "unhandled_exception" in logged[0] and "/auth/me" in logged[0]


async def test_bad_task_body_is_422_naming_the_fields(gateway: httpx.AsyncClient) -> None:
    headers = {"Authorization": f"Bearer {await login(gateway)}"}
    response = await gateway.post("/bot/tasks", headers=headers,
                                  json={"task_type": "dance", "profile_id": "", "config": {}})
    assert response.status_code == 422
    fields = {f["field"] for f in response.json()["fields"]}
    assert fields == {"task_type", "profile_id"}


async def test_malformed_json_is_422_not_500(gateway: httpx.AsyncClient) -> None:
    headers = {"Authorization": f"Bearer {await login(gateway)}", "Content-Type": "application/json"}
    response = await gateway.post("/bot/tasks", headers=headers, content=b'{"task_type": ')
    assert response.status_code == 422
    assert response.json()["error"] == "validation_error"


async def test_a_body_over_the_limit_gets_413(gateway: httpx.AsyncClient) -> None:
    big = b"{" + b" " * (1024 * 1024 + 10) + b"}"
    response = await gateway.post("/seller-bot/webhook/evolution", content=big,
                                  headers={"Content-Type": "application/json"})
    assert response.status_code == 413
    assert response.json()["error"] == "payload_too_large"


async def test_webhooks_need_no_token_and_answer_503_when_channel_adapter_is_down(
    gateway: httpx.AsyncClient,
) -> None:
    response = await gateway.post("/seller-bot/webhook/evolution", json={"instance": "test"})
    assert response.status_code == 503  # the platform will redeliver
    assert response.json()["service"] == "channel-adapter"
    unknown = await gateway.post("/seller-bot/webhook/fax", json={})
    assert unknown.status_code == 422


async def test_health_lists_every_dependency_with_status_and_latency_to_an_admin(
    gateway: httpx.AsyncClient,
) -> None:
    response = await gateway.get("/seller-bot/health", headers={"Authorization": f"Bearer {await login(gateway)}"})
    assert response.status_code == 200
    report = response.json()
    by_name = {d["name"]: d for d in report["dependencies"]}
    assert set(by_name) == {"database", "redis", "nats", "automation", "chatbot", "channel-adapter",
                            "notification"}
    assert by_name["database"]["status"] == "ok"
    assert by_name["redis"]["status"] == "ok"
    assert by_name["nats"]["status"] == "ok"
    assert by_name["chatbot"]["status"] == "down"  # nothing listens on its port in this test
    assert report["status"] == "down"  # a required dependency is down
    assert report["checks"] == {"database": "up", "cache": "up", "event-bus": "up", "service": "down"}
    assert all(d["latency_ms"] >= 0 for d in report["dependencies"])


async def test_openapi_documents_every_public_route_and_the_bearer_scheme(gateway: httpx.AsyncClient) -> None:
    spec = (await gateway.get("/openapi.json")).json()
    paths = spec["paths"]
    for path in ["/bot/tasks", "/bot/tasks/{task_id}", "/bot/stats", "/bot/profiles", "/bot/profiles/{profile_id}",
                 "/bot/profiles/{profile_id}/verify", "/bot/start", "/bot/stop", "/bot/worker-status",
                 "/seller-bot/webhook/{channel}", "/seller-bot/message", "/seller-bot/conversations",
                 "/seller-bot/conversations/{conversation_id}/handoff", "/seller-bot/stats",
                 "/seller-bot/stats/intents", "/seller-bot/stats/funnel", "/seller-bot/config",
                 "/seller-bot/health", "/auth/login", "/auth/refresh", "/auth/me", "/auth/users"]:
        assert path in paths, path
    assert spec["components"]["securitySchemes"]["HTTPBearer"]["scheme"] == "bearer"
