"""SQLite on the loop (`sqlite+inloop`) and direct statements, on real SQLite files and real PostgreSQL."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sellerbot_database import create_engine
from sellerbot_database.direct import DirectStatement, direct_connection, direct_transaction
from sellerbot_devstack.servers import Servers
from sqlalchemy import JSON, Column, DateTime, Integer, MetaData, String, Table, bindparam, insert, select, text, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine

METADATA = MetaData()
ITEMS = Table(f"direct_items_{uuid.uuid4().hex[:8]}", METADATA, Column("id", String(36), primary_key=True),
              Column("count", Integer, nullable=False), Column("at", DateTime(timezone=True)),
              Column("data", JSON))
INSERT = DirectStatement(insert(ITEMS))
BY_ID = DirectStatement(select(ITEMS.c.id, ITEMS.c.count, ITEMS.c.at.label("when"), ITEMS.c.data)
                        .where(ITEMS.c.id == bindparam("p_id")))
BUMP = DirectStatement(update(ITEMS).where(ITEMS.c.id == bindparam("p_id")).values(count=ITEMS.c.count + 1))
COUNT = DirectStatement(text(f"SELECT count(*) AS n FROM {ITEMS.name}"))


@pytest.fixture(params=["sqlite", "postgresql"])
async def engine(request: pytest.FixtureRequest, tmp_path: Path, servers: Servers) -> AsyncIterator[AsyncEngine]:
    url = f"sqlite:///{tmp_path / 'direct.db'}" if request.param == "sqlite" else servers.postgres_url
    engine = create_engine(url)
    async with engine.begin() as conn:
        await conn.run_sync(METADATA.create_all)
    yield engine
    async with engine.begin() as conn:
        await conn.run_sync(METADATA.drop_all)
    await engine.dispose()


async def test_direct_statements_read_back_what_the_engine_reads(engine: AsyncEngine) -> None:
    at = datetime(2026, 12, 7, 10, 30, 15, 123456, tzinfo=UTC)
    async with direct_transaction(engine) as db:
        await db.execute(INSERT, {"id": "a", "count": 1, "at": at, "data": {"tags": ["vip"], "n": 2}})
        assert await db.execute(BUMP, {"p_id": "a"}) == 1
        assert await db.execute(BUMP, {"p_id": "missing"}) == 0
    async with direct_connection(engine) as db:
        row = await db.first(BY_ID, {"p_id": "a"})
        assert await db.first(BY_ID, {"p_id": "missing"}) is None
    async with engine.connect() as conn:
        through_engine = (await conn.execute(BY_ID.statement, {"p_id": "a"})).mappings().one()
    assert row == dict(through_engine)
    assert row is not None and row["count"] == 2 and row["data"] == {"tags": ["vip"], "n": 2}
    assert row["when"].replace(tzinfo=UTC) == at


async def test_a_failed_block_rolls_back_and_a_duplicate_is_an_integrity_error(engine: AsyncEngine) -> None:
    async with direct_transaction(engine) as db:
        await db.execute(INSERT, {"id": "b", "count": 1, "at": None, "data": None})
    with pytest.raises(IntegrityError):
        async with direct_transaction(engine) as db:
            await db.execute(INSERT, {"id": "c", "count": 1, "at": None, "data": None})
            await db.execute(INSERT, {"id": "b", "count": 1, "at": None, "data": None})
    with pytest.raises(RuntimeError):
        async with direct_transaction(engine) as db:
            await db.execute(BUMP, {"p_id": "b"})
            raise RuntimeError("the caller failed")
    async with direct_connection(engine) as db:
        assert (await db.first(COUNT))["n"] == 1  # type: ignore[index]
        assert (await db.first(BY_ID, {"p_id": "b"}))["count"] == 1  # type: ignore[index]
    many = [{"p_id": "b"}] * 3
    async with direct_transaction(engine) as db:
        assert await db.execute_many(BUMP, many) == 3


async def test_a_connection_that_read_outside_a_transaction_opens_one_for_its_writes(engine: AsyncEngine) -> None:
    async with direct_connection(engine) as db:
        assert await db.first(BY_ID, {"p_id": "t"}) is None
        async with db.transaction():
            await db.execute(INSERT, {"id": "t", "count": 1, "at": None, "data": None})
        with pytest.raises(IntegrityError):
            async with db.transaction():
                await db.execute(INSERT, {"id": "u", "count": 1, "at": None, "data": None})
                await db.execute(INSERT, {"id": "t", "count": 1, "at": None, "data": None})
        assert await db.first(BY_ID, {"p_id": "u"}) is None  # rolled back with the duplicate
        assert (await db.first(BY_ID, {"p_id": "t"}))["count"] == 1  # type: ignore[index]
    async with direct_connection(engine) as db:  # committed, and the connection went back to the pool usable
        assert (await db.first(COUNT))["n"] == 1  # type: ignore[index]


async def test_a_writer_waiting_for_the_sqlite_lock_does_not_stop_the_loop(tmp_path: Path) -> None:
    """Two engines on one file (two replicas, or two connections of one process): while one holds the write
    lock across an await, the other's write waits on the loop, which keeps running, and then succeeds."""
    url = f"sqlite:///{tmp_path / 'locked.db'}"
    holder, waiter = create_engine(url), create_engine(url)
    try:
        async with holder.begin() as conn:
            await conn.run_sync(METADATA.create_all)
        ticks = 0

        async def tick() -> None:
            nonlocal ticks
            while True:
                await asyncio.sleep(0.01)
                ticks += 1

        ticker = asyncio.create_task(tick())
        locked = asyncio.Event()

        async def hold() -> None:
            async with direct_transaction(holder) as db:
                await db.execute(INSERT, {"id": "held", "count": 1, "at": None, "data": None})
                locked.set()
                await asyncio.sleep(0.5)

        async def wait_then_write() -> int:
            await locked.wait()
            before = ticks
            async with waiter.begin() as conn:  # the engine's own path waits on the loop too
                await conn.execute(ITEMS.insert(), {"id": "waited", "count": 1})
            async with direct_transaction(waiter) as db:
                await db.execute(BUMP, {"p_id": "held"})
            return ticks - before

        _, ticks_while_waiting = await asyncio.gather(hold(), wait_then_write())
        ticker.cancel()
        assert ticks_while_waiting >= 10  # ~50 ticks of 10 ms pass during the 0.5 s wait
        async with direct_connection(holder) as db:
            assert (await db.first(BY_ID, {"p_id": "held"}))["count"] == 2  # type: ignore[index]
            assert (await db.first(COUNT))["n"] == 2  # type: ignore[index]
    finally:
        await holder.dispose()
        await waiter.dispose()


