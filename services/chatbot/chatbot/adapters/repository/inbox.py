"""The inbox: customer messages stored once per event id (redeliveries recognised), pending until answered."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sellerbot_database.direct import DirectStatement, direct_connection, direct_transaction
from sqlalchemy import and_, bindparam, insert, select, text, update
from sqlalchemy.exc import IntegrityError

from chatbot.adapters.repository.base import (
    CONVERSATION_COLUMNS,
    CONVERSATIONS,
    INSERT_MESSAGE,
    MESSAGE_COLUMNS,
    MESSAGES,
    Store,
    aware,
    conversation_row,
    utcnow,
    values,
)
from chatbot.adapters.repository.conversations import current_row, new_conversation_values, refresh_contact
from chatbot.adapters.tables import ConversationRow, MessageRow


@dataclass(frozen=True)
class PendingMessage:
    id: str
    event_id: str
    text: str
    platform_timestamp: datetime
    created_at: datetime


def inbound_values(
    message_id: str, conversation: ConversationRow, event_id: str, text: str, platform_timestamp: datetime,
    status: str = "pending",
) -> dict[str, Any]:
    return dict(
        id=message_id, conversation_id=conversation.id, user_id=conversation.user_id,
        channel=conversation.channel, direction="in", text=text, intent="", confidence=0.0, event_id=event_id,
        status=status, reply_id="", source="", prompt_variant="", platform_timestamp=platform_timestamp,
        created_at=utcnow(),
    )


SELECT_SEEN = DirectStatement(select(MESSAGES.c.id).where(MESSAGES.c.user_id == bindparam("p_user"),
                                                          MESSAGES.c.event_id == bindparam("p_event")))
INSERT_CONVERSATION = DirectStatement(insert(CONVERSATIONS))
# The SET columns are the parameters' keys besides p_id (a contact's refreshed fields, the counts).
UPDATE_CONVERSATION = DirectStatement(update(CONVERSATIONS).where(CONVERSATIONS.c.id == bindparam("p_id")))
COUNT_RECEIVED = DirectStatement(update(CONVERSATIONS).where(CONVERSATIONS.c.id == bindparam("p_id")).values(
    message_count=CONVERSATIONS.c.message_count + 1))

# PostgreSQL stores an inbound message with one statement (data-modifying CTEs, atomic on its own, no
# BEGIN/COMMIT): find the contact's open conversation or open one, insert the message unless its event id
# is known (the inbox: a redelivery is recognised here), and count it on the conversation. It returns the
# conversation row and the new message id (NULL for a redelivery); no row when a redelivered event's
# conversation has since been archived. SQLite (`make run`) has no data-modifying CTEs: it runs the same
# steps as separate statements in one transaction (`_receive_in_steps`).
RECEIVE_POSTGRES = DirectStatement(text("""
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
"""))


class InboxStore(Store):
    async def record_inbound(
        self, conversation: ConversationRow, event_id: str, text: str, platform_timestamp: datetime,
        status: str = "pending",
    ) -> str | None:
        """Store a customer message once; None when this event id was already recorded (redelivery)."""
        message_id = str(uuid.uuid4())
        try:
            async with self._sessions.begin() as session:
                session.add(MessageRow(**inbound_values(message_id, conversation, event_id, text, platform_timestamp,
                                                          status)))
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
        async with direct_connection(self._engine) as db:
            found = await db.first(RECEIVE_POSTGRES, params)
        if found is None:
            return None, None
        return conversation_row(found), found["message_id"]

    async def _receive_in_steps(
        self, user_id: str, contact_id: str, channel: str, event_id: str, text: str, platform_timestamp: datetime,
        account_id: str, platform_conversation_id: str, contact_name: str, prompt_variant: str,
    ) -> tuple[ConversationRow | None, str | None]:
        for _ in range(2):  # a concurrent first message of the same contact may win the race once
            try:
                async with direct_transaction(self._engine) as db:
                    row = await current_row(db, user_id, contact_id)
                    changes: dict[str, Any] = {}
                    if row is not None:
                        before = (row.account_id, row.platform_conversation_id, row.contact_name)
                        refresh_contact(row, account_id, platform_conversation_id, contact_name)
                        if (row.account_id, row.platform_conversation_id, row.contact_name) != before:
                            changes = {"account_id": row.account_id, "contact_name": row.contact_name,
                                       "platform_conversation_id": row.platform_conversation_id}
                    seen = await db.first(SELECT_SEEN, {"p_user": user_id, "p_event": event_id})
                    if seen is not None:
                        if row is not None and changes:
                            await db.execute(UPDATE_CONVERSATION, {"p_id": row.id, **changes})
                        return row, None
                    message_id = str(uuid.uuid4())
                    if row is None:  # a new conversation is inserted with its first message already counted
                        fields = new_conversation_values(user_id, contact_id, channel, account_id,
                                                         platform_conversation_id, contact_name, prompt_variant)
                        fields.update(last_message=text[:1000], message_count=1, updated_at=utcnow())
                        row = conversation_row({key: fields.get(key) for key in CONVERSATION_COLUMNS})
                        await db.execute(INSERT_CONVERSATION, values(row, CONVERSATION_COLUMNS))
                        message = inbound_values(message_id, row, event_id, text, platform_timestamp)
                        await db.execute(INSERT_MESSAGE, {key: message.get(key) for key in MESSAGE_COLUMNS})
                        return row, message_id
                    message = inbound_values(message_id, row, event_id, text, platform_timestamp)
                    await db.execute(INSERT_MESSAGE, {key: message.get(key) for key in MESSAGE_COLUMNS})
                    row.last_message, row.message_count, row.updated_at = text[:1000], row.message_count + 1, utcnow()
                    await db.execute(COUNT_RECEIVED, {"p_id": row.id, "last_message": row.last_message,
                                                      "updated_at": row.updated_at, **changes})
                    return row, message_id
            except IntegrityError:
                continue
        raise RuntimeError("could not store the inbound message")

    async def pending(self, conversation_id: str) -> list[PendingMessage]:
        async with self._sessions() as session:
            rows = await session.execute(select(MessageRow).where(
                MessageRow.conversation_id == conversation_id, MessageRow.direction == "in",
                MessageRow.status == "pending",
            ).order_by(MessageRow.platform_timestamp, MessageRow.created_at))
            return [PendingMessage(r.id, r.event_id or "", r.text, aware(r.platform_timestamp) or utcnow(),
                                   aware(r.created_at) or utcnow()) for r in rows.scalars()]

    async def contacts_with_pending(self, older_than_seconds: float | None = None) -> list[tuple[str, str]]:
        """The contacts with customer messages waiting for an answer (stored `older_than_seconds` ago or more)."""
        waiting = MessageRow.status == "pending"
        if older_than_seconds is not None:
            waiting = and_(waiting, MessageRow.created_at <= utcnow() - timedelta(seconds=older_than_seconds))
        async with self._sessions() as session:
            rows = await session.execute(
                select(ConversationRow.user_id, ConversationRow.contact_id).join(
                    MessageRow, MessageRow.conversation_id == ConversationRow.id
                ).where(waiting).distinct())
            return [(u, c) for u, c in rows.all()]

    async def silence_pending(self, conversation_id: str) -> int:
        async with self._sessions.begin() as session:
            result = await session.execute(update(MessageRow).where(
                MessageRow.conversation_id == conversation_id, MessageRow.status == "pending",
            ).values(status="silenced"))
            return int(result.rowcount or 0)  # type: ignore[attr-defined]

