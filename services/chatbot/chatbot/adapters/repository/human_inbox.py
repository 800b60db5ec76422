"""The human inbox's data: a conversation's thread (with who wrote each message), agents' replies, assignment and
read state, internal notes and quick replies. Pages are keyed by (time, id) cursors, newest first."""

from __future__ import annotations

import base64
import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, and_, delete, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from chatbot.adapters.repository.base import Store, aware, utcnow
from chatbot.adapters.tables import (
    AgentMessageRow,
    ConversationRow,
    InboxStateRow,
    MessageRow,
    NoteRow,
    ProductRow,
    QuickReplyRow,
)


class BadCursor(ValueError):
    """A cursor that no page of this API handed out."""


class ShortcutTaken(ValueError):
    """Another quick reply of the shop already has this shortcut."""


def encode_cursor(at: datetime, row_id: str) -> str:
    return base64.urlsafe_b64encode(f"{aware(at).isoformat()}|{row_id}".encode()).decode()  # type: ignore[union-attr]


def decode_cursor(cursor: str) -> tuple[datetime, str]:
    try:
        at, row_id = base64.urlsafe_b64decode(cursor.encode()).decode().split("|", 1)
        return datetime.fromisoformat(at), row_id
    except (ValueError, UnicodeDecodeError) as exc:
        raise BadCursor("cursor: not one this API returned") from exc


@dataclass(frozen=True)
class InboxEntry:
    conversation: ConversationRow
    state: InboxStateRow | None
    unread: int


@dataclass(frozen=True)
class ThreadMessage:
    row: MessageRow
    author_id: str
    author_name: str
    intent: str
    confidence: float


@dataclass(frozen=True)
class PostedReply:
    message: MessageRow
    conversation: ConversationRow
    sequence: int
    assigned: InboxStateRow | None  # set when posting assigned the conversation to its author


def _older_than(time_column: InstrumentedAttribute[datetime], id_column: InstrumentedAttribute[str],
                cursor: str) -> ColumnElement[bool]:
    at, row_id = decode_cursor(cursor)
    return or_(time_column < at, and_(time_column == at, id_column < row_id))


