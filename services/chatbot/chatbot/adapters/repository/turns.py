"""A turn: the conversation with its pending messages loaded, then the answer recorded in one transaction, the
reply to publish held with it (the outbox, `held_replies`)."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from typing import Any

from sellerbot_database.direct import DirectConnection, DirectStatement, direct_connection, direct_transaction
from sqlalchemy import and_, bindparam, select, text, update
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from chatbot.adapters.repository.base import (
    CONVERSATIONS,
    INSERT_MESSAGE,
    MESSAGES,
    Store,
    aware,
    conversation_row,
    utcnow,
)
from chatbot.adapters.repository.conversations import SELECT_CURRENT
from chatbot.adapters.repository.crm import (
    CONTACTS,
    IDENTITIES,
    TURN_CONTACT_KEYS,
    UPDATE_CONTACT_AS_READ,
    ContactCount,
    turn_contact_columns,
)
from chatbot.adapters.repository.held_replies import HELD_REPLIES
from chatbot.adapters.repository.inbox import PendingMessage
from chatbot.adapters.tables import ConversationRow


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
    contact_id: str = ""
    held_reply: bytes = b""  # the OutboundReply to publish once committed (empty: the turn publishes nothing)
    contact_count: ContactCount | None = None  # the CRM contact's share, written with the turn if still as read


@dataclass(frozen=True)
class TurnRecorded:
    """What `finish_turn` wrote: false when a human took the conversation over meanwhile (nothing written)."""

    with_bot: bool
    contact_counted: bool = False  # the turn's `contact_count` was written with it

    def __bool__(self) -> bool:
        return self.with_bot


@dataclass(frozen=True)
class LoadedTurn:
    """A conversation with its pending messages, oldest first, its CRM contact's opt-out, and its contact as
    read (`TURN_CONTACT_KEYS`; None: no contact yet): what a turn starts from."""

    conversation: ConversationRow | None
    pending: list[PendingMessage]
    opted_out: bool
    contact: dict[str, Any] | None = None


PENDING_COLUMNS = (MESSAGES.c.id.label("m_id"), MESSAGES.c.event_id.label("m_event_id"),
                    MESSAGES.c.text.label("m_text"), MESSAGES.c.platform_timestamp.label("m_platform_timestamp"),
                    MESSAGES.c.created_at.label("m_created_at"))


CONTACT_PREFIX = "k_"  # the contact's columns beside the conversation's in the turn's load


def select_turn(conversation_id: Any) -> Any:
    """A conversation and its pending customer messages (oldest first) in one statement, with the CRM contact
    behind its address (an identity is unique per seller and address; NULL columns: no contact yet): one row
    per pending message, or one row with NULL message columns when nothing is pending."""
    pending = and_(MESSAGES.c.conversation_id == CONVERSATIONS.c.id, MESSAGES.c.direction == "in",
                   MESSAGES.c.status == "pending")
    identity = and_(IDENTITIES.c.user_id == CONVERSATIONS.c.user_id,
                    IDENTITIES.c.contact_id == CONVERSATIONS.c.contact_id)
    return (select(CONVERSATIONS, *turn_contact_columns(CONTACT_PREFIX), *PENDING_COLUMNS)
            .select_from(CONVERSATIONS.outerjoin(IDENTITIES, identity)
                         .outerjoin(CONTACTS, CONTACTS.c.id == IDENTITIES.c.contact_ref)
                         .outerjoin(MESSAGES, pending))
            .where(CONVERSATIONS.c.id == conversation_id, CONVERSATIONS.c.user_id == bindparam("p_user"))
            .order_by(MESSAGES.c.platform_timestamp, MESSAGES.c.created_at))


SELECT_TURN_BY_ID = DirectStatement(select_turn(bindparam("p_id")))
SELECT_TURN_OF_CONTACT = DirectStatement(select_turn(
    SELECT_CURRENT.with_only_columns(CONVERSATIONS.c.id).scalar_subquery()))
ANSWER_CONVERSATION = DirectStatement(update(CONVERSATIONS).where(
    CONVERSATIONS.c.id == bindparam("p_id"), CONVERSATIONS.c.handoff_state == "bot",
).values(last_intent=bindparam("p_last_intent"), stage=bindparam("p_stage"),
         fallback_count=bindparam("p_fallback_count"), complaint_count=bindparam("p_complaint_count"),
         reply_sequence=bindparam("p_reply_sequence"), last_message=bindparam("p_last_message"),
         updated_at=bindparam("p_now")))
# Only messages still pending: one answered meanwhile by another turn is not answered twice.
MARK_ANSWERED = DirectStatement(update(MESSAGES).where(
    MESSAGES.c.id == bindparam("p_id"), MESSAGES.c.status == "pending").values(
    intent=bindparam("p_intent"), confidence=bindparam("p_confidence"), status=bindparam("p_status"),
    reply_id=bindparam("p_reply")))
HOLD_REPLY = DirectStatement(sqlite_insert(HELD_REPLIES).on_conflict_do_nothing())

# PostgreSQL records an answered turn with one autocommit statement, all or nothing: it locks the conversation
# while it is still with the bot (a concurrent handoff, which locks the same row first too, waits for it),
# then the turn's messages that are still pending (one answered meanwhile by another turn is re-read after
# that turn commits, and left out); only if every message of the turn is among them are the conversation's
# turn fields updated, the messages marked answered with their intents, the reply added to the history and
# held for publishing. It returns whether the conversation was with the bot (0: a human took over) and how
# many of the turn's messages were still pending (fewer: another turn answered some first, and nothing was
# written). SQLite runs the same steps as separate statements in a transaction (`_record_in_steps`).
FINISH_POSTGRES = DirectStatement(text("""
WITH with_bot AS (
    SELECT id FROM chatbot_conversations WHERE id = :conversation_id AND handoff_state = 'bot' FOR UPDATE
), still_pending AS (
    SELECT m.id FROM chatbot_messages AS m, with_bot
    WHERE m.id = ANY(CAST(:message_ids AS VARCHAR[])) AND m.status = 'pending' AND m.conversation_id = with_bot.id
    FOR UPDATE OF m
), answered AS (
    UPDATE chatbot_conversations AS c SET
        last_intent = :last_intent, stage = :stage, fallback_count = :fallback_count,
        complaint_count = :complaint_count, reply_sequence = :reply_sequence, last_message = :last_message,
        updated_at = CAST(:now AS TIMESTAMP WITH TIME ZONE)
    FROM with_bot
    WHERE c.id = with_bot.id
      AND (SELECT count(*) FROM still_pending) = cardinality(CAST(:message_ids AS VARCHAR[]))
    RETURNING c.id
), marked AS (
    UPDATE chatbot_messages AS m SET intent = v.intent, confidence = v.confidence, status = :status,
        reply_id = :reply_id
    FROM answered, unnest(CAST(:message_ids AS VARCHAR[]), CAST(:intents AS VARCHAR[]),
                          CAST(:confidences AS DOUBLE PRECISION[])) AS v(id, intent, confidence)
    WHERE m.id = v.id
    RETURNING m.id
), replied AS (
    INSERT INTO chatbot_messages (
        id, conversation_id, user_id, channel, direction, text, intent, confidence, event_id, status,
        reply_id, source, prompt_variant, response_seconds, platform_timestamp, created_at)
    SELECT :reply_message_id, answered.id, :user_id, :channel, 'out', :reply_text, '', 0, NULL, 'sent',
        :reply_id, :source, :prompt_variant, CAST(:response_seconds AS DOUBLE PRECISION),
        CAST(:now AS TIMESTAMP WITH TIME ZONE), CAST(:now AS TIMESTAMP WITH TIME ZONE)
    FROM answered WHERE :reply_text <> ''
), held AS (
    INSERT INTO chatbot_held_replies (reply_id, user_id, contact_id, channel, event, created_at)
    SELECT :reply_id, :user_id, :contact_id, :channel, CAST(:held_reply AS BYTEA),
        CAST(:now AS TIMESTAMP WITH TIME ZONE)
    FROM answered WHERE octet_length(CAST(:held_reply AS BYTEA)) > 0
    ON CONFLICT (reply_id) DO NOTHING
), counted AS (
    UPDATE chatbot_contacts AS k SET
        last_seen = CAST(:now AS TIMESTAMP WITH TIME ZONE), message_count = :k_message_count,
        last_intents = CAST(:k_last_intents AS JSON), stage = :k_stage, score = :k_score,
        score_signals = CAST(:k_score_signals AS JSON), updated_at = CAST(:now AS TIMESTAMP WITH TIME ZONE),
        opted_out = k.opted_out OR :k_opt_out,
        opted_out_at = CASE WHEN :k_opt_out THEN CAST(:now AS TIMESTAMP WITH TIME ZONE) ELSE k.opted_out_at END,
        opt_out_notified = k.opt_out_notified OR :k_opt_out
    FROM answered
    WHERE k.id = :k_id AND k.message_count = :k_read_count AND k.stage = :k_read_stage
    RETURNING k.id
)
SELECT (SELECT count(*) FROM with_bot) AS with_bot, (SELECT count(*) FROM still_pending) AS pending,
    (SELECT count(*) FROM counted) AS counted
