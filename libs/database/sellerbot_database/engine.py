"""Async SQLAlchemy engines for PostgreSQL (asyncpg) and SQLite (the standard library driver on the loop)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine

from sellerbot_database import sqlite_in_loop  # registers sqlite+inloop


def async_url(url: str) -> str:
    """Accept the URLs people paste (postgres://, postgresql://, sqlite:///) and pick the async driver."""
    for prefix in ("postgres://", "postgresql://", "postgresql+psycopg2://", "postgresql+psycopg://"):
        if url.startswith(prefix):
            return "postgresql+asyncpg://" + url.removeprefix(prefix)
    if url.startswith("sqlite:///"):
        return "sqlite+inloop:///" + url.removeprefix("sqlite:///")
    return url


def create_engine(url: str, **kwargs: Any) -> AsyncEngine:
    url = async_url(url)
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
    return create_async_engine(url, **{"pool_pre_ping": True, "pool_size": 10, "max_overflow": 10, **kwargs})


def session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False)
