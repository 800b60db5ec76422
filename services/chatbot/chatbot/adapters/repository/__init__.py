"""Database access of the chatbot service, one module per aggregate (conversations, inbox, turns, history,
handoffs, catalog, config, learned answers, stats); `ChatbotRepository` gathers them behind one object."""

from __future__ import annotations

from sellerbot_database.direct import direct_of

from chatbot.adapters.repository.base import aware, utcnow
from chatbot.adapters.repository.catalog import CatalogStore
from chatbot.adapters.repository.config import ConfigStore
from chatbot.adapters.repository.conversations import ConversationStore
from chatbot.adapters.repository.crm import SELECT_OPTED_OUT, SELECT_TURN_CONTACT
from chatbot.adapters.repository.handoffs import HandoffStore
from chatbot.adapters.repository.held_replies import HeldReply, HeldReplyStore
from chatbot.adapters.repository.history import HistoryStore
from chatbot.adapters.repository.inbox import RECEIVE_POSTGRES, InboxStore, PendingMessage
from chatbot.adapters.repository.learned_answers import LearnedAnswerStore
from chatbot.adapters.repository.stats import StatsStore
from chatbot.adapters.repository.turns import (
    SELECT_TURN_BY_ID,
    SELECT_TURN_OF_CONTACT,
    TurnAnsweredElsewhere,
    TurnRecord,
    TurnStore,
)

__all__ = ["ChatbotRepository", "HeldReply", "PendingMessage", "TurnAnsweredElsewhere", "TurnRecord", "aware",
           "utcnow"]


class ChatbotRepository(ConversationStore, InboxStore, TurnStore, HeldReplyStore, HistoryStore, HandoffStore,
                        CatalogStore, ConfigStore, LearnedAnswerStore, StatsStore):
    async def prepare_connections(self, count: int) -> None:
        """PostgreSQL: open `count` pooled connections at start, each with the turn's statements prepared and
        its parameter types known (asyncpg looks array types up in the catalog on first use). A connection
        opened, or a statement first run, in the middle of a burst costs tens of ms, exactly for the turns
        that already waited. The statements run in a transaction that is rolled back: nothing is written."""
        if not self._postgres:
            return
        connections = [await self._engine.connect() for _ in range(count)]
        for conn in connections:
            db = await direct_of(conn)
            async with db.rolled_back():
                await db.rows(RECEIVE_POSTGRES, {
                    "user_id": "", "contact_id": "", "event_id": "", "conversation_id": "", "channel": "",
                    "account_id": "", "platform_conversation_id": "", "contact_name": "", "prompt_variant": "",
                    "last_message": "", "now": utcnow(), "message_id": "", "text": "", "platform_timestamp": utcnow()})
                await db.rows(SELECT_TURN_OF_CONTACT, {"p_user": "", "p_contact": ""})
                await db.rows(SELECT_TURN_BY_ID, {"p_id": "", "p_user": ""})
                await self._record_postgres(db, TurnRecord("", "", "", [], [("", "", 0.0)], "", "", "", "", 0.0,
                                                           "", "", 0, 0, 0, "", held_reply=b"-"))
                await db.rows(SELECT_OPTED_OUT, {"p_user": "", "p_contact": ""})
                await db.rows(SELECT_TURN_CONTACT, {"p_user": "", "p_contact": ""})
        for conn in connections:
            await conn.close()
        # A seller's first turn also loads its profile: compile those ORM statements now, not in that turn.
        await self.latest_config("")
        await self.products("", offered_only=True)
        await self.learned_answers("")
