"""Start-up rules: unsafe secrets refuse to start in production; SQLite works as the embedded default;
rate-limit counts are shared through Redis and survive a Redis outage in memory."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from api_gateway.settings import GatewaySettings
from pydantic import ValidationError
from sellerbot_devstack.servers import free_port

from .conftest import login


def test_production_refuses_an_empty_or_default_jwt_secret() -> None:
    with pytest.raises(ValidationError, match="JWT_SECRET"):
        GatewaySettings(_env_file=None, environment="production", jwt_secret="",  # type: ignore[call-arg]
                        admin_password="a-real-password-1")
    with pytest.raises(ValidationError, match="ADMIN_PASSWORD"):
        GatewaySettings(_env_file=None, environment="production",  # type: ignore[call-arg]
                        jwt_secret="k" * 40, admin_password="admin12345")
    ok = GatewaySettings(_env_file=None, environment="production",  # type: ignore[call-arg]
                         jwt_secret="k" * 40, admin_password="a-real-password-1")
    assert ok.effective_jwt_secret == "k" * 40


async def test_sqlite_is_used_when_no_database_url_is_set(
    gateway_factory: Callable[..., Any], tmp_path: Path
) -> None:
    client: httpx.AsyncClient = await gateway_factory(database_url="", data_dir=tmp_path)
    token = await login(client)
    assert (tmp_path / "gateway.db").exists()
    health = (await client.get("/seller-bot/health", headers={"Authorization": f"Bearer {token}"})).json()
    assert {"name": "database", "detail": "sqlite"}.items() <= next(
        d for d in health["dependencies"] if d["name"] == "database").items()


async def test_two_gateway_replicas_share_rate_limit_counts_through_redis(
    gateway_factory: Callable[..., Any],
) -> None:
    ip = f"10.77.{uuid.uuid4().int % 250}.{uuid.uuid4().int % 250}"
    first: httpx.AsyncClient = await gateway_factory(client_ip=ip, rate_limit_api="3/minute")
    second: httpx.AsyncClient = await gateway_factory(client_ip=ip, rate_limit_api="3/minute")
    assert [(await first.get("/bot/tasks")).status_code for _ in range(2)] == [401, 401]
    assert (await second.get("/bot/tasks")).status_code == 401
    assert (await second.get("/bot/tasks")).status_code == 429


async def test_without_redis_limits_still_apply_in_memory(gateway_factory: Callable[..., Any]) -> None:
    client: httpx.AsyncClient = await gateway_factory(
        redis_url=f"redis://127.0.0.1:{free_port()}/0", rate_limit_api="2/minute")
    assert (await client.get("/bot/tasks")).status_code == 401
    assert (await client.get("/bot/tasks")).status_code == 401
    assert (await client.get("/bot/tasks")).status_code == 429
    health = (await client.get("/seller-bot/health")).json()
    assert health["checks"]["cache"] == "down"
    assert health["status"] == "down"  # no service listens in this test; Redis alone would be "degraded"
