"""The message history: what was said, and whether each reply reached the customer."""

from __future__ import annotations

import uuid

from sellerbot_database.direct import DirectStatement, direct_transaction
from sqlalchemy import bindparam, or_, select, update
from sqlalchemy.exc import IntegrityError

from chatbot.adapters.repository.base import MESSAGES, Store, utcnow
from chatbot.adapters.tables import ConversationRow, MessageRow

# A reply's status only moves forward: sent -> delivered -> read; failed only before any receipt of delivery,
# and a failed reply sent again (a dead letter retried) is sent, delivered or read again.
OUT_STATUS_FOLLOWS: dict[str, tuple[str, ...]] = {
    "sent": ("failed",),
    "delivered": ("sent", "failed"),
    "read": ("sent", "delivered", "failed"),
    "failed": ("sent",),
}
# Every reply's delivery report lands here (the channel-adapter's ReplyDelivered): one direct statement per
# target status, its allowed previous statuses written into it.
MARK_DELIVERY = {status: DirectStatement(update(MESSAGES).where(
    MESSAGES.c.user_id == bindparam("p_user"), MESSAGES.c.reply_id == bindparam("p_reply"),
    MESSAGES.c.direction == "out", or_(*(MESSAGES.c.status == before for before in follows)),
).values(status=status)) for status, follows in OUT_STATUS_FOLLOWS.items()}


class HistoryStore(Store):
    async def mark_delivery(self, user_id: str, reply_id: str, status: str) -> bool:
        """Move an outgoing message to `status` (sent|delivered|read|failed) unless it is already further along;
        True when it moved."""
        async with direct_transaction(self._engine) as db:
            return bool(await db.execute(MARK_DELIVERY[status], {"p_user": user_id, "p_reply": reply_id}))

    async def record_notice(self, conversation: ConversationRow, text: str, reply_id: str) -> MessageRow | None:
        """Keep an automatic notice (handed over, released) in the thread as the bot's message, once per
        reply id (a repeated notice is not stored twice: None)."""
        now = utcnow()
        message = MessageRow(
            id=str(uuid.uuid4()), conversation_id=conversation.id, user_id=conversation.user_id,
            channel=conversation.channel, direction="out", text=text, intent="", confidence=0.0,
            event_id=reply_id, status="sent", reply_id=reply_id, source="notice", prompt_variant="",
            response_seconds=None, platform_timestamp=now, created_at=now)
        try:
            async with self._sessions.begin() as session:
                session.add(message)
        except IntegrityError:  # (user_id, event_id) is unique: this notice is already in the thread
            return None
        return message

    async def mark_failed_reply(self, user_id: str, reply_id: str) -> None:
        await self.mark_delivery(user_id, reply_id, "failed")

    async def history(self, conversation_id: str, limit: int = 12) -> list[tuple[str, str]]:
        async with self._sessions() as session:
            rows = await session.execute(select(MessageRow.direction, MessageRow.text).where(
                MessageRow.conversation_id == conversation_id).order_by(MessageRow.created_at.desc()).limit(limit))
            return list(reversed([(d, t) for d, t in rows.all()]))

