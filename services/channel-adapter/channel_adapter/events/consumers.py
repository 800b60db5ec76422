"""Durable JetStream consumers: replies and hand-offs from the chatbot go out to the platforms.

One consumer handles messages one at a time in stream order, which keeps every contact's replies in the order
they were produced; a failed delivery is dead-lettered (not naked), so it never overtakes later replies.
"""

from __future__ import annotations

import asyncio

import structlog
from sellerbot.events.v1 import conversation_events_pb2 as events
from sellerbot_messaging import EventBus, EventMeta, Subjects
from sellerbot_messaging.streams import CONVERSATIONS

from channel_adapter.delivery import ReplyDelivery
from channel_adapter.domain.channels import Platform

log = structlog.get_logger(__name__)
OUTBOUND_DURABLE = "channel-adapter-outbound"
HANDOFF_DURABLE = "channel-adapter-handoff"
_OURS = {p.channel_enum for p in Platform}


def start_consumers(bus: EventBus, delivery: ReplyDelivery, ack_wait_seconds: float) -> list[asyncio.Task[None]]:
    async def on_reply(reply: events.OutboundReply, meta: EventMeta) -> None:
        if reply.channel not in _OURS:  # api / tiktok_shop replies are delivered elsewhere
            return
        outcome = await delivery.deliver(reply)
        log.info("reply_handled", reply_id=reply.reply_id, delivered=outcome.delivered,
                 attempts=outcome.attempts, msg_id=meta.msg_id)

    async def on_handoff(handoff: events.HandoffRequested, _: EventMeta) -> None:
        await delivery.hand_off(handoff)

    return [
        bus.consume(Subjects.OUTBOUND_ALL, OUTBOUND_DURABLE, events.OutboundReply, on_reply,
                    stream=CONVERSATIONS, batch=8, ack_wait_seconds=ack_wait_seconds),
        bus.consume(Subjects.HANDOFF_ALL, HANDOFF_DURABLE, events.HandoffRequested, on_handoff,
                    stream=CONVERSATIONS, batch=8, ack_wait_seconds=ack_wait_seconds),
    ]
