"""Rate limits of the seed (webhooks per IP, API per IP, bot start/stop per user) and the login lockout (failed
logins per e-mail), with the `limits` library.

Counts live in Redis so gateway replicas share them (sliding-window counters: two keys per client
instead of a sorted set of every hit, so the check costs one cheap round trip). Hits on one client's window
that arrive while its previous check is in flight are counted together in the next round trip (a platform
delivering a burst from one address costs a round trip per burst, not per webhook); when such a group does
not fit, its hits are decided one by one, so every request still gets its exact answer. When Redis is
unreachable the gateway falls back to an in-process window (logged and counted in
`gateway_rate_limit_backend_fallback_total`).
"""

from __future__ import annotations

import asyncio
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
    scope: str  # webhooks | api | bot_control | login_failures
    item: RateLimitItem
    text: str


class RateLimiter:
    def __init__(self, primary: Storage | None) -> None:
        self._memory = SlidingWindowCounterRateLimiter(MemoryStorage())
        self._primary = SlidingWindowCounterRateLimiter(primary) if primary is not None else None
        self._waiting: dict[tuple[str, str], list[asyncio.Future[bool]]] = {}  # hits for the next round trip
        self._checking: set[tuple[str, str]] = set()  # windows with a round trip in flight
        self._checks: set[asyncio.Task[None]] = set()
        self._primary_healthy = True

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
        """Count one request on `key`'s window; RateLimitExceeded when it does not fit."""
        window = (limit.scope, key)
        decision: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
        self._waiting.setdefault(window, []).append(decision)
        if window not in self._checking:
            self._checking.add(window)
            check = asyncio.create_task(self._check_waiting(limit, key))
            self._checks.add(check)
            check.add_done_callback(self._checks.discard)
        if await decision:
            return
        await self._refuse(limit, key)

    async def refuse_when_full(self, limit: Limit, key: str) -> None:
        """RateLimitExceeded when `key`'s window is full, without counting a hit (the login lockout: only
        failures count, and a full window refuses even the right password until it has room)."""
        limiter = self._limiter()
        try:
            if await limiter.test(limit.item, limit.scope, key):
                return
        except Exception as exc:
            self._primary_failed(exc)
            if await self._memory.test(limit.item, limit.scope, key):
                return
        await self._refuse(limit, key)

    async def count(self, limit: Limit, key: str) -> None:
        """One hit on `key`'s window, never refused (a failed login)."""
        await self._consume(limit, key, 1)

    async def forget(self, limit: Limit, key: str) -> None:
        """Empty `key`'s window (a successful login clears the failures before it)."""
        try:
            await self._limiter().clear(limit.item, limit.scope, key)
        except Exception as exc:
            self._primary_failed(exc)
        await self._memory.clear(limit.item, limit.scope, key)

    def _limiter(self) -> SlidingWindowCounterRateLimiter:
        return self._primary if self._primary is not None and self._primary_healthy else self._memory

    def _primary_failed(self, exc: Exception) -> None:
        BACKEND_FALLBACK.inc()
        log.warning("rate_limit_backend_failed", error=str(exc))
        self._primary_healthy = False

    async def _refuse(self, limit: Limit, key: str) -> None:
        stats = await self._limiter().get_window_stats(limit.item, limit.scope, key)
        retry_after = max(1, math.ceil(stats.reset_time - time.time()))
        RATE_LIMITED.labels(limit.scope).inc()
        raise RateLimitExceeded(limit.scope, limit.text, retry_after)

    async def _check_waiting(self, limit: Limit, key: str) -> None:
        """Decide every hit waiting on this window, one round trip per group, until none waits."""
        window = (limit.scope, key)
        waiting: list[asyncio.Future[bool]] = []
        try:
            while waiting := self._waiting.pop(window, []):
                for decision, allowed in zip(waiting, await self._decide(limit, key, len(waiting)), strict=True):
                    if not decision.done():
                        decision.set_result(allowed)
        except BaseException as exc:  # the waiting requests get the error; nobody awaits this task
            for decision in [*waiting, *self._waiting.pop(window, [])]:
                if not decision.done():
                    decision.set_exception(exc)
            if isinstance(exc, asyncio.CancelledError):
                raise
        finally:
            self._checking.discard(window)

    async def _decide(self, limit: Limit, key: str, hits: int) -> list[bool]:
        if hits > 1 and await self._consume(limit, key, hits):
            return [True] * hits
        # One hit, or a group that does not fit as a whole: each on its own, in arrival order. Once one is
        # refused the window is full, so the rest are refused without asking again.
        decisions: list[bool] = []
        refused = False
        for _ in range(hits):
            refused = refused or not await self._consume(limit, key, 1)
            decisions.append(not refused)
        return decisions

    async def _consume(self, limit: Limit, key: str, cost: int) -> bool:
        if self._primary is not None:
            try:
                allowed = await self._primary.hit(limit.item, limit.scope, key, cost=cost)
                self._primary_healthy = True
                return allowed
            except Exception as exc:
                self._primary_failed(exc)
        return await self._memory.hit(limit.item, limit.scope, key, cost=cost)


def make_limit(scope: str, text: str) -> Limit:
    return Limit(scope=scope, item=parse(text), text=text)
