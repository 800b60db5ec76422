"""The message history: what was said, and whether each reply reached the customer."""

from __future__ import annotations

from sqlalchemy import select, update

from chatbot.adapters.repository.base import Store
from chatbot.adapters.tables import MessageRow

# A reply's status only moves forward: sent -> delivered -> read; failed only before any receipt of delivery,
# and a failed reply sent again (a dead letter retried) is sent, delivered or read again.
OUT_STATUS_FOLLOWS: dict[str, tuple[str, ...]] = {
    "sent": ("failed",),
    "delivered": ("sent", "failed"),
    "read": ("sent", "delivered", "failed"),
    "failed": ("sent",),
}


class HistoryStore(Store):
    async def mark_delivery(self, user_id: str, reply_id: str, status: str) -> bool:
        """Move an outgoing message to `status` (sent|delivered|read|failed) unless it is already further along;
        True when it moved."""
        async with self._sessions.begin() as session:
            result = await session.execute(update(MessageRow).where(
                MessageRow.user_id == user_id, MessageRow.reply_id == reply_id, MessageRow.direction == "out",
                MessageRow.status.in_(OUT_STATUS_FOLLOWS[status]),
            ).values(status=status))
            return bool(result.rowcount)  # type: ignore[attr-defined]

    async def history(self, conversation_id: str, limit: int = 12) -> list[tuple[str, str]]:
        async with self._sessions() as session:
            rows = await session.execute(select(MessageRow.direction, MessageRow.text).where(
                MessageRow.conversation_id == conversation_id).order_by(MessageRow.created_at.desc()).limit(limit))
            return list(reversed([(d, t) for d, t in rows.all()]))

