"""Conversation contexts in Redis with the seed's keys and TTLs, and an in-memory fallback.

Keys: `chatbot:context:{contact_id}` (30 min) and `chatbot:session:{session_id}` (1 h). To keep sellers
apart without changing the key shape, the contact id stored in the key is scoped by the seller:
`{user_id}:{channel contact id}`, e.g. `chatbot:context:7f3c...:whatsapp:5511999999999`. Listing one
seller's contexts is then a `SCAN MATCH chatbot:context:{user_id}:*` plus pipelined `MGET` (never `KEYS`).

When Redis fails, reads and writes go to process memory (health and a gauge report it); a background
probe notices Redis is back and writes every context changed meanwhile back with its remaining TTL.
"""

from __future__ import annotations

import asyncio
import contextlib
import heapq
import json
import time
from itertools import chain
from typing import Any

import hiredis
import structlog
from redis.asyncio import Redis
from redis.asyncio.connection import Connection
from redis.exceptions import RedisError

from chatbot.metrics import CONTEXT_STORE_DEGRADED, CONTEXT_STORE_FALLBACKS, CONTEXT_SYNCED_BACK

log = structlog.get_logger(__name__)

CONTEXT_PREFIX = "chatbot:context:"
SESSION_PREFIX = "chatbot:session:"
CONTEXT_TTL_SECONDS = 30 * 60
SESSION_TTL_SECONDS = 60 * 60
SCAN_COUNT = 20_000
MGET_CHUNK = 10_000


def scoped_contact_id(user_id: str, contact_id: str) -> str:
    return f"{user_id}:{contact_id}"


_UPDATED_AT = '"updated_at": "'
_UPDATED_AT_BYTES = _UPDATED_AT.encode()
Raw = str | bytes
Key = str | bytes  # bytes from Redis (decoded only when chosen), str from memory


class _HiredisPackedConnection(Connection):
    """redis-py's asyncio connection packs each argument in Python (a 10,000-key MGET cost ~15 ms of CPU);
    hiredis (already the reply parser) packs a command of str/bytes arguments in C, byte for byte the same."""

    def pack_command(self, *args: Any) -> list[bytes]:
        if len(args) > 8 and set(map(type, args)) <= _PACKABLE:
            if isinstance(args[0], str):
                args = tuple(args[0].encode().split()) + args[1:]
            return [hiredis.pack_command(args)]
        return super().pack_command(*args)  # type: ignore[no-any-return]


_PACKABLE = {bytes, str}


def _key_str(key: Key) -> str:
    return key.decode() if isinstance(key, bytes) else key


def _updated_at(raw: Raw) -> Raw:
    """The ISO time after `"updated_at": "` without decoding the JSON (bytes from Redis, str from memory)."""
    if isinstance(raw, bytes):
        at = raw.find(_UPDATED_AT_BYTES)
        return raw[at + 15:at + 47] if at >= 0 else b""
    at = raw.find(_UPDATED_AT)
    return raw[at + 15:at + 47] if at >= 0 else ""


def _glob_escape(value: str) -> str:
    return "".join("\\" + ch if ch in "*?[]\\" else ch for ch in value)


