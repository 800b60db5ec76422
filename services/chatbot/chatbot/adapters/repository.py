"""Database access of the chatbot service: conversations, history/inbox, catalog, config, FAQ, handoffs."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any, cast

from sqlalchemy import Table, and_, bindparam, delete, func, insert, select, text, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession, async_sessionmaker

from chatbot.adapters.tables import (
    ConfigVersionRow,
    ConversationRow,
    HandoffRow,
    LearnedAnswerRow,
    MessageRow,
    ProductRow,
)
from chatbot.domain.catalog import Product


def utcnow() -> datetime:
    return datetime.now(UTC)


def aware(value: datetime | None) -> datetime | None:
    """SQLite returns naive datetimes: they are UTC."""
    if value is None:
        return None
    return value if value.tzinfo else value.replace(tzinfo=UTC)


@dataclass(frozen=True)
class PendingMessage:
    id: str
    event_id: str
    text: str
    platform_timestamp: datetime
    created_at: datetime


@dataclass
class TurnRecord:
    """Everything one answered turn changes, written in one transaction."""

    conversation_id: str
    user_id: str
    channel: str
    inbound_ids: list[str]
    intents: list[tuple[str, str, float]]  # (message id, intent, confidence)
    reply_text: str
    reply_id: str
    source: str
    prompt_variant: str
    response_seconds: float | None
    last_intent: str
    stage: str
    fallback_count: int
    complaint_count: int
    reply_sequence: int
    last_message: str


def _new_conversation(
    user_id: str, contact_id: str, channel: str, account_id: str, platform_conversation_id: str,
    contact_name: str, variant: str,
) -> ConversationRow:
    now = utcnow()
    return ConversationRow(
        id=str(uuid.uuid4()), user_id=user_id, contact_id=contact_id, channel=channel, account_id=account_id,
        platform_conversation_id=platform_conversation_id, contact_name=contact_name, handoff_state="bot",
        handoff_reason="", stage="new_contact", prompt_variant=variant, converted=False, order_id="",
        order_amount=Decimal("0"), last_message="", last_intent="", message_count=0, fallback_count=0,
        complaint_count=0, reply_sequence=0, archived=False, created_at=now, updated_at=now,
    )


def _refresh_contact(row: ConversationRow, account_id: str, platform_conversation_id: str, name: str) -> None:
    if account_id and row.account_id != account_id:
        row.account_id = account_id
    if platform_conversation_id and row.platform_conversation_id != platform_conversation_id:
        row.platform_conversation_id = platform_conversation_id
    if name and row.contact_name != name:
        row.contact_name = name


def _inbound_row(
    message_id: str, conversation: ConversationRow, event_id: str, text: str, platform_timestamp: datetime,
    status: str = "pending",
) -> MessageRow:
    return MessageRow(
        id=message_id, conversation_id=conversation.id, user_id=conversation.user_id,
        channel=conversation.channel, direction="in", text=text, intent="", confidence=0.0, event_id=event_id,
        status=status, reply_id="", source="", prompt_variant="", platform_timestamp=platform_timestamp,
        created_at=utcnow(),
    )


# The turn's hot path (receive, load_turn, finish_turn, current_conversation) uses Core statements on a
# plain connection: the ORM's identity map, unit of work and per-statement ORM compilation cost more CPU
# than the statements themselves. Conversations come back as transient ConversationRow objects (same
# attributes, no session), exactly what the ORM paths returned after commit. Every statement is a round
# trip and ~0.15 ms of this process's CPU (SQLAlchemy + asyncpg), so a turn uses as few as it can.
_CONVERSATIONS = cast(Table, ConversationRow.__table__)
_MESSAGES = cast(Table, MessageRow.__table__)
_CONVERSATION_COLUMNS = [c.key for c in _CONVERSATIONS.columns]
_MESSAGE_COLUMNS = [c.key for c in _MESSAGES.columns]
_SELECT_CURRENT = (
    select(_CONVERSATIONS)
    .where(_CONVERSATIONS.c.user_id == bindparam("p_user"), _CONVERSATIONS.c.contact_id == bindparam("p_contact"),
           _CONVERSATIONS.c.archived.is_(False))
    .order_by(_CONVERSATIONS.c.created_at.desc()).limit(1)
)
_SELECT_SEEN = select(_MESSAGES.c.id).where(_MESSAGES.c.user_id == bindparam("p_user"),
                                            _MESSAGES.c.event_id == bindparam("p_event"))
_PENDING_COLUMNS = (_MESSAGES.c.id.label("m_id"), _MESSAGES.c.event_id.label("m_event_id"),
                    _MESSAGES.c.text.label("m_text"), _MESSAGES.c.platform_timestamp.label("m_platform_timestamp"),
                    _MESSAGES.c.created_at.label("m_created_at"))


def _select_turn(conversation_id: Any) -> Any:
    """A conversation and its pending customer messages (oldest first) in one statement: one row per
    pending message, or one row with NULL message columns when nothing is pending."""
    pending = and_(_MESSAGES.c.conversation_id == _CONVERSATIONS.c.id, _MESSAGES.c.direction == "in",
                   _MESSAGES.c.status == "pending")
    return (select(_CONVERSATIONS, *_PENDING_COLUMNS)
            .select_from(_CONVERSATIONS.outerjoin(_MESSAGES, pending))
            .where(_CONVERSATIONS.c.id == conversation_id, _CONVERSATIONS.c.user_id == bindparam("p_user"))
            .order_by(_MESSAGES.c.platform_timestamp, _MESSAGES.c.created_at))


_SELECT_TURN_BY_ID = _select_turn(bindparam("p_id"))
_SELECT_TURN_OF_CONTACT = _select_turn(_SELECT_CURRENT.with_only_columns(_CONVERSATIONS.c.id).scalar_subquery())
_INSERT_CONVERSATION = insert(_CONVERSATIONS)
_INSERT_MESSAGE = insert(_MESSAGES)
_ANSWER_CONVERSATION = update(_CONVERSATIONS).where(
    _CONVERSATIONS.c.id == bindparam("p_id"), _CONVERSATIONS.c.handoff_state == "bot",
).values(last_intent=bindparam("p_last_intent"), stage=bindparam("p_stage"),
         fallback_count=bindparam("p_fallback_count"), complaint_count=bindparam("p_complaint_count"),
         reply_sequence=bindparam("p_reply_sequence"), last_message=bindparam("p_last_message"),
         updated_at=bindparam("p_now"))
_MARK_ANSWERED = update(_MESSAGES).where(_MESSAGES.c.id == bindparam("p_id")).values(
    intent=bindparam("p_intent"), confidence=bindparam("p_confidence"), status=bindparam("p_status"),
    reply_id=bindparam("p_reply"))

# PostgreSQL stores an inbound message with one statement (data-modifying CTEs, atomic on its own, no
# BEGIN/COMMIT): find the contact's open conversation or open one, insert the message unless its event id
# is known (the inbox: a redelivery is recognised here), and count it on the conversation. It returns the
# conversation row and the new message id (NULL for a redelivery); no row when a redelivered event's
# conversation has since been archived. SQLite (`make run`) has no data-modifying CTEs: it runs the same
# steps as separate statements in one transaction (`_receive_in_steps`).
_RECEIVE_POSTGRES = text("""
WITH current_conversation AS (
    SELECT id, channel FROM chatbot_conversations
    WHERE user_id = :user_id AND contact_id = :contact_id AND archived = false
    ORDER BY created_at DESC LIMIT 1
), seen AS (
    SELECT 1 FROM chatbot_messages WHERE user_id = :user_id AND event_id = :event_id
), opened AS (
    INSERT INTO chatbot_conversations (
        id, user_id, contact_id, channel, account_id, platform_conversation_id, contact_name, handoff_state,
        handoff_reason, stage, prompt_variant, converted, order_id, order_amount, last_message, last_intent,
        message_count, fallback_count, complaint_count, reply_sequence, archived, created_at, updated_at)
    SELECT :conversation_id, :user_id, :contact_id, :channel, :account_id, :platform_conversation_id,
        :contact_name, 'bot', '', 'new_contact', :prompt_variant, false, '', 0, :last_message, '',
        1, 0, 0, 0, false, CAST(:now AS TIMESTAMP WITH TIME ZONE), CAST(:now AS TIMESTAMP WITH TIME ZONE)
    WHERE NOT EXISTS (SELECT 1 FROM current_conversation) AND NOT EXISTS (SELECT 1 FROM seen)
    RETURNING *
), target AS (
    SELECT id, channel FROM current_conversation UNION ALL SELECT id, channel FROM opened
), stored AS (
    INSERT INTO chatbot_messages (
        id, conversation_id, user_id, channel, direction, text, intent, confidence, event_id, status,
        reply_id, source, prompt_variant, platform_timestamp, created_at)
    SELECT :message_id, target.id, :user_id, target.channel, 'in', :text, '', 0, :event_id, 'pending',
        '', '', '', CAST(:platform_timestamp AS TIMESTAMP WITH TIME ZONE), CAST(:now AS TIMESTAMP WITH TIME ZONE)
    FROM target WHERE NOT EXISTS (SELECT 1 FROM seen)
    ON CONFLICT (user_id, event_id) DO NOTHING
    RETURNING id
), touched AS (
    UPDATE chatbot_conversations AS c SET
        account_id = COALESCE(NULLIF(:account_id, ''), c.account_id),
        platform_conversation_id = COALESCE(NULLIF(:platform_conversation_id, ''), c.platform_conversation_id),
        contact_name = COALESCE(NULLIF(:contact_name, ''), c.contact_name),
        message_count = c.message_count + (SELECT count(*) FROM stored),
        last_message = CASE WHEN EXISTS (SELECT 1 FROM stored) THEN :last_message ELSE c.last_message END,
        updated_at = CASE WHEN EXISTS (SELECT 1 FROM stored)
                          THEN CAST(:now AS TIMESTAMP WITH TIME ZONE) ELSE c.updated_at END
    FROM current_conversation WHERE c.id = current_conversation.id
    RETURNING c.*
)
SELECT touched.*, (SELECT id FROM stored) AS message_id FROM touched
UNION ALL
SELECT opened.*, (SELECT id FROM stored) AS message_id FROM opened
""")


# PostgreSQL records an answered turn with one statement: the conversation's turn fields, only while it is
# still with the bot (which locks its row until the turn's transaction ends), the customer messages marked
# answered with their intents, and the reply added to the history; it returns how many conversations were
# updated (0: a human took over). SQLite runs the same steps as separate statements (`_record_in_steps`).
_FINISH_POSTGRES = text("""
WITH answered AS (
    UPDATE chatbot_conversations SET
        last_intent = :last_intent, stage = :stage, fallback_count = :fallback_count,
        complaint_count = :complaint_count, reply_sequence = :reply_sequence, last_message = :last_message,
        updated_at = CAST(:now AS TIMESTAMP WITH TIME ZONE)
    WHERE id = :conversation_id AND handoff_state = 'bot'
    RETURNING id
), marked AS (
    UPDATE chatbot_messages AS m SET intent = v.intent, confidence = v.confidence, status = :status,
        reply_id = :reply_id
    FROM answered, unnest(CAST(:message_ids AS VARCHAR[]), CAST(:intents AS VARCHAR[]),
                          CAST(:confidences AS DOUBLE PRECISION[])) AS v(id, intent, confidence)
    WHERE m.id = v.id
), replied AS (
    INSERT INTO chatbot_messages (
        id, conversation_id, user_id, channel, direction, text, intent, confidence, event_id, status,
        reply_id, source, prompt_variant, response_seconds, platform_timestamp, created_at)
    SELECT :reply_message_id, answered.id, :user_id, :channel, 'out', :reply_text, '', 0, NULL, 'sent',
        :reply_id, :source, :prompt_variant, CAST(:response_seconds AS DOUBLE PRECISION),
        CAST(:now AS TIMESTAMP WITH TIME ZONE), CAST(:now AS TIMESTAMP WITH TIME ZONE)
    FROM answered WHERE :reply_text <> ''
)
SELECT count(*) FROM answered
""")


def _conversation_row(mapping: Any) -> ConversationRow:
    return ConversationRow(**{key: mapping[key] for key in _CONVERSATION_COLUMNS})


def _values(row: Any, columns: list[str]) -> dict[str, Any]:
    return {key: getattr(row, key) for key in columns}


class ChatbotRepository:
    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions
        self._engine: AsyncEngine = sessions.kw["bind"]
        # Single-statement reads need no transaction: without one, a read is one round trip instead of
        # BEGIN + SELECT + ROLLBACK (under READ COMMITTED each statement saw its own snapshot anyway).
        self._reader: AsyncEngine = self._engine.execution_options(isolation_level="AUTOCOMMIT")
        self._postgres = self._engine.dialect.name == "postgresql"

    async def prepare_connections(self, count: int) -> None:
        """PostgreSQL: open `count` pooled connections at start, each with the turn's statements prepared and
        its parameter types known (asyncpg looks array types up in the catalog on first use). A connection
        opened, or a statement first run, in the middle of a burst costs tens of ms, exactly for the turns
        that already waited. The statements run in a transaction that is rolled back: nothing is written."""
        if not self._postgres:
            return
        connections = [await self._engine.connect() for _ in range(count)]
        for conn in connections:
            async with conn.begin() as transaction:
                await conn.execute(_RECEIVE_POSTGRES, {
                    "user_id": "", "contact_id": "", "event_id": "", "conversation_id": "", "channel": "",
                    "account_id": "", "platform_conversation_id": "", "contact_name": "", "prompt_variant": "",
                    "last_message": "", "now": utcnow(), "message_id": "", "text": "", "platform_timestamp": utcnow()})
                await conn.execute(_SELECT_TURN_OF_CONTACT, {"p_user": "", "p_contact": ""})
                await conn.execute(_SELECT_TURN_BY_ID, {"p_id": "", "p_user": ""})
                await self._record_postgres(conn, TurnRecord("", "", "", [], [("", "", 0.0)], "", "", "", "", 0.0,
                                                             "", "", 0, 0, 0, ""))
                await transaction.rollback()
        for conn in connections:
            await conn.close()
        # A seller's first turn also loads its profile: compile those ORM statements now, not in that turn.
        await self.latest_config("")
        await self.products("")
        await self.learned_answers("")

    @staticmethod
    async def _current_core(conn: AsyncConnection, user_id: str, contact_id: str) -> ConversationRow | None:
        found = (await conn.execute(_SELECT_CURRENT, {"p_user": user_id, "p_contact": contact_id})).mappings().first()
        return _conversation_row(found) if found is not None else None

    # --- conversations -----------------------------------------------------------------------
    async def open_conversation(
        self, user_id: str, contact_id: str, channel: str, *, account_id: str = "",
        platform_conversation_id: str = "", contact_name: str = "", pick_variant: Callable[[], str],
    ) -> ConversationRow:
        async with self._sessions.begin() as session:
            row = await self._current(session, user_id, contact_id)
            if row is None:
                row = _new_conversation(user_id, contact_id, channel, account_id, platform_conversation_id,
                                        contact_name, pick_variant())
                session.add(row)
            else:
                _refresh_contact(row, account_id, platform_conversation_id, contact_name)
            return row

    @staticmethod
    async def _current(session: AsyncSession, user_id: str, contact_id: str) -> ConversationRow | None:
        return (await session.execute(
            select(ConversationRow).where(
                ConversationRow.user_id == user_id, ConversationRow.contact_id == contact_id,
                ConversationRow.archived.is_(False),
            ).order_by(ConversationRow.created_at.desc()).limit(1)
        )).scalar_one_or_none()

    async def current_conversation(self, user_id: str, contact_id: str) -> ConversationRow | None:
        async with self._reader.connect() as conn:
            return await self._current_core(conn, user_id, contact_id)

    async def conversation(self, user_id: str, conversation_id: str) -> ConversationRow | None:
        """By conversation id, or by contact id (the dashboard may use either)."""
        async with self._sessions() as session:
            row = await session.get(ConversationRow, conversation_id)
            if row is not None and row.user_id == user_id:
                return row
            return await self._current(session, user_id, conversation_id)

    async def update_conversation(self, conversation_id: str, **changes: Any) -> ConversationRow:
        async with self._sessions.begin() as session:
            row = await session.get(ConversationRow, conversation_id)
            assert row is not None
            for key, value in changes.items():
                setattr(row, key, value)
            row.updated_at = utcnow()
            return row

    async def conversations(self, user_id: str, channel: str = "", limit: int = 200) -> list[ConversationRow]:
        async with self._sessions() as session:
            query = select(ConversationRow).where(ConversationRow.user_id == user_id,
                                                  ConversationRow.archived.is_(False))
            if channel:
                query = query.where(ConversationRow.channel == channel)
            rows = await session.execute(query.order_by(ConversationRow.updated_at.desc()).limit(limit))
            return list(rows.scalars())

    async def archive_conversations(self, user_id: str) -> int:
        async with self._sessions.begin() as session:
            result = await session.execute(
                update(ConversationRow).where(ConversationRow.user_id == user_id,
                                              ConversationRow.archived.is_(False)).values(archived=True)
            )
            return int(result.rowcount or 0)  # type: ignore[attr-defined]

    async def not_with_bot(self) -> list[ConversationRow]:
        async with self._sessions() as session:
            rows = await session.execute(select(ConversationRow).where(
                ConversationRow.handoff_state != "bot", ConversationRow.archived.is_(False)))
            return list(rows.scalars())

    # --- history / inbox ----------------------------------------------------------------------
    async def record_inbound(
        self, conversation: ConversationRow, event_id: str, text: str, platform_timestamp: datetime,
        status: str = "pending",
    ) -> str | None:
        """Store a customer message once; None when this event id was already recorded (redelivery)."""
        message_id = str(uuid.uuid4())
        try:
            async with self._sessions.begin() as session:
                session.add(_inbound_row(message_id, conversation, event_id, text, platform_timestamp, status))
                await session.execute(update(ConversationRow).where(ConversationRow.id == conversation.id).values(
                    last_message=text[:1000], message_count=ConversationRow.message_count + 1,
                    updated_at=utcnow()))
        except IntegrityError:
            return None
        return message_id

    async def receive(
        self, user_id: str, contact_id: str, channel: str, *, event_id: str, text: str,
        platform_timestamp: datetime, account_id: str = "", platform_conversation_id: str = "",
        contact_name: str = "", prompt_variant: str,
    ) -> tuple[ConversationRow | None, str | None]:
        """Open the contact's conversation (with `prompt_variant` when new) and store the message once (the
        pipeline's hot path). The message id is None when this event id was already stored (a redelivery);
        the conversation is None only for a redelivery whose conversation was archived since."""
        if self._postgres:
            return await self._receive_postgres(user_id, contact_id, channel, event_id, text, platform_timestamp,
                                                account_id, platform_conversation_id, contact_name, prompt_variant)
        return await self._receive_in_steps(user_id, contact_id, channel, event_id, text, platform_timestamp,
                                            account_id, platform_conversation_id, contact_name, prompt_variant)

    async def _receive_postgres(
        self, user_id: str, contact_id: str, channel: str, event_id: str, text: str, platform_timestamp: datetime,
        account_id: str, platform_conversation_id: str, contact_name: str, prompt_variant: str,
    ) -> tuple[ConversationRow | None, str | None]:
        params = {
            "user_id": user_id, "contact_id": contact_id, "event_id": event_id, "conversation_id": str(uuid.uuid4()),
            "channel": channel, "account_id": account_id, "platform_conversation_id": platform_conversation_id,
            "contact_name": contact_name, "prompt_variant": prompt_variant, "last_message": text[:1000],
            "now": utcnow(), "message_id": str(uuid.uuid4()), "text": text, "platform_timestamp": platform_timestamp,
        }
        async with self._reader.connect() as conn:
            found = (await conn.execute(_RECEIVE_POSTGRES, params)).mappings().first()
        if found is None:
            return None, None
        return _conversation_row(found), found["message_id"]

    async def _receive_in_steps(
        self, user_id: str, contact_id: str, channel: str, event_id: str, text: str, platform_timestamp: datetime,
        account_id: str, platform_conversation_id: str, contact_name: str, prompt_variant: str,
    ) -> tuple[ConversationRow | None, str | None]:
        for _ in range(2):  # a concurrent first message of the same contact may win the race once
            try:
                async with self._engine.begin() as conn:
                    row = await self._current_core(conn, user_id, contact_id)
                    changes: dict[str, Any] = {}
                    if row is not None:
                        before = (row.account_id, row.platform_conversation_id, row.contact_name)
                        _refresh_contact(row, account_id, platform_conversation_id, contact_name)
                        if (row.account_id, row.platform_conversation_id, row.contact_name) != before:
                            changes = {"account_id": row.account_id, "contact_name": row.contact_name,
                                       "platform_conversation_id": row.platform_conversation_id}
                    seen = (await conn.execute(_SELECT_SEEN, {"p_user": user_id, "p_event": event_id})).first()
                    if seen is not None:
                        if row is not None and changes:
                            await conn.execute(update(_CONVERSATIONS).where(
                                _CONVERSATIONS.c.id == row.id).values(**changes))
                        return row, None
                    if row is None:
                        row = _new_conversation(user_id, contact_id, channel, account_id,
                                                platform_conversation_id, contact_name, prompt_variant)
                        await conn.execute(_INSERT_CONVERSATION, _values(row, _CONVERSATION_COLUMNS))
                    message_id = str(uuid.uuid4())
                    await conn.execute(_INSERT_MESSAGE, _values(
                        _inbound_row(message_id, row, event_id, text, platform_timestamp), _MESSAGE_COLUMNS))
                    row.last_message, row.message_count, row.updated_at = text[:1000], row.message_count + 1, utcnow()
                    await conn.execute(update(_CONVERSATIONS).where(_CONVERSATIONS.c.id == row.id).values(
                        last_message=row.last_message, message_count=_CONVERSATIONS.c.message_count + 1,
                        updated_at=row.updated_at, **changes))
                    return row, message_id
            except IntegrityError:
                continue
        raise RuntimeError("could not store the inbound message")

    async def load_turn(self, user_id: str, conversation_id: str = "", contact_id: str = "") -> tuple[
            ConversationRow | None, list[PendingMessage]]:
        """The conversation (by id, or the contact's current one) and its pending messages, oldest first."""
        async with self._reader.connect() as conn:
            if conversation_id:
                result = await conn.execute(_SELECT_TURN_BY_ID, {"p_id": conversation_id, "p_user": user_id})
            else:
                result = await conn.execute(_SELECT_TURN_OF_CONTACT, {"p_user": user_id, "p_contact": contact_id})
            rows = result.mappings().all()
        if not rows:
            return None, []
        return _conversation_row(rows[0]), [
            PendingMessage(r["m_id"], r["m_event_id"] or "", r["m_text"], aware(r["m_platform_timestamp"]) or utcnow(),
                           aware(r["m_created_at"]) or utcnow()) for r in rows if r["m_id"] is not None]

    async def pending(self, conversation_id: str) -> list[PendingMessage]:
        async with self._sessions() as session:
            rows = await session.execute(select(MessageRow).where(
                MessageRow.conversation_id == conversation_id, MessageRow.direction == "in",
                MessageRow.status == "pending",
            ).order_by(MessageRow.platform_timestamp, MessageRow.created_at))
            return [PendingMessage(r.id, r.event_id or "", r.text, aware(r.platform_timestamp) or utcnow(),
                                   aware(r.created_at) or utcnow()) for r in rows.scalars()]

    async def contacts_with_pending(self) -> list[tuple[str, str]]:
        async with self._sessions() as session:
            rows = await session.execute(
                select(ConversationRow.user_id, ConversationRow.contact_id).join(
                    MessageRow, MessageRow.conversation_id == ConversationRow.id
                ).where(MessageRow.status == "pending").distinct())
            return [(u, c) for u, c in rows.all()]

    async def silence_pending(self, conversation_id: str) -> int:
        async with self._sessions.begin() as session:
            result = await session.execute(update(MessageRow).where(
                MessageRow.conversation_id == conversation_id, MessageRow.status == "pending",
            ).values(status="silenced"))
            return int(result.rowcount or 0)  # type: ignore[attr-defined]

    async def finish_turn(self, turn: TurnRecord, deliver: Callable[[], Awaitable[None]]) -> bool:
        """Record an answered turn and deliver its reply, unless a human took the conversation over meanwhile
        (False: nothing recorded, nothing delivered).

        One transaction: the conversation is updated only while it is still with the bot (which also locks
        its row, so a concurrent handoff waits for this turn), then `deliver` publishes the reply and the
        transaction commits. If `deliver` raises, everything rolls back and the messages stay pending; if the
        process dies after publishing and before committing, the retried turn publishes the same reply id,
        which JetStream deduplicates."""
        async with self._engine.begin() as conn:
            record = self._record_postgres if self._postgres else self._record_in_steps
            if not await record(conn, turn):
                return False
            await deliver()
        return True

    @staticmethod
    async def _record_postgres(conn: AsyncConnection, turn: TurnRecord) -> bool:
        answered = (await conn.execute(_FINISH_POSTGRES, {
            "conversation_id": turn.conversation_id, "last_intent": turn.last_intent, "stage": turn.stage,
            "fallback_count": turn.fallback_count, "complaint_count": turn.complaint_count,
            "reply_sequence": turn.reply_sequence, "last_message": turn.last_message, "now": utcnow(),
            "status": "answered" if turn.reply_text else "silenced", "reply_id": turn.reply_id,
            "message_ids": [m for m, _, _ in turn.intents], "intents": [i for _, i, _ in turn.intents],
            "confidences": [c for _, _, c in turn.intents], "reply_message_id": str(uuid.uuid4()),
            "user_id": turn.user_id, "channel": turn.channel, "reply_text": turn.reply_text, "source": turn.source,
            "prompt_variant": turn.prompt_variant, "response_seconds": turn.response_seconds,
        })).scalar_one()
        return bool(answered)

    @staticmethod
    async def _record_in_steps(conn: AsyncConnection, turn: TurnRecord) -> bool:
        now = utcnow()
        answered = await conn.execute(_ANSWER_CONVERSATION, {
            "p_id": turn.conversation_id, "p_last_intent": turn.last_intent, "p_stage": turn.stage,
            "p_fallback_count": turn.fallback_count, "p_complaint_count": turn.complaint_count,
            "p_reply_sequence": turn.reply_sequence, "p_last_message": turn.last_message, "p_now": now})
        if not answered.rowcount:  # type: ignore[attr-defined]
            return False
        if turn.intents:
            status = "answered" if turn.reply_text else "silenced"
            await conn.execute(_MARK_ANSWERED, [
                {"p_id": message_id, "p_intent": intent, "p_confidence": confidence, "p_status": status,
                 "p_reply": turn.reply_id} for message_id, intent, confidence in turn.intents])
        if turn.reply_text:
            await conn.execute(_INSERT_MESSAGE, {
                "id": str(uuid.uuid4()), "conversation_id": turn.conversation_id, "user_id": turn.user_id,
                "channel": turn.channel, "direction": "out", "text": turn.reply_text, "intent": "",
                "confidence": 0.0, "event_id": None, "status": "sent", "reply_id": turn.reply_id,
                "source": turn.source, "prompt_variant": turn.prompt_variant,
                "response_seconds": turn.response_seconds, "platform_timestamp": now, "created_at": now,
            })
        return True

    async def mark_delivery(self, user_id: str, reply_id: str, delivered: bool) -> None:
        async with self._sessions.begin() as session:
            await session.execute(update(MessageRow).where(
                MessageRow.user_id == user_id, MessageRow.reply_id == reply_id, MessageRow.direction == "out",
            ).values(status="delivered" if delivered else "failed"))

    async def history(self, conversation_id: str, limit: int = 12) -> list[tuple[str, str]]:
        async with self._sessions() as session:
            rows = await session.execute(select(MessageRow.direction, MessageRow.text).where(
                MessageRow.conversation_id == conversation_id).order_by(MessageRow.created_at.desc()).limit(limit))
            return list(reversed([(d, t) for d, t in rows.all()]))

    # --- handoffs ------------------------------------------------------------------------------
    async def record_handoff(
        self, conversation: ConversationRow, origin: str, reason: str, summary: str
    ) -> None:
        async with self._sessions.begin() as session:
            session.add(HandoffRow(
                id=str(uuid.uuid4()), conversation_id=conversation.id, user_id=conversation.user_id,
                channel=conversation.channel, origin=origin, reason=reason[:500], summary=summary,
                created_at=utcnow(),
            ))

    async def close_handoffs(self, conversation_id: str) -> None:
        async with self._sessions.begin() as session:
            await session.execute(update(HandoffRow).where(
                HandoffRow.conversation_id == conversation_id, HandoffRow.released_at.is_(None),
            ).values(released_at=utcnow()))

    # --- catalog ---------------------------------------------------------------------------------
    async def products(self, user_id: str, query: str = "") -> list[ProductRow]:
        async with self._sessions() as session:
            statement = select(ProductRow).where(ProductRow.user_id == user_id)
            if query:
                like = f"%{query.lower()}%"
                statement = statement.where(func.lower(ProductRow.name).like(like) |
                                            func.lower(ProductRow.sku).like(like))
            rows = await session.execute(statement.order_by(ProductRow.name))
            return list(rows.scalars())

    async def upsert_product(self, user_id: str, product: Product) -> tuple[ProductRow, bool]:
        """Create, or update by id or by SKU; returns (row, created)."""
        now = utcnow()
        async with self._sessions.begin() as session:
            row = None
            if product.id:
                row = await session.get(ProductRow, product.id)
                if row is not None and row.user_id != user_id:
                    row = None
                if row is None:
                    raise LookupError(product.id)
            if row is None:
                row = (await session.execute(select(ProductRow).where(
                    ProductRow.user_id == user_id, ProductRow.sku == product.sku))).scalar_one_or_none()
            created = row is None
            if row is None:
                row = ProductRow(id=str(uuid.uuid4()), user_id=user_id, created_at=now)
                session.add(row)
            row.sku, row.name, row.description = product.sku, product.name, product.description
            row.price, row.currency, row.stock = product.price, product.currency or "BRL", product.stock
            row.synonyms, row.variants = list(product.synonyms), list(product.variants)
            row.shipping_policy, row.return_policy = product.shipping_policy, product.return_policy
            row.updated_at = now
            return row, created

    async def sku_taken(self, user_id: str, sku: str, except_id: str) -> bool:
        async with self._sessions() as session:
            found = (await session.execute(select(ProductRow.id).where(
                ProductRow.user_id == user_id, ProductRow.sku == sku))).scalar_one_or_none()
            return found is not None and found != except_id

    async def delete_product(self, user_id: str, product_id: str) -> bool:
        async with self._sessions.begin() as session:
            result = await session.execute(delete(ProductRow).where(
                ProductRow.user_id == user_id, ProductRow.id == product_id))
            return bool(result.rowcount)  # type: ignore[attr-defined]

    # --- config ----------------------------------------------------------------------------------
    async def latest_config(self, user_id: str) -> ConfigVersionRow | None:
        async with self._sessions() as session:
            return (await session.execute(select(ConfigVersionRow).where(
                ConfigVersionRow.user_id == user_id).order_by(ConfigVersionRow.version.desc()).limit(1)
            )).scalar_one_or_none()

    async def save_config(
        self, user_id: str, expected_version: int, settings: dict[str, Any], changed: list[str], by: str
    ) -> ConfigVersionRow:
        """Append a version; a concurrent writer with the same expected version loses (IntegrityError)."""
        async with self._sessions.begin() as session:
            row = ConfigVersionRow(user_id=user_id, version=expected_version + 1, settings=settings,
                                   changed_fields=changed, updated_by=by, created_at=utcnow())
            session.add(row)
        return row

    # --- learned FAQ answers -------------------------------------------------------------------------
    async def learned_answers(self, user_id: str, limit: int = 500) -> list[LearnedAnswerRow]:
        async with self._sessions() as session:
            rows = await session.execute(select(LearnedAnswerRow).where(LearnedAnswerRow.user_id == user_id)
                                         .order_by(LearnedAnswerRow.created_at.desc()).limit(limit))
            return list(rows.scalars())

    async def learn_answer(self, user_id: str, question: str, answer: str) -> None:
        async with self._sessions.begin() as session:
            session.add(LearnedAnswerRow(id=str(uuid.uuid4()), user_id=user_id, question=question[:1000],
                                         answer=answer, created_at=utcnow()))

    async def forget_learned_answers(self, user_id: str) -> None:
        async with self._sessions.begin() as session:
            await session.execute(delete(LearnedAnswerRow).where(LearnedAnswerRow.user_id == user_id))

    # --- stats -----------------------------------------------------------------------------------
    async def message_stats(self, user_id: str, since: datetime) -> list[tuple[str, str, int, float | None]]:
        async with self._sessions() as session:
            rows = await session.execute(select(
                MessageRow.channel, MessageRow.direction, func.count(), func.avg(MessageRow.response_seconds),
            ).where(MessageRow.user_id == user_id, MessageRow.created_at >= since)
             .group_by(MessageRow.channel, MessageRow.direction))
            return [(c, d, int(n), float(a) if a is not None else None) for c, d, n, a in rows.all()]

    async def active_by_channel(self, user_id: str, since: datetime) -> dict[str, int]:
        async with self._sessions() as session:
            rows = await session.execute(select(ConversationRow.channel, func.count()).where(
                ConversationRow.user_id == user_id, ConversationRow.archived.is_(False),
                ConversationRow.updated_at >= since).group_by(ConversationRow.channel))
            return {c: int(n) for c, n in rows.all()}

    async def handoffs_by_channel(self, user_id: str, since: datetime) -> dict[str, int]:
        async with self._sessions() as session:
            rows = await session.execute(select(HandoffRow.channel, func.count()).where(
                HandoffRow.user_id == user_id, HandoffRow.created_at >= since).group_by(HandoffRow.channel))
            return {c: int(n) for c, n in rows.all()}

    async def intent_counts(self, user_id: str, since: datetime, channel: str = "") -> dict[str, int]:
        async with self._sessions() as session:
            query = select(MessageRow.intent, func.count()).where(
                MessageRow.user_id == user_id, MessageRow.direction == "in", MessageRow.intent != "",
                MessageRow.created_at >= since)
            if channel:
                query = query.where(MessageRow.channel == channel)
            rows = await session.execute(query.group_by(MessageRow.intent))
            return {i: int(n) for i, n in rows.all()}

    async def funnel_rows(
        self, user_id: str, since: datetime, channel: str = "", variant: str = ""
    ) -> list[tuple[str, str, str, bool, int]]:
        """(channel, prompt variant, stage, converted, count) of the conversations started since."""
        async with self._sessions() as session:
            query = select(ConversationRow.channel, ConversationRow.prompt_variant, ConversationRow.stage,
                           ConversationRow.converted, func.count()).where(and_(
                               ConversationRow.user_id == user_id, ConversationRow.created_at >= since))
            if channel:
                query = query.where(ConversationRow.channel == channel)
            if variant:
                query = query.where(ConversationRow.prompt_variant == variant)
            rows = await session.execute(query.group_by(
                ConversationRow.channel, ConversationRow.prompt_variant, ConversationRow.stage,
                ConversationRow.converted))
            return [(c, v, s, bool(conv), int(n)) for c, v, s, conv, n in rows.all()]
