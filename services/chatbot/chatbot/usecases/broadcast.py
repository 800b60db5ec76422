"""What the rest of the system hears about a conversation: the reply on its channel, a handoff request for the
human agents, and dashboard updates (sent in the background, never delaying a turn)."""

from __future__ import annotations

import asyncio
import uuid

import structlog
from sellerbot.events.v1 import conversation_events_pb2 as ev

from chatbot.adapters.repository import PendingMessage, utcnow
from chatbot.adapters.tables import ConversationRow
from chatbot.domain.handoff import HandoffState
from chatbot.events.publisher import ConversationEvents, channel_enum, timestamp

log = structlog.get_logger(__name__)


class ConversationBroadcast:
    def __init__(self, events: ConversationEvents | None) -> None:
        self._events = events
        self._background: set[asyncio.Task[None]] = set()

    async def reply(
        self, conversation: ConversationRow, reply: str, reply_id: str, sequence: int,
        pending: list[PendingMessage], intent: str,
    ) -> None:
        if self._events is None:
            raise RuntimeError("no event bus: cannot deliver")
        if not self._events.connected:  # fail now: the turn's transaction (and its connection) is open meanwhile
            raise ConnectionError("NATS is not connected: the reply cannot be published")
        await self._events.reply(ev.OutboundReply(
            reply_id=reply_id, user_id=conversation.user_id, channel=channel_enum(conversation.channel),
            account_id=conversation.account_id, contact_id=conversation.contact_id,
            conversation_id=conversation.platform_conversation_id, text=reply,
            in_reply_to=[m.event_id for m in pending], produced_at=timestamp(utcnow()), sequence=sequence,
            intent=intent, inbox_conversation_id=conversation.id,
        ), conversation.channel)

    async def handoff(self, row: ConversationRow, origin: str, reason: str, summary: str) -> None:
        if self._events is None:
            return
        try:
            await self._events.handoff(ev.HandoffRequested(
                event_id=f"handoff:{uuid.uuid4()}", user_id=row.user_id, channel=channel_enum(row.channel),
                account_id=row.account_id, contact_id=row.contact_id,
                conversation_id=row.platform_conversation_id,
                origin=ev.HANDOFF_ORIGIN_API if origin == "api" else ev.HANDOFF_ORIGIN_BOT,
                reason=reason, summary=summary, requested_at=timestamp(utcnow()),
            ), row.channel)
        except Exception as exc:  # the state already changed; the dashboard still shows it
            log.warning("handoff_publish_failed", conversation_id=row.id, error=str(exc))

    def updated(self, row: ConversationRow, last_message: str, intent: str, stage: str, state: HandoffState) -> None:
        """A dashboard refresh: sent in the background, it never delays nor fails a turn."""
        if self._events is None:
            return
        update = ev.ConversationUpdated(
            event_id=f"updated:{uuid.uuid4()}", user_id=row.user_id, channel=channel_enum(row.channel),
            contact_id=row.contact_id, conversation_id=row.id, last_message=last_message[:500],
            intent=intent, stage=stage, handoff_state=state.value, updated_at=timestamp(utcnow()),
        )
        task = asyncio.create_task(self._send_update(update))
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    async def _send_update(self, update: ev.ConversationUpdated) -> None:
        assert self._events is not None
        try:
            await self._events.updated(update)
        except Exception as exc:
            log.warning("conversation_update_publish_failed", conversation_id=update.conversation_id,
                        error=str(exc))

    async def drain(self) -> None:
        """Wait for background dashboard updates (shutdown)."""
        if self._background:
            await asyncio.gather(*self._background, return_exceptions=True)
