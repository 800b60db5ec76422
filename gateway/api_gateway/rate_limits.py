"""Rate limits of the seed (webhooks per IP, API per IP, bot start/stop per user) with the `limits` library.

Counts live in Redis so gateway replicas share them (sliding-window counters: two keys per client
instead of a sorted set of every hit, so the check costs one cheap round trip). When Redis is unreachable
the gateway falls back to an in-process window (logged and counted in
`gateway_rate_limit_backend_fallback_total`).
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

import structlog
from limits import RateLimitItem, parse
from limits.aio.storage import MemoryStorage, RedisStorage, Storage
from limits.aio.strategies import SlidingWindowCounterRateLimiter
from prometheus_client import Counter

log = structlog.get_logger(__name__)

RATE_LIMITED = Counter("gateway_rate_limited_total", "Requests refused with 429", ["scope"])
BACKEND_FALLBACK = Counter(
    "gateway_rate_limit_backend_fallback_total", "Rate-limit checks served from memory because Redis failed"
)


class RateLimitExceeded(Exception):
    def __init__(self, scope: str, limit: str, retry_after: int) -> None:
        super().__init__(f"rate limit {limit} exceeded for {scope}")
        self.scope = scope
        self.limit = limit
        self.retry_after = retry_after


@dataclass(frozen=True)
class Limit:
    scope: str  # webhooks | api | bot_control
    item: RateLimitItem
    text: str


class RateLimiter:
    def __init__(self, primary: Storage | None) -> None:
        self._memory = SlidingWindowCounterRateLimiter(MemoryStorage())
        self._primary = SlidingWindowCounterRateLimiter(primary) if primary is not None else None

    @property
    def backend(self) -> str:
        return "redis" if self._primary is not None else "memory"

    @classmethod
    async def create(cls, redis_url: str) -> RateLimiter:
        if not redis_url:
            return cls(None)
        storage = RedisStorage(f"async+{redis_url}", wrap_exceptions=True, implementation="redispy")
        try:
            if await storage.check():
                return cls(storage)
        except Exception as exc:
            log.warning("rate_limit_redis_unavailable", error=str(exc))
        log.warning("rate_limits_in_memory", reason="Redis unreachable; counts are per gateway process")
        return cls(None)

    async def hit(self, limit: Limit, key: str) -> None:
        limiter = self._primary or self._memory
        try:
            allowed = await limiter.hit(limit.item, limit.scope, key)
        except Exception as exc:
            BACKEND_FALLBACK.inc()
            log.warning("rate_limit_backend_failed", error=str(exc))
            limiter = self._memory
            allowed = await limiter.hit(limit.item, limit.scope, key)
        if allowed:
            return
        stats = await limiter.get_window_stats(limit.item, limit.scope, key)
        retry_after = max(1, math.ceil(stats.reset_time - time.time()))
        RATE_LIMITED.labels(limit.scope).inc()
        raise RateLimitExceeded(limit.scope, limit.text, retry_after)


def make_limit(scope: str, text: str) -> Limit:
    return Limit(scope=scope, item=parse(text), text=text)
