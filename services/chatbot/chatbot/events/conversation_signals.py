"""Signals from other services about conversations: a human agent replied (the bot goes quiet), an order
was placed (the funnel converts, within the attribution window), a reply was or was not delivered."""

from __future__ import annotations

from datetime import UTC

import structlog
from sellerbot.events.v1 import conversation_events_pb2 as ev
from sellerbot_messaging import EventMeta

from chatbot.domain.handoff import HandoffReason
from chatbot.events.publisher import channel_name
from chatbot.seller_bot import ProfessionalSellerBot
from chatbot.usecases.attribution import SalesAttribution

log = structlog.get_logger(__name__)


class ConversationSignals:
    def __init__(self, bot: ProfessionalSellerBot, attribution: SalesAttribution) -> None:
        self._bot = bot
        self._attribution = attribution

    async def on_handoff(self, event: ev.HandoffRequested, meta: EventMeta) -> None:
        """Only human-agent handoffs come from outside; the bot's and the API's own are echoes."""
        if event.origin != ev.HANDOFF_ORIGIN_HUMAN_AGENT or not event.user_id:
            return
        conversation = await self._bot.repository.current_conversation(event.user_id, event.contact_id)
        if conversation is None:
            conversation = await self._bot.open_conversation(
                event.user_id, event.contact_id, channel_name(event.channel), event.account_id,
                event.conversation_id)
        await self._bot.hand_off(conversation, "human_agent", event.reason or HandoffReason.HUMAN_AGENT_REPLIED)

    async def on_order(self, event: ev.OrderPlaced, meta: EventMeta) -> None:
        """Converts the conversation when the buyer wrote to the bot within the shop's attribution window."""
        placed_at = event.placed_at.ToDatetime(tzinfo=UTC) if event.HasField("placed_at") else None
        await self._attribution.placed_order(event.user_id, event.contact_id, event.order_id, event.amount,
                                             placed_at)

    async def on_delivery(self, event: ev.ReplyDelivered, meta: EventMeta) -> None:
        status = delivery_status(event)
        if event.user_id and event.reply_id and status:
            await self._bot.repository.mark_delivery(event.user_id, event.reply_id, status)


_STATUS_NAMES = {ev.DELIVERY_STATUS_SENT: "sent", ev.DELIVERY_STATUS_DELIVERED: "delivered",
                 ev.DELIVERY_STATUS_READ: "read", ev.DELIVERY_STATUS_FAILED: "failed"}


def delivery_status(event: ev.ReplyDelivered) -> str:
    """The history's status for a delivery report; without `status` (older producers) a successful send is
    `sent` (the platform accepted it; only a receipt says it was delivered) and a dead letter `failed`."""
    if event.status in _STATUS_NAMES:
        return _STATUS_NAMES[event.status]
    if event.dead_lettered:
        return "failed"
    return "sent" if event.delivered else ""