"""))
NO_CONTACT_COUNT = {"k_id": "", "k_read_count": 0, "k_read_stage": "", "k_message_count": 0, "k_last_intents": "[]",
                    "k_stage": "", "k_score": 0, "k_score_signals": "[]", "k_opt_out": False}


class TurnAnsweredElsewhere(Exception):
    """Another turn (another replica's, or a synchronous API turn) answered some of this turn's messages
    first: this one is rolled back and delivers nothing."""


class TurnStore(Store):
    async def load_turn(self, user_id: str, conversation_id: str = "", contact_id: str = "") -> LoadedTurn:
        """The conversation (by id, or the contact's current one), its pending messages, oldest first, and its
        CRM contact (read in the same statement: the turn checks the opt-out every time, and counts itself on
        the contact as read here)."""
        async with direct_connection(self._engine) as db:
            if conversation_id:
                rows = await db.rows(SELECT_TURN_BY_ID, {"p_id": conversation_id, "p_user": user_id})
            else:
                rows = await db.rows(SELECT_TURN_OF_CONTACT, {"p_user": user_id, "p_contact": contact_id})
        if not rows:
            return LoadedTurn(None, [], False)
        pending = [
            PendingMessage(r["m_id"], r["m_event_id"] or "", r["m_text"], aware(r["m_platform_timestamp"]) or utcnow(),
                           aware(r["m_created_at"]) or utcnow()) for r in rows if r["m_id"] is not None]
        first = rows[0]
        contact = ({key: first[CONTACT_PREFIX + key] for key in TURN_CONTACT_KEYS}
                   if first[CONTACT_PREFIX + "id"] is not None else None)
        return LoadedTurn(conversation_row(first), pending, bool(contact and contact["opted_out"]), contact)

    async def finish_turn(self, turn: TurnRecord) -> TurnRecorded:
        """Record an answered turn, its reply held for publishing, unless a human took the conversation over
        meanwhile (False: nothing recorded). The turn's `contact_count` is written with it when the contact is
        still as the turn read it (`contact_counted`); otherwise the CRM counts the turn itself afterwards.

        All or nothing (PostgreSQL: one autocommit statement; SQLite: one transaction): the conversation is
        updated only while it is still with the bot (which also locks its row, so a concurrent handoff waits
        for this turn), the messages are marked answered and the reply is added to the history and to the
        held replies. The caller publishes the reply after the commit and
        releases it once JetStream acked it; a process that dies in between leaves it held, and whoever owns
        the contact next publishes it again (`ConversationBroadcast.publish_held`) with the same reply id,
        which JetStream drops if it had it. Publishing inside the transaction instead would leave a reply on
        the bus for a turn that a crash rolled back, and the retried turn, which may answer more messages by
        then, has another reply id: the customer would read a second answer.

        Two turns over the same messages (a synchronous API turn beside a debounced one, or two replicas while
        a partition changes hands) are serialised by that row lock; the second finds the messages no longer
        pending, writes nothing and raises TurnAnsweredElsewhere."""
        if self._postgres:
            async with direct_connection(self._engine) as db:  # one statement: no BEGIN / COMMIT round trips
                return await self._record_postgres(db, turn)
        async with direct_transaction(self._engine) as db:
            return await self._record_in_steps(db, turn)

    @staticmethod
    async def _record_postgres(db: DirectConnection, turn: TurnRecord) -> TurnRecorded:
        count = turn.contact_count
        contact = NO_CONTACT_COUNT if count is None else {
            "k_id": count.observed.contact.id, "k_read_count": count.read_count, "k_read_stage": count.read_stage,
            "k_message_count": count.changes["message_count"],
            "k_last_intents": json.dumps(count.changes["last_intents"]), "k_stage": count.changes["stage"],
            "k_score": count.changes["score"], "k_score_signals": json.dumps(count.changes["score_signals"]),
            "k_opt_out": count.opt_out}
        counts = await db.first(FINISH_POSTGRES, {**contact,
            "conversation_id": turn.conversation_id, "last_intent": turn.last_intent, "stage": turn.stage,
            "fallback_count": turn.fallback_count, "complaint_count": turn.complaint_count,
            "reply_sequence": turn.reply_sequence, "last_message": turn.last_message, "now": utcnow(),
            "status": "answered" if turn.reply_text else "silenced", "reply_id": turn.reply_id,
            "message_ids": [m for m, _, _ in turn.intents], "intents": [i for _, i, _ in turn.intents],
            "confidences": [c for _, _, c in turn.intents], "reply_message_id": str(uuid.uuid4()),
            "user_id": turn.user_id, "channel": turn.channel, "reply_text": turn.reply_text, "source": turn.source,
            "prompt_variant": turn.prompt_variant, "response_seconds": turn.response_seconds,
            "contact_id": turn.contact_id, "held_reply": turn.held_reply,
        })
        assert counts is not None  # the statement always returns its one row of counts
        if not counts["with_bot"]:
            return TurnRecorded(False)
        if counts["pending"] < len(turn.intents):
            raise TurnAnsweredElsewhere(turn.conversation_id)
        return TurnRecorded(True, bool(counts["counted"]))

    @staticmethod
    async def _record_in_steps(db: DirectConnection, turn: TurnRecord) -> TurnRecorded:
        now = utcnow()
        answered = await db.execute(ANSWER_CONVERSATION, {
            "p_id": turn.conversation_id, "p_last_intent": turn.last_intent, "p_stage": turn.stage,
            "p_fallback_count": turn.fallback_count, "p_complaint_count": turn.complaint_count,
            "p_reply_sequence": turn.reply_sequence, "p_last_message": turn.last_message, "p_now": now})
        if not answered:
            return TurnRecorded(False)
        if turn.intents:
            status = "answered" if turn.reply_text else "silenced"
            marked = await db.execute_many(MARK_ANSWERED, [
                {"p_id": message_id, "p_intent": intent, "p_confidence": confidence, "p_status": status,
                 "p_reply": turn.reply_id} for message_id, intent, confidence in turn.intents])
            if marked < len(turn.intents):
                raise TurnAnsweredElsewhere(turn.conversation_id)
        if turn.reply_text:
            await db.execute(INSERT_MESSAGE, {
                "id": str(uuid.uuid4()), "conversation_id": turn.conversation_id, "user_id": turn.user_id,
                "channel": turn.channel, "direction": "out", "text": turn.reply_text, "intent": "",
                "confidence": 0.0, "event_id": None, "status": "sent", "reply_id": turn.reply_id,
                "source": turn.source, "prompt_variant": turn.prompt_variant,
                "response_seconds": turn.response_seconds, "platform_timestamp": now, "created_at": now,
            })
        if turn.held_reply:
            await db.execute(HOLD_REPLY, {
                "reply_id": turn.reply_id, "user_id": turn.user_id, "contact_id": turn.contact_id,
                "channel": turn.channel, "event": turn.held_reply, "created_at": now})
        count = turn.contact_count
        counted = count is not None and bool(await db.execute(UPDATE_CONTACT_AS_READ, count.as_read_params()))
        return TurnRecorded(True, counted)

