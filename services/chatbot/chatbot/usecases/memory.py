"""What the bot remembers of a contact between turns: the small context the dashboard lists (30 min) and the
session transcript the LLM sees (1 h). The full history stays in the database."""

from __future__ import annotations

from typing import Any

from chatbot.adapters.context_store import ContextStore
from chatbot.adapters.repository import utcnow
from chatbot.adapters.tables import ConversationRow
from chatbot.domain.handoff import HandoffState

HISTORY_IN_CONTEXT = 12


class ContactMemory:
    def __init__(self, contexts: ContextStore) -> None:
        self.contexts = contexts

    async def load(self, conversation: ConversationRow) -> tuple[dict[str, Any], dict[str, Any]]:
        context, session = await self.contexts.get_context_and_session(
            conversation.user_id, conversation.contact_id, conversation.id)
        return context or {}, session or {}

    async def save(
        self, conversation: ConversationRow, context: dict[str, Any], session: dict[str, Any], texts: list[str],
        reply: str, intent: str, stage: str, state: HandoffState,
    ) -> None:
        now = utcnow().isoformat()
        history = list(session.get("history", []))
        history += [{"role": "user", "text": t, "at": now} for t in texts]
        if reply:
            history.append({"role": "assistant", "text": reply, "at": now})
        context.update(
            conversation_id=conversation.id, channel=conversation.channel, contact_name=conversation.contact_name,
            last_message=(texts[-1] if texts else "")[:200], last_intent=intent, stage=stage,
            handoff_state=state.value, prompt_variant=conversation.prompt_variant,
            message_count=conversation.message_count,
            converted=conversation.converted, updated_at=now,
        )
        session.update(
            conversation_id=conversation.id, user_id=conversation.user_id, contact_id=conversation.contact_id,
            channel=conversation.channel, prompt_variant=conversation.prompt_variant,
            history=history[-HISTORY_IN_CONTEXT:], updated_at=now,
        )
        await self.contexts.set_context_and_session(conversation.user_id, conversation.contact_id, context,
                                                    conversation.id, session)

    async def set_state(self, row: ConversationRow) -> None:
        context = await self.contexts.get_context(row.user_id, row.contact_id)
        if context is None:
            return
        context.update(handoff_state=row.handoff_state, stage=row.stage, converted=row.converted)
        await self.contexts.set_context(row.user_id, row.contact_id, context)
