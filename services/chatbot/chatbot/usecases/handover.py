"""Who answers a conversation over time: handed to a human (by the bot, the seller or an agent's own reply),
given back to the bot (by the seller or after the idle timeout), and marked converted by an order."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from decimal import Decimal
from typing import Any

import structlog

from chatbot.adapters.repository import ChatbotRepository, aware, utcnow
from chatbot.adapters.tables import ConversationRow
from chatbot.domain.funnel import Stage
from chatbot.domain.handoff import HandoffState, idle_expired, on_handoff_request, on_human_activity, summarize
from chatbot.domain.responder import HANDED_OVER_NOTICE, RELEASED_NOTICE
from chatbot.metrics import HANDOFFS
from chatbot.profiles import SellerProfiles
from chatbot.usecases.broadcast import ConversationBroadcast
from chatbot.usecases.memory import ContactMemory

log = structlog.get_logger(__name__)
NOTICE_NAMESPACE = uuid.UUID("9d3c1b52-6f0e-4a4e-8f25-2b7a1c9e4d11")


class Handover:
    # The CRM's opt-out: a contact who asked the bot to stop gets no automatic notices either.
    opted_out: Callable[[ConversationRow], Awaitable[bool]] | None = None

    def __init__(
        self, repository: ChatbotRepository, profiles: SellerProfiles, memory: ContactMemory,
        broadcast: ConversationBroadcast, silenced: Callable[[str, str], None],
    ) -> None:
        self._repository = repository
        self._profiles = profiles
        self._memory = memory
        self._broadcast = broadcast
        self._silenced = silenced

    async def hand_off(
        self, conversation: ConversationRow, origin: str, reason: str, extra: str = ""
    ) -> ConversationRow:
        """Take the conversation away from the bot; `origin` is bot | api | human_agent."""
        before = HandoffState(conversation.handoff_state)
        now = utcnow()
        after = on_human_activity(before) if origin == "human_agent" else on_handoff_request(before)
        changes: dict[str, Any] = {"handoff_state": after.value}
        if before is HandoffState.BOT:
            changes.update(handoff_reason=reason[:500], handoff_at=now)
        if origin == "human_agent":
            changes["human_activity_at"] = now
        row = await self._repository.update_conversation(conversation.id, **changes)
        await self._repository.silence_pending(conversation.id)
        self._silenced(conversation.user_id, conversation.contact_id)
        if before is HandoffState.BOT:
            history = await self._repository.history(conversation.id)
            summary = summarize(history, row.last_intent, row.stage, extra)
            await self._repository.record_handoff(row, origin, reason, summary)
            HANDOFFS.labels(row.channel, origin).inc()
            if origin != "human_agent":
                await self._broadcast.handoff(row, origin, reason, summary)
            if origin == "api":  # the bot's own handoffs say it in their reply; an agent's reply says it itself
                await self.notify(row, HANDED_OVER_NOTICE, "handed-over")
        await self._memory.set_state(row)
        self._broadcast.updated(row, row.last_message, row.last_intent, row.stage, after)
        return row

    async def notify(self, row: ConversationRow, text: str, what: str) -> bool:
        """Tell the buyer what happens next, once per handoff (the reply id is derived from the handoff, so a
        repeated notice is dropped by JetStream's deduplication); False when it could not be sent.

        The notice is kept in the thread as the bot's message first, so the agent reads what the buyer got
        (and its delivery status, like any reply's)."""
        if self.opted_out is not None and await self.opted_out(row):
            return False
        key = f"{row.id}|{row.handoff_at.isoformat() if row.handoff_at else ''}|{what}"
        reply_id = f"notice:{uuid.uuid5(NOTICE_NAMESPACE, key)}"
        stored = None
        try:
            stored = await self._repository.record_notice(row, text, reply_id)
        except Exception as exc:  # the buyer is still told; only the thread misses the line
            log.warning("handoff_notice_not_stored", conversation_id=row.id, error=str(exc))
        try:
            await self._broadcast.notice(row, text, reply_id, row.reply_sequence)
        except Exception as exc:  # the handoff itself stands; the buyer simply is not told
            log.warning("handoff_notice_not_sent", conversation_id=row.id, error=str(exc))
            if stored is not None:
                await self._mark_unsent(row, reply_id)
            return False
        return True

    async def _mark_unsent(self, row: ConversationRow, reply_id: str) -> None:
        try:
            await self._repository.mark_failed_reply(row.user_id, reply_id)
        except Exception as exc:
            log.warning("handoff_notice_not_marked", conversation_id=row.id, error=str(exc))

    async def release(self, conversation: ConversationRow, announce: bool = True) -> ConversationRow:
        """Back to the bot; the buyer is told once (`announce`), unless it is the idle timeout's doing."""
        before = HandoffState(conversation.handoff_state)
        row = await self._repository.update_conversation(
            conversation.id, handoff_state=HandoffState.BOT.value, handoff_reason="", fallback_count=0,
            complaint_count=0)
        await self._repository.close_handoffs(conversation.id)
        await self._memory.set_state(row)
        self._broadcast.updated(row, row.last_message, row.last_intent, row.stage, HandoffState.BOT)
        if announce and before is not HandoffState.BOT:
            await self.notify(row, RELEASED_NOTICE, "released")
        return row

    async def convert(self, conversation: ConversationRow, order_id: str, amount: float) -> ConversationRow:
        if conversation.converted and (not order_id or conversation.order_id == order_id):
            return conversation
        row = await self._repository.update_conversation(
            conversation.id, converted=True, converted_at=utcnow(), stage=Stage.CONVERTED.value,
            order_id=order_id[:100], order_amount=Decimal(str(amount or 0)).quantize(Decimal("0.01")))
        await self._memory.set_state(row)
        self._broadcast.updated(row, row.last_message, row.last_intent, row.stage, HandoffState(row.handoff_state))
        return row

    async def release_idle(self) -> int:
        """Give back to the bot every conversation no human touched for the seller's idle timeout."""
        released = 0
        now = utcnow()
        for row in await self._repository.not_with_bot():
            profile = await self._profiles.get(row.user_id)
            last = aware(row.human_activity_at) or aware(row.handoff_at) or aware(row.updated_at) or now
            if idle_expired(HandoffState(row.handoff_state), last, now, profile.settings.handoff_rules):
                await self.release(row, announce=False)  # nobody was there: no farewell an hour later
                released += 1
        return released
