"""FAQ answers the seller taught the bot."""

from __future__ import annotations

import uuid

from sqlalchemy import delete, select

from chatbot.adapters.repository.base import Store, utcnow
from chatbot.adapters.tables import LearnedAnswerRow


class LearnedAnswerStore(Store):
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

