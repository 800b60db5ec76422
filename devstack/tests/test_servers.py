"""On a fresh machine `make test` starts its own servers: each one it can start really serves."""

from __future__ import annotations

import asyncpg
import nats
import redis.asyncio as redis_async
from sellerbot_devstack.servers import start_nats, start_postgres, start_redis


async def test_own_nats_server_has_jetstream() -> None:
    server = start_nats()
    try:
        client = await nats.connect(server.url)
        info = await client.jetstream().account_info()
        assert info.limits is not None
        await client.close()
    finally:
        server.stop()


async def test_own_redis_server_answers() -> None:
    server = start_redis()
    try:
        client = redis_async.from_url(server.url)
        await client.set("k", "v")
        assert await client.get("k") == b"v"
        await client.aclose()
    finally:
        server.stop()


async def test_own_postgres_server_accepts_connections_over_tcp() -> None:
    server = start_postgres()
    try:
        connection = await asyncpg.connect(server.url)
        assert await connection.fetchval("SELECT 1 + 1") == 2
        await connection.close()
    finally:
        server.stop()
