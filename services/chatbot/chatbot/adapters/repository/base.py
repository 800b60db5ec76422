"""The chatbot's stores share this: the session factory and engine, the tables' Core handles, UTC helpers."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, TypeVar, cast

from sellerbot_database.direct import DirectStatement
from sqlalchemy import Table, insert
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from sqlalchemy.orm import configure_mappers

from chatbot.adapters.tables import ConversationRow, MessageRow

T = TypeVar("T")
READER = "sellerbot_reader"  # execution option of the stores' read-only connections (no transaction)


def utcnow() -> datetime:
    return datetime.now(UTC)


def aware(value: datetime | None) -> datetime | None:
    """SQLite returns naive datetimes: they are UTC."""
    if value is None:
        return None
    return value if value.tzinfo else value.replace(tzinfo=UTC)


# The turn's hot path (receive, load_turn, finish_turn, current_conversation, the CRM's observe_turn and
# opted_out) runs SQLAlchemy-built statements on the driver's connection (`sellerbot_database.direct`): the
# ORM's identity map and unit of work, and even the Core engine's per-statement machinery, cost more CPU than
# the statements themselves. Conversations come back as transient ConversationRow objects (same attributes,
# no session), exactly what the ORM paths returned after commit. Every statement is still a round trip, so a
# turn uses as few as it can.
CONVERSATIONS = cast(Table, ConversationRow.__table__)
MESSAGES = cast(Table, MessageRow.__table__)
CONVERSATION_COLUMNS = [c.key for c in CONVERSATIONS.columns]
MESSAGE_COLUMNS = [c.key for c in MESSAGES.columns]
INSERT_MESSAGE = DirectStatement(insert(MESSAGES))


def detached_row(mapped: type[T], columns: list[str], mapping: Any) -> T:
    """A transient instance of a mapped class holding a row's values, as the ORM's loader builds one (its
    attribute dict filled in directly): the mapped constructor fires an attribute event per column, which
    cost more than the statement that read the row."""
    if not mapped.__mapper__.configured:  # type: ignore[attr-defined] # the ORM's first use sets the mappers up
        configure_mappers()
    row = cast(T, mapped._sa_class_manager.new_instance())  # type: ignore[attr-defined]
    row.__dict__.update({key: mapping[key] for key in columns})
    return row


def conversation_row(mapping: Any) -> ConversationRow:
    return detached_row(ConversationRow, CONVERSATION_COLUMNS, mapping)


def values(row: Any, columns: list[str]) -> dict[str, Any]:
    return {key: getattr(row, key) for key in columns}


class Store:
    """What every aggregate's store shares: the session factory, the engine and its autocommit reader."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions
        self._engine: AsyncEngine = sessions.kw["bind"]
        self._postgres = self._engine.dialect.name == "postgresql"
        # Single-statement reads need no transaction: without one, a read is one round trip instead of
        # BEGIN + SELECT + ROLLBACK (under READ COMMITTED each statement saw its own snapshot anyway). SQLite's
        # connection is in autocommit already (`chatbot.main._sqlite_engine`: no driver BEGIN, and none of its
        # own for a READER connection); AUTOCOMMIT there would only switch the isolation level on every
        # checkout and back on every return. Readers never write.
        self._reader: AsyncEngine = self._engine.execution_options(
            **({"isolation_level": "AUTOCOMMIT"} if self._postgres else {READER: True}))
