"""pytest fixtures for the real servers: every test of the data and event layers runs against them.

`servers` finds the machine's PostgreSQL, Redis and NATS or starts private ones; `postgres_url` is a fresh
database for this test session; `redis_url` a Redis database flushed at session start; `nats_namespace`
isolates this session's streams and subjects on a shared NATS.
"""

from __future__ import annotations

import asyncio
import os
import re
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit, urlunsplit

import pytest

from sellerbot_devstack.servers import OwnServer, Servers, find_or_start, start_nats

# Two test sessions on one machine (two checkouts, two developers) each take their own database.
TEST_REDIS_DB = int(os.environ.get("SELLERBOT_TEST_REDIS_DB", "11"))


@pytest.fixture(scope="session")
def servers() -> Iterator[Servers]:
    found = find_or_start()
    yield found
    found.stop()


async def admin_statement(url: str, statement: str) -> None:
    """Run one statement (CREATE/DROP DATABASE) on the server's maintenance database."""
    import asyncpg

    connection = await asyncpg.connect(url)
    try:
        await connection.execute(statement)
    finally:
        await connection.close()


@pytest.fixture(scope="session")
def postgres_url(servers: Servers) -> Iterator[str]:
    """A database of its own for this test session (dropped at the end), as a plain postgresql:// URL."""
    name = f"sellerbot_test_{uuid.uuid4().hex[:10]}"
    asyncio.run(admin_statement(servers.postgres_url, f'CREATE DATABASE "{name}"'))
    parts = urlsplit(servers.postgres_url)
    yield urlunsplit(parts._replace(path=f"/{name}"))
    asyncio.run(admin_statement(servers.postgres_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture(scope="session")
def redis_url(servers: Servers) -> str:
    import redis

    parts = urlsplit(servers.redis_url)
    url = urlunsplit(parts._replace(path=f"/{TEST_REDIS_DB}"))
    client = redis.Redis.from_url(url)
    client.flushdb()
    client.close()
    return url


@pytest.fixture(scope="session")
def nats_url(servers: Servers) -> str:
    return servers.nats_url


# Namespaces tests and benchmarks make up: a short word and 8+ random hex digits ("t3f9...", "e2e..."); a
# key-value bucket's stream carries JetStream's "KV_" in front ("KV_t3f9..._chatbot_partitions").
TEST_STREAM = re.compile(r"^[a-z0-9]*[0-9a-f]{8,}_[A-Za-z_]+$")
KV_STREAM_PREFIX = "KV_"
STALE_AFTER = timedelta(minutes=30)


async def delete_test_streams(nats_url: str, prefix: str = "", older_than: timedelta | None = None) -> int:
    """Delete test streams: those of one namespace (`prefix`), or every test stream older than `older_than`.

    Streams reserve their max_bytes on the server, so leftovers of killed runs would fill a shared NATS."""
    import nats

    client = await nats.connect(nats_url, connect_timeout=3)
    deleted = 0
    try:
        manager = client.jetstream()
        now = datetime.now(UTC)
        for info in await manager.streams_info():
            name = info.config.name or ""
            namespaced = name.removeprefix(KV_STREAM_PREFIX)
            if prefix and not namespaced.startswith(prefix):
                continue
            if not prefix and not TEST_STREAM.match(namespaced):
                continue
            created = info.created
            if older_than is not None and created is not None and now - created < older_than:
                continue
            await manager.delete_stream(name)
            deleted += 1
    finally:
        await client.close()
    return deleted


@pytest.fixture(scope="session", autouse=True)
def _sweep_stale_test_streams(servers: Servers) -> None:
    """Leftovers of interrupted runs; recent streams may belong to a run going on right now."""
    asyncio.run(delete_test_streams(servers.nats_url, older_than=STALE_AFTER))


@pytest.fixture
def nats_namespace(servers: Servers) -> Iterator[str]:
    """A fresh namespace per test: its streams and subjects are invisible to every other test,
    and are deleted when the test ends."""
    namespace = f"t{uuid.uuid4().hex[:12]}"
    yield namespace
    asyncio.run(delete_test_streams(servers.nats_url, prefix=f"{namespace}_"))


@pytest.fixture
def own_nats_server() -> Iterator[Callable[..., OwnServer]]:
    """Start private nats-server processes (for outage and restart tests); all are stopped afterwards."""
    started: list[OwnServer] = []

    def start(**kwargs: object) -> OwnServer:
        server = start_nats(**kwargs)  # type: ignore[arg-type]
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()
