"""Conversations: a contact's current one, opened, updated, listed, archived."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from sellerbot_database.direct import DirectConnection, DirectStatement, direct_connection
from sqlalchemy import bindparam, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from chatbot.adapters.repository.base import CONVERSATIONS, Store, conversation_row, utcnow
from chatbot.adapters.tables import ConversationRow


def new_conversation_values(
    user_id: str, contact_id: str, channel: str, account_id: str, platform_conversation_id: str,
    contact_name: str, variant: str,
) -> dict[str, Any]:
    """The columns of a contact's new conversation."""
    now = utcnow()
    return dict(
        id=str(uuid.uuid4()), user_id=user_id, contact_id=contact_id, channel=channel, account_id=account_id,
        platform_conversation_id=platform_conversation_id, contact_name=contact_name, handoff_state="bot",
        handoff_reason="", stage="new_contact", prompt_variant=variant, converted=False, order_id="",
        order_amount=Decimal("0"), last_message="", last_intent="", message_count=0, fallback_count=0,
        complaint_count=0, reply_sequence=0, archived=False, created_at=now, updated_at=now,
    )


def new_conversation(
    user_id: str, contact_id: str, channel: str, account_id: str, platform_conversation_id: str,
    contact_name: str, variant: str,
) -> ConversationRow:
    """A new conversation to add to a session (the ORM path)."""
    return ConversationRow(**new_conversation_values(user_id, contact_id, channel, account_id,
                                                     platform_conversation_id, contact_name, variant))


def refresh_contact(row: ConversationRow, account_id: str, platform_conversation_id: str, name: str) -> None:
    if account_id and row.account_id != account_id:
        row.account_id = account_id
    if platform_conversation_id and row.platform_conversation_id != platform_conversation_id:
        row.platform_conversation_id = platform_conversation_id
    if name and row.contact_name != name:
        row.contact_name = name


SELECT_CURRENT = (
    select(CONVERSATIONS)
    .where(CONVERSATIONS.c.user_id == bindparam("p_user"), CONVERSATIONS.c.contact_id == bindparam("p_contact"),
           CONVERSATIONS.c.archived.is_(False))
    .order_by(CONVERSATIONS.c.created_at.desc()).limit(1)
)


CURRENT = DirectStatement(SELECT_CURRENT)


async def current_row(db: DirectConnection, user_id: str, contact_id: str) -> ConversationRow | None:
    found = await db.first(CURRENT, {"p_user": user_id, "p_contact": contact_id})
    return conversation_row(found) if found is not None else None


class ConversationStore(Store):
    async def open_conversation(
        self, user_id: str, contact_id: str, channel: str, *, account_id: str = "",
        platform_conversation_id: str = "", contact_name: str = "", pick_variant: Callable[[], str],
    ) -> ConversationRow:
        async with self._sessions.begin() as session:
            row = await self._current(session, user_id, contact_id)
            if row is None:
                row = new_conversation(user_id, contact_id, channel, account_id, platform_conversation_id,
                                        contact_name, pick_variant())
                session.add(row)
            else:
                refresh_contact(row, account_id, platform_conversation_id, contact_name)
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
        async with direct_connection(self._engine) as db:
            return await current_row(db, user_id, contact_id)

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

