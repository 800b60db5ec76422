"""Handoffs to a human: recorded when they start, closed when the bot is back."""

from __future__ import annotations

import uuid

from sqlalchemy import update

from chatbot.adapters.repository.base import Store, utcnow
from chatbot.adapters.tables import ConversationRow, HandoffRow


class HandoffStore(Store):
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

