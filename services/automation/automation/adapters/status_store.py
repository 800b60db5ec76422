"""Redis keys of the seed: `bot:worker:heartbeat` (TTL 60 s) and `bot:task:{task_id}:status` (TTL 24 h).

When Redis is absent the service keeps them in memory (one process only) and says so once.
"""

from __future__ import annotations

import json
import time
from typing import Any

import structlog
from redis.asyncio import Redis
from redis.exceptions import RedisError

log = structlog.get_logger(__name__)
HEARTBEAT_KEY = "bot:worker:heartbeat"
HEARTBEAT_TTL_SECONDS = 60
TASK_STATUS_TTL_SECONDS = 24 * 3600


def task_status_key(task_id: str) -> str:
    return f"bot:task:{task_id}:status"


class StatusStore:
    def __init__(self, redis: Redis | None) -> None:
        self._redis = redis
        self._memory: dict[str, tuple[float, str]] = {}

    @classmethod
    async def connect(cls, redis_url: str) -> StatusStore:
        client: Redis = Redis.from_url(redis_url, socket_connect_timeout=1, socket_timeout=2)
        try:
            await client.ping()
        except (RedisError, OSError) as exc:
            log.warning("redis_unavailable_using_memory", redis_url=redis_url, error=str(exc))
            await client.aclose()
            return cls(None)
        return cls(client)

    @property
    def backend(self) -> str:
        return "redis" if self._redis is not None else "memory"

    async def put(self, key: str, value: dict[str, Any], ttl_seconds: int) -> None:
        text = json.dumps(value, default=str)
        if self._redis is not None:
            try:
                await self._redis.set(key, text, ex=ttl_seconds)
                return
            except (RedisError, OSError) as exc:
                log.warning("redis_write_failed", key=key, error=str(exc))
        self._memory[key] = (time.monotonic() + ttl_seconds, text)

    async def get(self, key: str) -> dict[str, Any] | None:
        if self._redis is not None:
            try:
                raw = await self._redis.get(key)
                return json.loads(raw) if raw else None
            except (RedisError, OSError) as exc:
                log.warning("redis_read_failed", key=key, error=str(exc))
        entry = self._memory.get(key)
        if entry is None or entry[0] < time.monotonic():
            return None
        return dict(json.loads(entry[1]))

    async def ttl(self, key: str) -> int:
        if self._redis is not None:
            return int(await self._redis.ttl(key))
        entry = self._memory.get(key)
        return int(entry[0] - time.monotonic()) if entry else -2

    async def put_task_status(self, task_id: str, value: dict[str, Any]) -> None:
        await self.put(task_status_key(task_id), value, TASK_STATUS_TTL_SECONDS)

    async def put_heartbeat(self, value: dict[str, Any]) -> None:
        await self.put(HEARTBEAT_KEY, value, HEARTBEAT_TTL_SECONDS)

    async def close(self) -> None:
        if self._redis is not None:
            await self._redis.aclose()
