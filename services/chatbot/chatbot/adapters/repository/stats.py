"""Reports: message, handoff and intent counts, and the sales funnel."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import and_, func, select

from chatbot.adapters.repository.base import Store
from chatbot.adapters.tables import ConversationRow, HandoffRow, MessageRow


class StatsStore(Store):
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

    async def conversions_by_channel(self, user_id: str, since: datetime) -> dict[str, tuple[int, Decimal]]:
        """Conversations converted since (an attributed order), and their orders' total, per channel."""
        async with self._sessions() as session:
            rows = await session.execute(select(
                ConversationRow.channel, func.count(), func.coalesce(func.sum(ConversationRow.order_amount), 0),
            ).where(ConversationRow.user_id == user_id, ConversationRow.converted.is_(True),
                    ConversationRow.converted_at >= since).group_by(ConversationRow.channel))
            return {c: (int(n), Decimal(str(total))) for c, n, total in rows.all()}

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