async def test_a_connection_dropped_while_idle_is_pinged_and_replaced_before_use(servers: Servers) -> None:
    """PostgreSQL ended a connection that sat idle in the pool (a restart overnight): the checkout pings it,
    finds it dead and hands out a fresh one, so the statement succeeds; one in steady use is not pinged."""
    engine = create_engine(servers.postgres_url, pool_size=1, max_overflow=0, ping_after_idle_seconds=0.2)
    pid = DirectStatement(text("SELECT pg_backend_pid() AS pid"))
    pings = []
    original_ping = engine.dialect.do_ping
    engine.dialect.do_ping = lambda connection: (pings.append(1), original_ping(connection))[1]  # type: ignore
    try:
        for _ in range(3):  # in steady use: no ping
            async with direct_connection(engine) as db:
                first = (await db.first(pid))["pid"]  # type: ignore[index]
        assert pings == []
        admin = create_engine(servers.postgres_url)
        async with admin.connect() as conn:
            await conn.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": first})
        await admin.dispose()
        await asyncio.sleep(0.3)
        async with direct_connection(engine) as db:
            second = (await db.first(pid))["pid"]  # type: ignore[index]
        assert second != first
        assert pings == [1]
    finally:
        await engine.dispose()


async def test_a_connection_the_server_dropped_is_replaced_not_reused(servers: Servers) -> None:
    """PostgreSQL ends the pooled connection (a restart, a failover): the statement on it fails, the
    connection is invalidated, and the next direct statement gets a fresh one."""
    engine = create_engine(servers.postgres_url, pool_size=1, max_overflow=0, pool_pre_ping=False)
    pid = DirectStatement(text("SELECT pg_backend_pid() AS pid"))
    try:
        async with direct_connection(engine) as db:
            first = (await db.first(pid))["pid"]  # type: ignore[index]
        admin = create_engine(servers.postgres_url)
        async with admin.connect() as conn:
            await conn.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": first})
        await admin.dispose()
        with pytest.raises(Exception):  # noqa: B017 - whichever driver error a dropped socket raises
            async with direct_connection(engine) as db:
                await db.first(pid)
        async with direct_connection(engine) as db:
            second = (await db.first(pid))["pid"]  # type: ignore[index]
        assert second != first
    finally:
        await engine.dispose()
