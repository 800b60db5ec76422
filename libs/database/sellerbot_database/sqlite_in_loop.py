"""SQLite driven from the event loop's own thread: `sqlite+inloop:///path`.

aiosqlite runs every call on a worker thread and hands its result back through the loop
(`call_soon_threadsafe`): through SQLAlchemy a statement is four such round trips (cursor, execute, fetch,
close), each a queue put, a thread wake-up, a GIL hand-over and a loop wake-up. A statement on a local SQLite
file takes tens of microseconds, so those hand-offs cost several times the work itself, and the two threads
fight over the GIL under load. This dialect is the standard library's `sqlite3` (SQLAlchemy's pysqlite
dialect) marked as async: the async engine still runs each call inside its greenlet, but the call itself
runs where it is, on the loop's thread.

Waiting for the write lock never blocks the loop: the connection's own busy handler is off
(`busy_timeout=0`) and a statement that finds the database locked (SQLITE_BUSY) is retried after an
asyncio sleep, from 1 ms doubling to `MAX_PAUSE_SECONDS` (4 ms: a process with one connection waits in
whole), for up to `BUSY_SECONDS`, so the holder (another connection of this process, or another process)
runs meanwhile. SQLITE_BUSY_SNAPSHOT (a read transaction that tries to
write after another writer committed) cannot succeed by waiting and is raised at once, as SQLite does.

Where a COMMIT waits for the disk (`synchronous=FULL`, the default: the WAL's fsync, ~4.5 ms here) it runs
on a worker thread (`commit`): on the loop's thread that wait stopped every other request of the process. The
connection is checked out of the pool meanwhile, so nothing else touches it. With `synchronous=NORMAL` (the
chatbot's) a commit does not wait for the disk and stays on the loop: a thread hand-off costs ~0.1 ms of CPU
and, under load, a wait for the GIL.
"""

from __future__ import annotations

import asyncio
import sqlite3
import time
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from sqlalchemy import pool
from sqlalchemy.dialects import registry
from sqlalchemy.dialects.sqlite.pysqlite import SQLiteDialect_pysqlite
from sqlalchemy.engine.url import URL
from sqlalchemy.util import await_

DRIVER = "inloop"
BUSY_SECONDS = 30.0
MAX_PAUSE_SECONDS = 0.004
SQLITE_BUSY = 5
T = TypeVar("T")


def locked(error: sqlite3.OperationalError) -> bool:
    """The database is locked by another writer (worth waiting for), not a stale snapshot."""
    return getattr(error, "sqlite_errorcode", None) == SQLITE_BUSY


async def _when_unlocked(attempt: Callable[[], Awaitable[T]]) -> T:
    """`attempt()`, again after asyncio sleeps (1 ms doubling to MAX_PAUSE_SECONDS, BUSY_SECONDS in all) while
    another writer holds the lock."""
    deadline = 0.0
    pause = 0.001
    while True:
        try:
            return await attempt()
        except sqlite3.OperationalError as error:
            if not locked(error):
                raise
            now = time.monotonic()
            deadline = deadline or now + BUSY_SECONDS
            if now >= deadline:
                raise
            await asyncio.sleep(pause)
            pause = min(pause * 2, MAX_PAUSE_SECONDS)


async def call_when_unlocked(call: Callable[[], T]) -> T:
    """`call()` here and now, or again once the lock is free."""

    async def now() -> T:
        return call()

    return await _when_unlocked(now)


async def commit(connection: InLoopConnection, commit_now: Callable[[], object]) -> None:
    """`commit_now()` (the connection's COMMIT) once the lock is free: on a worker thread where it waits for the
    disk, here where it does not."""
    if connection.commit_waits_for_disk():
        await _when_unlocked(lambda: asyncio.to_thread(commit_now))
    else:
        await call_when_unlocked(commit_now)


class InLoopCursor(sqlite3.Cursor):
    """Every execute awaits once (the async engine insists that a statement awaited something: it is how
    it tells an async driver from a blocking one); awaiting a finished coroutine does not yield."""

    def execute(self, sql: str, parameters: Any = (), /) -> InLoopCursor:
        await_(call_when_unlocked(lambda: sqlite3.Cursor.execute(self, sql, parameters)))
        return self

    def executemany(self, sql: str, seq_of_parameters: Any, /) -> InLoopCursor:
        rows = list(seq_of_parameters)
        await_(call_when_unlocked(lambda: sqlite3.Cursor.executemany(self, sql, rows)))
        return self

    async def _async_soft_close(self) -> None:
        """What the async engine calls on a result it hands back: a sqlite3 cursor closes when it is read."""


class InLoopConnection(sqlite3.Connection):
    _waits_for_disk: bool | None = None

    def cursor(self, factory: Any = InLoopCursor) -> Any:  # type: ignore[override]
        return super().cursor(factory)

    def commit(self) -> None:
        if self.in_transaction:
            await_(commit(self, lambda: sqlite3.Connection.commit(self)))

    def commit_waits_for_disk(self) -> bool:
        """Whether a COMMIT flushes to the disk (`synchronous` FULL or EXTRA), read on the first commit."""
        if self._waits_for_disk is None:
            level = sqlite3.Connection.execute(self, "PRAGMA synchronous").fetchone()[0]
            self._waits_for_disk = int(level) >= 2
        return self._waits_for_disk


class SQLiteDialectInLoop(SQLiteDialect_pysqlite):
    driver = DRIVER
    is_async = True
    supports_statement_cache = True

    @classmethod
    def get_pool_class(cls, url: URL) -> type[pool.Pool]:
        if cls._is_url_file_db(url):
            return pool.AsyncAdaptedQueuePool
        return pool.StaticPool

    def create_connect_args(self, url: URL) -> Any:
        args, kwargs = super().create_connect_args(url)
        kwargs["check_same_thread"] = False  # opened inside a greenlet of the loop's thread; used only there
        kwargs["factory"] = InLoopConnection
        kwargs["timeout"] = 0  # no busy handler inside SQLite: waits happen on the loop (module docstring)
        return args, kwargs

    def on_connect(self) -> Any:
        base = super().on_connect()

        def connect(dbapi_connection: Any) -> None:
            if base is not None:
                base(dbapi_connection)
            dbapi_connection.execute("PRAGMA busy_timeout=0")

        return connect


registry.register(f"sqlite.{DRIVER}", __name__, SQLiteDialectInLoop.__name__)
