"""Checks of every dependency: database, Redis, NATS and each service (grpc.health.v1).

The detailed report (latency, host, error) is for the platform admin; the public answers (`/readyz`, the
summary of `/seller-bot/health`) say only up or down, and reuse one round of checks for `CACHE_SECONDS` so a
flood of unauthenticated probes costs one round, not one per request. No answer carries credentials: hosts
are shown without their user and password, and error texts are scrubbed of URL credentials.
"""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Awaitable, Callable
from enum import StrEnum
from typing import Any, Literal
from urllib.parse import urlsplit

from grpc_health.v1 import health_pb2, health_pb2_grpc
from pydantic import BaseModel, Field
from sqlalchemy import text

from api_gateway.state import GatewayState

CHECK_TIMEOUT_SECONDS = 2.0
CACHE_SECONDS = 1.0
_URL_CREDENTIALS = re.compile(r"(?<=://)[^/@\s]*@")
UpOrDown = Literal["up", "down"]


class DependencyKind(StrEnum):
    DATABASE = "database"
    CACHE = "cache"
    EVENT_BUS = "event-bus"
    SERVICE = "service"


class DependencyHealth(BaseModel):
    name: str
    kind: DependencyKind
    status: str = Field(description="ok | degraded | down")
    required: bool = Field(description="False for Redis: the gateway falls back to in-memory rate limits")
    latency_ms: float
    detail: str = Field(default="", description="Host (without credentials), dialect or the error")


def without_credentials(value: str) -> str:
    """`nats://user:secret@host:4222` -> `nats://host:4222`, anywhere in a text."""
    return _URL_CREDENTIALS.sub("", value)


def host_of(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.hostname}:{parts.port}" if parts.port else str(parts.hostname or "")


async def _timed(name: str, kind: DependencyKind, check: Callable[[], Awaitable[str]],
                 required: bool = True) -> DependencyHealth:
    started = time.perf_counter()
    try:
        detail = await asyncio.wait_for(check(), CHECK_TIMEOUT_SECONDS)
        status = "degraded" if detail.startswith("degraded") else "ok"
    except Exception as exc:
        detail, status = without_credentials(f"{type(exc).__name__}: {exc}")[:300], "down"
    latency = round((time.perf_counter() - started) * 1000, 2)
    return DependencyHealth(name=name, kind=kind, status=status, required=required, latency_ms=latency,
                            detail=detail)


async def check_all(state: GatewayState) -> list[DependencyHealth]:
    async def database() -> str:
        async with state.engine.connect() as connection:
            await connection.execute(text("SELECT 1"))
        url = state.engine.url
        return url.get_backend_name() if url.host is None else f"{url.get_backend_name()} {url.host}:{url.port}"

    async def redis() -> str:
        if state.redis is None:
            return "degraded: Redis unreachable at start; rate limits are per process"
        await state.redis.ping()
        return host_of(state.settings.redis_url)

    async def nats() -> str:
        if state.nats is None or not state.nats.is_connected:
            raise ConnectionError("not connected")
        await state.nats.flush(timeout=CHECK_TIMEOUT_SECONDS)
        connected = state.nats.connected_url
        return f"{connected.hostname}:{connected.port}" if connected else "connected"

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
        _timed("database", DependencyKind.DATABASE, database),
        _timed("redis", DependencyKind.CACHE, redis, required=False),
        _timed("nats", DependencyKind.EVENT_BUS, nats),
        *(_timed(name, DependencyKind.SERVICE, service(name)) for name in state.services.channels),
    ]
    return list(await asyncio.gather(*checks))


def overall_status(dependencies: list[DependencyHealth]) -> str:
    """ok: everything is; down: a required dependency is not; degraded: only an optional one is not."""
    if all(d.status == "ok" for d in dependencies):
        return "ok"
    return "down" if any(d.required and d.status != "ok" for d in dependencies) else "degraded"


def status_by_kind(dependencies: list[DependencyHealth]) -> dict[str, UpOrDown]:
    """`{"database": "up", "cache": "down", ...}`: one word per kind, nothing else."""
    kinds: dict[str, UpOrDown] = {}
    for d in dependencies:
        up = d.status == "ok" and kinds.get(d.kind.value, "up") == "up"
        kinds[d.kind.value] = "up" if up else "down"
    return kinds


def ready(dependencies: list[DependencyHealth]) -> bool:
    return all(d.status == "ok" for d in dependencies if d.required)


class RecentHealth:
    """The latest round of checks, refreshed at most every CACHE_SECONDS; concurrent callers share a round."""

    def __init__(self) -> None:
        self._checked_at = float("-inf")
        self._latest: list[DependencyHealth] = []
        self._lock = asyncio.Lock()

    async def get(self, state: GatewayState) -> list[DependencyHealth]:
        async with self._lock:
            if time.monotonic() - self._checked_at >= CACHE_SECONDS:
                self._latest = await check_all(state)
                self._checked_at = time.monotonic()
            return self._latest
