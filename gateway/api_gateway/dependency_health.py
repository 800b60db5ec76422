"""Checks of every dependency for /seller-bot/health: database, Redis, NATS and each service (grpc.health.v1)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import Any

from grpc_health.v1 import health_pb2, health_pb2_grpc
from pydantic import BaseModel
from sqlalchemy import text

from api_gateway.state import GatewayState

CHECK_TIMEOUT_SECONDS = 2.0


class DependencyHealth(BaseModel):
    name: str
    kind: str
    status: str  # ok | degraded | down
    latency_ms: float
    detail: str = ""


async def _timed(name: str, kind: str, check: Callable[[], Awaitable[str]]) -> DependencyHealth:
    started = time.perf_counter()
    try:
        detail = await asyncio.wait_for(check(), CHECK_TIMEOUT_SECONDS)
        status = "degraded" if detail.startswith("degraded") else "ok"
    except Exception as exc:
        detail, status = f"{type(exc).__name__}: {exc}"[:300], "down"
    latency = round((time.perf_counter() - started) * 1000, 2)
    return DependencyHealth(name=name, kind=kind, status=status, latency_ms=latency, detail=detail)


async def check_all(state: GatewayState) -> list[DependencyHealth]:
    async def database() -> str:
        async with state.engine.connect() as connection:
            await connection.execute(text("SELECT 1"))
        return state.engine.dialect.name

    async def redis() -> str:
        if state.redis is None:
            return "degraded: Redis unreachable at start; rate limits are per process"
        await state.redis.ping()
        return "ping ok"

    async def nats() -> str:
        if state.nats is None or not state.nats.is_connected:
            raise ConnectionError("not connected")
        await state.nats.flush(timeout=CHECK_TIMEOUT_SECONDS)
        return state.nats.connected_url.netloc if state.nats.connected_url else "connected"

    def service(name: str) -> Callable[[], Awaitable[str]]:
        async def check() -> str:
            stub = health_pb2_grpc.HealthStub(state.services.channels[name])
            response: Any = await stub.Check(health_pb2.HealthCheckRequest(service=""),
                                             timeout=CHECK_TIMEOUT_SECONDS)
            if response.status != health_pb2.HealthCheckResponse.SERVING:
                raise ConnectionError(health_pb2.HealthCheckResponse.ServingStatus.Name(response.status))
            return "SERVING"
        return check

    checks = [
        _timed("database", "database", database),
        _timed("redis", "cache", redis),
        _timed("nats", "event-bus", nats),
        *(_timed(name, "service", service(name)) for name in state.services.channels),
    ]
    return list(await asyncio.gather(*checks))