class HumanInboxStore(Store):
    # ------------------------------------------------------------------ conversations
    async def inbox(
        self, user_id: str, *, channel: str = "", waiting_only: bool = False, assignee_id: str = "",
        limit: int = 50, cursor: str = "",
    ) -> tuple[list[InboxEntry], str]:
        unread = (select(func.count(MessageRow.id)).where(
            MessageRow.conversation_id == ConversationRow.id, MessageRow.direction == "in",
            or_(InboxStateRow.read_at.is_(None), MessageRow.created_at > InboxStateRow.read_at),
        ).correlate(ConversationRow, InboxStateRow).scalar_subquery())
        query = (select(ConversationRow, InboxStateRow, unread)
                 .outerjoin(InboxStateRow, InboxStateRow.conversation_id == ConversationRow.id)
                 .where(ConversationRow.user_id == user_id, ConversationRow.archived.is_(False)))
        if channel:
            query = query.where(ConversationRow.channel == channel)
        if waiting_only:
            query = query.where(ConversationRow.handoff_state != "bot")
        if assignee_id:
            query = query.where(InboxStateRow.assignee_id == assignee_id)
        if cursor:
            query = query.where(_older_than(ConversationRow.updated_at, ConversationRow.id, cursor))
        query = query.order_by(ConversationRow.updated_at.desc(), ConversationRow.id.desc()).limit(limit + 1)
        async with self._sessions() as session:
            rows = (await session.execute(query)).all()
        entries = [InboxEntry(c, s, int(n or 0)) for c, s, n in rows[:limit]]
        more = len(rows) > limit
        last = entries[-1].conversation if entries and more else None
        return entries, encode_cursor(last.updated_at, last.id) if last else ""

    async def inbox_entry(self, user_id: str, conversation_id: str) -> InboxEntry | None:
        async with self._sessions() as session:
            conversation = await session.get(ConversationRow, conversation_id)
            if conversation is None or conversation.user_id != user_id:
                return None
            state = await session.get(InboxStateRow, conversation_id)
            read_at = state.read_at if state else None
            unread_query = select(func.count(MessageRow.id)).where(
                MessageRow.conversation_id == conversation_id, MessageRow.direction == "in")
            if read_at is not None:
                unread_query = unread_query.where(MessageRow.created_at > read_at)
            unread = int((await session.execute(unread_query)).scalar_one())
            return InboxEntry(conversation, state, unread)

    @staticmethod
    async def _state(session: AsyncSession, conversation: ConversationRow) -> InboxStateRow:
        state = await session.get(InboxStateRow, conversation.id)
        if state is None:
            state = InboxStateRow(conversation_id=conversation.id, user_id=conversation.user_id, assignee_id="",
                                  assignee_name="", assigned_by="", assigned_at=None, read_at=None)
            session.add(state)
        return state

    async def assign(
        self, conversation: ConversationRow, assignee_id: str, assignee_name: str, actor_id: str
    ) -> InboxStateRow:
        async with self._sessions.begin() as session:
            state = await self._state(session, conversation)
            state.assignee_id, state.assignee_name = assignee_id, assignee_name[:200]
            state.assigned_by, state.assigned_at = actor_id, utcnow()
            return state

    async def mark_read(self, conversation: ConversationRow) -> None:
        async with self._sessions.begin() as session:
            (await self._state(session, conversation)).read_at = utcnow()

    # ------------------------------------------------------------------ the thread
    async def thread(
        self, conversation_id: str, *, limit: int = 50, cursor: str = ""
    ) -> tuple[list[ThreadMessage], str]:
        query = (select(MessageRow, AgentMessageRow.author_id, AgentMessageRow.author_name)
                 .outerjoin(AgentMessageRow, AgentMessageRow.message_id == MessageRow.id)
                 .where(MessageRow.conversation_id == conversation_id))
        if cursor:
            query = query.where(_older_than(MessageRow.created_at, MessageRow.id, cursor))
        query = query.order_by(MessageRow.created_at.desc(), MessageRow.id.desc()).limit(limit + 1)
        async with self._sessions() as session:
            rows = (await session.execute(query)).all()
            page = rows[:limit]
            # The bot's reply carries no intent: the buyer messages it answered do (their reply_id is its).
            answered = [m.reply_id for m, author, _ in page if m.direction == "out" and m.reply_id and not author]
            turns: dict[str, tuple[str, float]] = {}
            if answered:
                found = await session.execute(select(MessageRow.reply_id, MessageRow.intent, MessageRow.confidence)
                                              .where(MessageRow.conversation_id == conversation_id,
                                                     MessageRow.direction == "in",
                                                     MessageRow.reply_id.in_(answered)))
                for reply_id, intent, confidence in found.all():
                    if reply_id not in turns or confidence > turns[reply_id][1]:
                        turns[reply_id] = (intent, confidence)
        messages = []
        for row, author_id, author_name in page:
            intent, confidence = (row.intent, row.confidence) if row.direction == "in" else turns.get(
                row.reply_id, ("", 0.0))
            messages.append(ThreadMessage(row, author_id or "", author_name or "", intent, confidence))
        more = len(rows) > limit
        last = page[-1][0] if page and more else None
        return messages, encode_cursor(last.created_at, last.id) if last else ""

    async def post_reply(
        self, conversation_id: str, text: str, author_id: str, author_name: str
    ) -> PostedReply:
        """Store an agent's reply as the conversation's next outgoing message; the first reply of an unassigned
        conversation assigns it to its author."""
        now = utcnow()
        async with self._sessions.begin() as session:
            conversation = await session.get(ConversationRow, conversation_id, with_for_update=True)
            assert conversation is not None
            conversation.reply_sequence += 1
            conversation.last_message = text[:500]
            conversation.updated_at = now
            conversation.human_activity_at = now  # the idle sweep gives the bot back only after a quiet agent
            message = MessageRow(
                id=str(uuid.uuid4()), conversation_id=conversation.id, user_id=conversation.user_id,
                channel=conversation.channel, direction="out", text=text, intent="", confidence=0.0, event_id=None,
                status="sent", reply_id=f"human:{uuid.uuid4()}", source="human", prompt_variant="",
                response_seconds=None, platform_timestamp=now, created_at=now)
            session.add(message)
            await session.flush()
            session.add(AgentMessageRow(message_id=message.id, user_id=conversation.user_id, author_id=author_id,
                                        author_name=author_name[:200]))
            state = await self._state(session, conversation)
            assigned = None
            if not state.assignee_id:
                state.assignee_id, state.assignee_name = author_id, author_name[:200]
                state.assigned_by, state.assigned_at = author_id, now
                assigned = state
            return PostedReply(message, conversation, conversation.reply_sequence, assigned)

    async def mark_failed(self, message_id: str) -> None:
        async with self._sessions.begin() as session:
            message = await session.get(MessageRow, message_id)
            if message is not None:
                message.status = "failed"

    # ------------------------------------------------------------------ notes
    async def notes(self, conversation_id: str) -> list[NoteRow]:
        async with self._sessions() as session:
            rows = await session.execute(select(NoteRow).where(NoteRow.conversation_id == conversation_id)
                                         .order_by(NoteRow.created_at, NoteRow.id))
            return list(rows.scalars())

    async def add_note(self, conversation: ConversationRow, text: str, author_id: str, author_name: str) -> NoteRow:
        async with self._sessions.begin() as session:
            note = NoteRow(id=str(uuid.uuid4()), conversation_id=conversation.id, user_id=conversation.user_id,
                           author_id=author_id, author_name=author_name[:200], text=text, created_at=utcnow())
            session.add(note)
            return note

    # ------------------------------------------------------------------ quick replies
    async def product(self, user_id: str, product_id: str) -> ProductRow | None:
        async with self._sessions() as session:
            row = await session.get(ProductRow, product_id)
            return row if row is not None and row.user_id == user_id else None

    async def quick_replies(self, user_id: str) -> list[QuickReplyRow]:
        async with self._sessions() as session:
            rows = await session.execute(select(QuickReplyRow).where(QuickReplyRow.user_id == user_id)
                                         .order_by(QuickReplyRow.shortcut))
            return list(rows.scalars())

    async def quick_reply(self, user_id: str, reply_id: str) -> QuickReplyRow | None:
        async with self._sessions() as session:
            row = await session.get(QuickReplyRow, reply_id)
            return row if row is not None and row.user_id == user_id else None

    async def save_quick_reply(self, user_id: str, reply_id: str, shortcut: str, text: str) -> QuickReplyRow | None:
        """Create (empty id) or update; None when the id is not one of the shop's."""
        try:
            async with self._sessions.begin() as session:
                row = await session.get(QuickReplyRow, reply_id) if reply_id else None
                if reply_id and (row is None or row.user_id != user_id):
                    return None
                if row is None:
                    row = QuickReplyRow(id=str(uuid.uuid4()), user_id=user_id)
                    session.add(row)
                row.shortcut, row.text, row.updated_at = shortcut, text, utcnow()
                return row
        except IntegrityError as exc:
            raise ShortcutTaken(shortcut) from exc

    async def delete_quick_reply(self, user_id: str, reply_id: str) -> bool:
        async with self._sessions.begin() as session:
            result = await session.execute(delete(QuickReplyRow).where(
                QuickReplyRow.id == reply_id, QuickReplyRow.user_id == user_id))
            return bool(result.rowcount)  # type: ignore[attr-defined]