class ContextStore:
    def __init__(
        self,
        redis: Redis,
        context_ttl: int = CONTEXT_TTL_SECONDS,
        session_ttl: int = SESSION_TTL_SECONDS,
        probe_seconds: float = 2.0,
    ) -> None:
        self._redis = redis
        self._context_ttl = context_ttl
        self._session_ttl = session_ttl
        self._probe_seconds = probe_seconds
        self._memory: dict[str, tuple[float, str]] = {}  # key -> (expires at, monotonic; JSON)
        self._dirty: set[str] = set()
        self._deleted: set[str] = set()
        self._degraded = False
        self._probe: asyncio.Task[None] | None = None

    @classmethod
    def from_url(cls, url: str, **kwargs: Any) -> ContextStore:
        options: dict[str, Any] = {"connection_class": _HiredisPackedConnection} if url.startswith("redis://") else {}
        redis = Redis.from_url(url, socket_timeout=1.0, socket_connect_timeout=1.0, health_check_interval=10,
                               **options)
        return cls(redis, **kwargs)

    @property
    def degraded(self) -> bool:
        return self._degraded

    # --- the seed's operations, scoped by seller -------------------------------------------------
    async def get_context(self, user_id: str, contact_id: str) -> dict[str, Any] | None:
        key = CONTEXT_PREFIX + scoped_contact_id(user_id, contact_id)
        raw = await self._get(key, "get_context")
        return json.loads(raw) if raw else None

    async def set_context(self, user_id: str, contact_id: str, context: dict[str, Any]) -> None:
        key = CONTEXT_PREFIX + scoped_contact_id(user_id, contact_id)
        await self._set(key, json.dumps(context, ensure_ascii=False, default=str), self._context_ttl, "set_context")

    async def delete_context(self, user_id: str, contact_id: str) -> None:
        await self._delete([CONTEXT_PREFIX + scoped_contact_id(user_id, contact_id)], "delete_context")

    async def get_all_contexts(self, user_id: str) -> list[dict[str, Any]]:
        """Every live context of the seller, each with its `contact_id` (channel contact id)."""
        prefix = CONTEXT_PREFIX + f"{user_id}:"
        pairs = await self._scan_values(prefix)
        contexts = []
        for key, raw in pairs:
            context = json.loads(raw)
            context["contact_id"] = _key_str(key)[len(prefix):]
            contexts.append(context)
        return contexts

    async def recent_contexts(self, user_id: str, limit: int) -> tuple[list[dict[str, Any]], int]:
        """The seller's `limit` most recently updated contexts and how many are live in all.

        Same SCAN + MGET as `get_all_contexts`, but only the chosen ones are JSON-decoded: the sort key
        is read straight from the stored bytes, which keeps a 10,000-context listing cheap.
        """
        prefix = CONTEXT_PREFIX + f"{user_id}:"
        pairs = await self._scan_values(prefix)
        if pairs and isinstance(pairs[0][1], bytes):
            marker = _UPDATED_AT_BYTES  # inlined `_updated_at`: one C-level find and slice per context
            stamps: list[Raw] = [raw[at + 15:at + 47] if (at := raw.find(marker)) >= 0 else b""  # type: ignore
                                 for _, raw in pairs]
        else:
            stamps = [_updated_at(raw) for _, raw in pairs]
        # The newest `limit` (what a stable sort by time, newest first, would give), without sorting all.
        newest = heapq.nlargest(limit, range(len(pairs)), key=stamps.__getitem__)
        chosen = []
        for index in newest:
            key, raw = pairs[index]
            context = json.loads(raw)
            context["contact_id"] = _key_str(key)[len(prefix):]
            chosen.append(context)
        return chosen, len(pairs)

    async def delete_all_contexts(self, user_id: str) -> int:
        prefix = CONTEXT_PREFIX + f"{user_id}:"
        keys = [_key_str(key) for key, _ in await self._scan_values(prefix)]
        await self._delete(keys, "delete_all")
        return len(keys)

    async def get_session(self, session_id: str) -> dict[str, Any] | None:
        raw = await self._get(SESSION_PREFIX + session_id, "get_session")
        return json.loads(raw) if raw else None

    async def set_session(self, session_id: str, session: dict[str, Any]) -> None:
        await self._set(SESSION_PREFIX + session_id, json.dumps(session, default=str), self._session_ttl,
                        "set_session")

    async def get_context_and_session(
        self, user_id: str, contact_id: str, session_id: str
    ) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
        """`get_context` and `get_session` in one round trip (MGET): what every turn reads first."""
        keys = [CONTEXT_PREFIX + scoped_contact_id(user_id, contact_id), SESSION_PREFIX + session_id]
        if not self._degraded:
            try:
                context, session = await self._redis.mget(keys)
                return (json.loads(context) if context else None), (json.loads(session) if session else None)
            except (RedisError, OSError) as exc:
                self._enter_degraded(exc)
        return await self.get_context(user_id, contact_id), await self.get_session(session_id)

    async def set_context_and_session(
        self, user_id: str, contact_id: str, context: dict[str, Any], session_id: str, session: dict[str, Any]
    ) -> None:
        """`set_context` and `set_session` (same keys, values and TTLs) in one pipelined round trip."""
        if not self._degraded:
            try:
                async with self._redis.pipeline(transaction=False) as pipe:
                    pipe.set(CONTEXT_PREFIX + scoped_contact_id(user_id, contact_id),
                             json.dumps(context, ensure_ascii=False, default=str), ex=self._context_ttl)
                    pipe.set(SESSION_PREFIX + session_id, json.dumps(session, default=str), ex=self._session_ttl)
                    await pipe.execute()
                return
            except (RedisError, OSError) as exc:
                self._enter_degraded(exc)
        await self.set_context(user_id, contact_id, context)
        await self.set_session(session_id, session)

    async def delete_session(self, session_id: str) -> None:
        await self._delete([SESSION_PREFIX + session_id], "delete_session")

    # --- Redis with the memory fallback ---------------------------------------------------------------
    async def _get(self, key: str, operation: str) -> str | None:
        if not self._degraded:
            try:
                raw = await self._redis.get(key)
                return raw.decode() if isinstance(raw, bytes) else raw
            except (RedisError, OSError) as exc:
                self._enter_degraded(exc)
        CONTEXT_STORE_FALLBACKS.labels(operation).inc()
        return self._memory_get(key)

    async def _set(self, key: str, value: str, ttl: int, operation: str) -> None:
        if not self._degraded:
            try:
                await self._redis.set(key, value, ex=ttl)
                return
            except (RedisError, OSError) as exc:
                self._enter_degraded(exc)
        CONTEXT_STORE_FALLBACKS.labels(operation).inc()
        self._memory[key] = (time.monotonic() + ttl, value)
        self._dirty.add(key)
        self._deleted.discard(key)

    async def _delete(self, keys: list[str], operation: str) -> None:
        if not keys:
            return
        if not self._degraded:
            try:
                await self._redis.delete(*keys)
                return
            except (RedisError, OSError) as exc:
                self._enter_degraded(exc)
        CONTEXT_STORE_FALLBACKS.labels(operation).inc()
        for key in keys:
            self._memory.pop(key, None)
            self._dirty.discard(key)
            self._deleted.add(key)

    async def _scan_values(self, prefix: str) -> list[tuple[Key, Raw]]:
        if not self._degraded:
            try:
                return await self._redis_scan_values(prefix)
            except (RedisError, OSError) as exc:
                self._enter_degraded(exc)
        CONTEXT_STORE_FALLBACKS.labels("scan").inc()
        now = time.monotonic()
        return [(k, v) for k, (exp, v) in list(self._memory.items()) if k.startswith(prefix) and exp > now]

    async def _redis_scan_values(self, prefix: str) -> list[tuple[Key, Raw]]:
        keys: list[Key] = []
        match, cursor = _glob_escape(prefix) + "*", 0
        while True:  # whole SCAN pages: `scan_iter` yields (and awaits) once per key
            cursor, page = await self._redis.scan(cursor, match=match, count=SCAN_COUNT)
            keys += page
            if not cursor:
                break
        if not keys:
            return []
        async with self._redis.pipeline(transaction=False) as pipe:
            for start in range(0, len(keys), MGET_CHUNK):
                pipe.mget(keys[start:start + MGET_CHUNK])
            chunks = await pipe.execute()
        values = chain.from_iterable(chunks)
        # Expired between SCAN and MGET: skipped. Keys and values stay bytes (json.loads takes them; keys are
        # decoded only for the contexts returned).
        return [(key, raw) for key, raw in zip(keys, values, strict=True) if raw is not None]

    def _memory_get(self, key: str) -> str | None:
        entry = self._memory.get(key)
        if entry is None:
            return None
        expires_at, value = entry
        if expires_at <= time.monotonic():
            self._memory.pop(key, None)
            return None
        return value

    def _enter_degraded(self, exc: BaseException) -> None:
        if self._degraded:
            return
        self._degraded = True
        CONTEXT_STORE_DEGRADED.set(1)
        log.warning("context_store_degraded", error=str(exc), fallback="memory")
        if self._probe is None or self._probe.done():
            with contextlib.suppress(RuntimeError):
                self._probe = asyncio.get_running_loop().create_task(self._probe_until_back())

    async def _probe_until_back(self) -> None:
        while self._degraded:
            await asyncio.sleep(self._probe_seconds)
            try:
                await self._redis.ping()
                synced = await self._sync_back()
            except (RedisError, OSError):
                continue
            self._degraded = False
            CONTEXT_STORE_DEGRADED.set(0)
            log.info("context_store_recovered", synced_back=synced)

    async def _sync_back(self) -> int:
        """Write what changed during the outage back to Redis, keeping each entry's remaining TTL."""
        now = time.monotonic()
        async with self._redis.pipeline(transaction=False) as pipe:
            synced = 0
            for key in list(self._dirty):
                entry = self._memory.get(key)
                if entry and entry[0] > now:
                    pipe.set(key, entry[1], ex=max(1, int(entry[0] - now)))
                    synced += 1
            if self._deleted:
                pipe.delete(*self._deleted)
            await pipe.execute()
        CONTEXT_SYNCED_BACK.inc(synced)
        self._memory.clear()
        self._dirty.clear()
        self._deleted.clear()
        return synced

    async def ping(self) -> bool:
        return not self._degraded

    async def close(self) -> None:
        if self._probe:
            self._probe.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._probe
        with contextlib.suppress(Exception):
            await self._redis.aclose()
