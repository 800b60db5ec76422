"""The turn's outbox: replies recorded with their turn (`turns.finish_turn` writes the row in the turn's
transaction) and held until JetStream acked them."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta
from typing import cast

from sellerbot_database.direct import DirectStatement, direct_connection
from sqlalchemy import Table, delete, select, text

from chatbot.adapters.repository.base import Store, utcnow
from chatbot.adapters.tables import HeldReplyRow

HELD_REPLIES = cast(Table, HeldReplyRow.__table__)
# PostgreSQL: one autocommit statement for the whole batch.
RELEASE_POSTGRES = DirectStatement(text(
    "DELETE FROM chatbot_held_replies WHERE reply_id = ANY(CAST(:reply_ids AS VARCHAR[]))"))


@dataclass(frozen=True)
class HeldReply:
    reply_id: str
    user_id: str
    contact_id: str
    channel: str
    event: bytes  # the OutboundReply, serialised


class HeldReplyStore(Store):
    async def held_replies(self, older_than_seconds: float | None = None) -> list[HeldReply]:
        """Every reply not yet known to be on the bus (held `older_than_seconds` or more), oldest first (each
        contact's in the order of its turns)."""
        statement = select(HELD_REPLIES).order_by(HELD_REPLIES.c.created_at, HELD_REPLIES.c.reply_id)
        if older_than_seconds is not None:
            statement = statement.where(HELD_REPLIES.c.created_at <= utcnow() - timedelta(seconds=older_than_seconds))
        async with self._reader.connect() as db:
            rows = (await db.execute(statement)).mappings().all()
        return [HeldReply(r["reply_id"], r["user_id"], r["contact_id"], r["channel"], bytes(r["event"]))
                for r in rows]

    async def release_held(self, reply_ids: Iterable[str]) -> None:
        """These replies are on the bus: no longer held."""
        ids = list(reply_ids)
        if ids and self._postgres:
            async with direct_connection(self._engine) as direct:
                await direct.execute(RELEASE_POSTGRES, {"reply_ids": ids})
        elif ids:
            async with self._engine.begin() as db:
                await db.execute(delete(HELD_REPLIES).where(HELD_REPLIES.c.reply_id.in_(ids)))
