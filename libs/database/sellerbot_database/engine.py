"""Async SQLAlchemy engines for PostgreSQL (asyncpg) and SQLite (the standard library driver on the loop)."""

from __future__ import annotations

import time
from typing import Any

from sqlalchemy import event, exc
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine

from sellerbot_database import sqlite_in_loop  # registers sqlite+inloop

# A pooled PostgreSQL connection back from the pool after this long idle is pinged before use (see
# `_ping_after_idle`); one in steady use is not.
PING_AFTER_IDLE_SECONDS = 1.0


def async_url(url: str) -> str:
    """Accept the URLs people paste (postgres://, postgresql://, sqlite:///) and pick the async driver."""
    for prefix in ("postgres://", "postgresql://", "postgresql+psycopg2://", "postgresql+psycopg://"):
        if url.startswith(prefix):
            return "postgresql+asyncpg://" + url.removeprefix(prefix)
    if url.startswith("sqlite:///"):
        return "sqlite+inloop:///" + url.removeprefix("sqlite:///")
    return url


def create_engine(url: str, **kwargs: Any) -> AsyncEngine:
    """An async engine for `url`; on PostgreSQL `ping_after_idle_seconds` (None: never ping; or SQLAlchemy's
    own `pool_pre_ping=True`: at every checkout) says when a pooled connection is pinged before use."""
    url = async_url(url)
    ping_after_idle = kwargs.pop("ping_after_idle_seconds", PING_AFTER_IDLE_SECONDS)
    if url.startswith("sqlite"):
        in_loop = url.startswith(f"sqlite+{sqlite_in_loop.DRIVER}")
        # the in-loop driver waits for the write lock on the loop (sqlite_in_loop); others in SQLite's handler
        engine = create_async_engine(url, **({} if in_loop else {"connect_args": {"timeout": 30}}), **kwargs)

        @event.listens_for(engine.sync_engine, "connect")
        def _sqlite_pragmas(dbapi_connection: Any, _: Any) -> None:
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            if not in_loop:
                cursor.execute("PRAGMA busy_timeout=30000")
            cursor.close()

        return engine
    engine = create_async_engine(url, **{"pool_size": 10, "max_overflow": 10, "pool_use_lifo": True, **kwargs})
    if not kwargs.get("pool_pre_ping") and ping_after_idle is not None:
        _ping_after_idle(engine, ping_after_idle)
    return engine


def _ping_after_idle(engine: AsyncEngine, idle_seconds: float) -> None:
    """Ping a pooled connection at checkout only when it sat idle in the pool for `idle_seconds` or more.

    SQLAlchemy's `pool_pre_ping` pings at every checkout: a round trip plus its machinery (~80 µs of CPU), paid
    by each of a chatbot turn's statements. A connection that went stale (PostgreSQL restarted, a failover, an
    idle timeout) did so while it sat unused; one checked in a moment ago almost surely works, and if it does
    not, its statement fails, `sellerbot_database.direct` invalidates it (the engine's own statements do the
    same through SQLAlchemy's disconnect handling) and the caller's retry gets a fresh one. The pool is LIFO:
    under light load the same few connections stay warm and the rest age out to be pinged. A failed ping
    raises `DisconnectionError`, on which the pool replaces the connection and checks out again."""

    @event.listens_for(engine.sync_engine, "checkin")
    def _note_checkin(_dbapi_connection: Any, record: Any) -> None:
        if record is not None:
            record.info["checked_in_at"] = time.monotonic()

    @event.listens_for(engine.sync_engine, "checkout")
    def _ping_if_idle(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        checked_in_at = record.info.get("checked_in_at")  # none on a fresh connection (info is new with it)
        if checked_in_at is None or time.monotonic() - checked_in_at < idle_seconds:
            return
        try:
            engine.dialect.do_ping(dbapi_connection)
        except Exception as error:
            raise exc.DisconnectionError(f"a pooled connection idle since checkin failed its ping: {error}") \
                from error


def session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False)
