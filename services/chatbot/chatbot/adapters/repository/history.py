"""The message history: what was said, and whether each reply reached the customer."""

from __future__ import annotations

from sqlalchemy import select, update

from chatbot.adapters.repository.base import Store
from chatbot.adapters.tables import MessageRow


class HistoryStore(Store):
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

