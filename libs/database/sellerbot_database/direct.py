"""Hot-path statements run on the driver's own connection (asyncpg, or sqlite3 on the loop).

Through the async engine a statement costs far more CPU than the statement itself: a greenlet hand-off per
call, the compiled-cache look-up, parameter processing, result set-up, and a begin/commit machinery of their
own (a few hundred microseconds; a local SQLite insert takes tens). A service's hot path (the chatbot's turn)
can instead check one pooled connection out of the engine and run SQLAlchemy-built statements on its driver
connection directly: each statement is compiled once per dialect and parameter set (the same SQL text the
engine would send), and the dialect's own bind and result processors are applied, so values go in and come
back exactly as through the engine (SQLite datetimes as strings in, datetimes out; PostgreSQL JSON through
the codecs the engine registered on the connection).

    async with direct_transaction(engine) as db:
        rows = await db.rows(SELECT_TURN, {"p_id": conversation_id})
        changed = await db.execute(UPDATE_TURN, {...})

Errors come back as SQLAlchemy's: a unique or foreign-key violation is `sqlalchemy.exc.IntegrityError`, any
other driver error `sqlalchemy.exc.DBAPIError`. On SQLite a transaction starts with BEGIN IMMEDIATE (it takes
the write lock first: a read-then-write transaction cannot fail on a stale snapshot), waiting for the lock on
the loop like the in-loop driver; direct connections are for the in-loop SQLite driver and asyncpg only.
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator, Callable, Iterable, Mapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import exc
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine
from sqlalchemy.sql import ClauseElement
from sqlalchemy.util import greenlet_spawn

from sellerbot_database.sqlite_in_loop import call_when_unlocked, commit

Processor = Callable[[Any], Any] | None


@dataclass(frozen=True)
class _Plan:
    sql: str
    names: tuple[str, ...]
    processed: tuple[tuple[int, Callable[[Any], Any]], ...]  # (position, the dialect's bind processor)
    fixed: dict[str, Any]  # values the statement carries itself (`count + 1`), by bind name
    keys: tuple[str, ...] | None  # result keys by position; None: the driver's own names
    results: tuple[Processor, ...] | None


class DirectStatement:
    """A SQLAlchemy statement compiled once per dialect and set of parameter names."""

    def __init__(self, statement: ClauseElement) -> None:
        self.statement = statement
        self._plans: dict[tuple[str, frozenset[str]], _Plan] = {}

    def plan(self, dialect: Dialect, params: Mapping[str, Any]) -> _Plan:
        key = (dialect.name, frozenset(params))
        plan = self._plans.get(key)
        if plan is None:
            plan = self._plans[key] = self._compile(dialect, list(params))
        return plan

    def _compile(self, dialect: Dialect, keys: list[str]) -> _Plan:
        compiled: Any = self.statement.compile(dialect=dialect, column_keys=keys)
        if "__[POSTCOMPILE_" in compiled.string:
            raise exc.ArgumentError("a direct statement cannot expand a list parameter (IN / NOT IN): "
                                    "use = ANY(array) on PostgreSQL or a fixed set of comparisons")
        names = tuple(compiled.positiontup or ())
        processors = compiled._bind_processors  # the dialect's own bind processing
        columns = compiled._result_columns  # (keyname, name, objects, type) per column
        if columns and not compiled._textual_ordered_columns:
            result_keys: tuple[str, ...] | None = tuple(c[0] for c in columns)
            processors_by_column = tuple(_result_processor(c[3], dialect) for c in columns)
            results: tuple[Processor, ...] | None = processors_by_column if any(processors_by_column) else None
        else:
            result_keys, results = None, None
        fixed = {name: bind.effective_value for name, bind in compiled.binds.items()
                 if name not in keys and not bind.required}
        processed = tuple((i, processors[n]) for i, n in enumerate(names) if processors.get(n) is not None)
        return _Plan(compiled.string, names, processed, fixed, result_keys, results)


def _result_processor(type_: Any, dialect: Dialect) -> Processor:
    """The dialect's result processing of a column type; none where it depends on the driver's type code
    (asyncpg's NUMERIC: asyncpg already returns the Decimal the type asks for)."""
    try:
        return cast(Processor, type_._cached_result_processor(dialect, None))
    except (TypeError, KeyError):
        return None


def _arguments(plan: _Plan, params: Mapping[str, Any]) -> list[Any]:
    try:
        if plan.fixed:
            values = [params[n] if n in params else plan.fixed[n] for n in plan.names]
        else:
            values = [params[n] for n in plan.names]
    except KeyError as missing:
        raise exc.ArgumentError(f"missing bind parameter {missing} for {plan.sql!r}") from None
    for index, process in plan.processed:
        values[index] = process(values[index])
    return values


def _row(plan: _Plan, names: Sequence[str], values: Sequence[Any]) -> dict[str, Any]:
    keys = plan.keys or names
    if plan.results is None:
        return dict(zip(keys, values, strict=True))
    return {key: value if process is None or value is None else process(value)
            for key, value, process in zip(keys, values, plan.results, strict=True)}


class DirectConnection:
    """One driver connection checked out of an engine's pool (see the module docstring)."""

    def __init__(self, driver: Any, dialect: Dialect) -> None:
        self._driver = driver
        self._dialect = dialect
        self._sqlite = dialect.name == "sqlite"

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[None]:
        """A transaction on this connection: committed when the block ends, rolled back if it raises (on
        SQLite, BEGIN IMMEDIATE: see the module docstring)."""
        if not self._sqlite:
            async with self._driver.transaction():
                yield
            return
        await call_when_unlocked(lambda: self._driver.execute("BEGIN IMMEDIATE"))
        try:
            yield
        except BaseException:
            self._driver.execute("ROLLBACK")
            raise
        await commit(self._driver, lambda: self._driver.execute("COMMIT"))

    @asynccontextmanager
    async def rolled_back(self) -> AsyncIterator[None]:
        """A transaction that is always rolled back (warming a connection's prepared statements up)."""
        if self._sqlite:
            await call_when_unlocked(lambda: self._driver.execute("BEGIN IMMEDIATE"))
            try:
                yield
            finally:
                self._driver.execute("ROLLBACK")
            return
        transaction = self._driver.transaction()
        await transaction.start()
        try:
            yield
        finally:
            await transaction.rollback()

    async def rows(self, statement: DirectStatement, params: Mapping[str, Any] | None = None) -> list[dict[str, Any]]:
        plan, arguments = self._prepared(statement, params)
        try:
            if self._sqlite:
                cursor = await self._on_sqlite(plan, arguments)
                names = [d[0] for d in cursor.description or ()]
                return [_row(plan, names, values) for values in cursor.fetchall()]
            records = await self._driver.fetch(plan.sql, *arguments)
        except Exception as error:
            raise _translated(error, plan.sql, arguments) from error
        return [_row(plan, list(r.keys()), list(r.values())) for r in records]

    async def first(self, statement: DirectStatement, params: Mapping[str, Any] | None = None) -> dict[str, Any] | None:
        found = await self.rows(statement, params)
        return found[0] if found else None

    async def execute(self, statement: DirectStatement, params: Mapping[str, Any] | None = None) -> int:
        """Run a statement that returns no rows; the number of rows it changed."""
        plan, arguments = self._prepared(statement, params)
        try:
            if self._sqlite:
                return int((await self._on_sqlite(plan, arguments)).rowcount)
            status = await self._driver.execute(plan.sql, *arguments)
        except Exception as error:
            raise _translated(error, plan.sql, arguments) from error
        count = str(status).rsplit(" ", 1)[-1]
        return int(count) if count.isdigit() else 0

    def _prepared(self, statement: DirectStatement, params: Mapping[str, Any] | None) -> tuple[_Plan, list[Any]]:
        params = params or {}
        plan = statement.plan(self._dialect, params)
        return plan, _arguments(plan, params)

    async def _on_sqlite(self, plan: _Plan, arguments: list[Any]) -> sqlite3.Cursor:
        return cast(sqlite3.Cursor, await call_when_unlocked(lambda: self._driver.execute(plan.sql, arguments)))

    async def execute_many(self, statement: DirectStatement, many: Iterable[Mapping[str, Any]]) -> int:
        """The same statement for each parameter set; the rows changed in all."""
        many = list(many)
        if not many:
            return 0
        if not self._sqlite:
            return sum([await self.execute(statement, params) for params in many])
        plan = statement.plan(self._dialect, many[0])
        arguments = [_arguments(plan, params) for params in many]
        try:
            cursor = await call_when_unlocked(lambda: self._driver.executemany(plan.sql, arguments))
        except Exception as error:
            raise _translated(error, plan.sql, arguments) from error
        return int(cursor.rowcount)


def _translated(error: Exception, sql: str, arguments: Any) -> Exception:
    if isinstance(error, exc.SQLAlchemyError):
        return error
    integrity = isinstance(error, sqlite3.IntegrityError) or (type(error).__module__.startswith("asyncpg") and any(
        c.__name__ == "IntegrityConstraintViolationError" for c in type(error).__mro__))
    kind = exc.IntegrityError if integrity else exc.DBAPIError
    return kind(sql, arguments, error)


async def direct_of(conn: AsyncConnection) -> DirectConnection:
    """The driver connection under an engine connection the caller already holds."""
    return DirectConnection((await conn.get_raw_connection()).driver_connection, conn.dialect)


@asynccontextmanager
async def _pooled(engine: AsyncEngine) -> AsyncIterator[Any]:
    """A driver connection straight from the engine's pool (its checkout events and pre-ping included),
    without the engine-level Connection around it; one that failed below SQL (the server went away, the
    socket closed) is invalidated instead of going back to the pool."""
    fairy = await greenlet_spawn(engine.sync_engine.pool.connect)
    try:
        yield fairy.driver_connection
    except BaseException as error:
        if _broken(error):
            await greenlet_spawn(fairy.invalidate, error)
        raise
    finally:
        await greenlet_spawn(fairy.close)


def _broken(error: BaseException) -> bool:
    """Whether the connection itself failed (not a statement on it)."""
    cause = error.orig if isinstance(error, exc.DBAPIError) else error
    if isinstance(cause, sqlite3.Error | exc.SQLAlchemyError | asyncio.CancelledError):
        return False
    module = type(cause).__module__
    if module.startswith("asyncpg"):
        return not any(c.__name__ == "PostgresError" for c in type(cause).__mro__)
    return isinstance(cause, OSError | ConnectionError)


@asynccontextmanager
async def direct_connection(engine: AsyncEngine) -> AsyncIterator[DirectConnection]:
    """A pooled connection without a transaction: on SQLite for reads only (the in-loop driver runs in
    autocommit for the engine's readers; a write here would open the driver's implicit transaction)."""
    async with _pooled(engine) as driver:
        yield DirectConnection(driver, engine.dialect)


@asynccontextmanager
async def direct_transaction(engine: AsyncEngine) -> AsyncIterator[DirectConnection]:
    """A pooled connection in one transaction: committed when the block ends, rolled back if it raises."""
    async with _pooled(engine) as driver:
        db = DirectConnection(driver, engine.dialect)
        async with db.transaction():
            yield db
