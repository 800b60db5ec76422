"""Durable JetStream consumers: replies, hand-offs and CRM contact changes from the chatbot go out to the
platforms.

A fetched batch is delivered concurrently across contacts but one reply at a time per contact, in stream
order (a FIFO lock per contact), so each contact's replies leave in the order they were produced while a slow
platform does not hold up other contacts of the batch. A failed delivery is dead-lettered (not naked), so it
never overtakes later replies.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import structlog
from sellerbot.events.v1 import conversation_events_pb2 as events
from sellerbot.events.v1 import crm_events_pb2 as crm_events
from sellerbot_messaging import EventBus, EventMeta, Subjects
from sellerbot_messaging.streams import CONVERSATIONS

from channel_adapter.delivery import ReplyDelivery
from channel_adapter.domain.channels import Platform

log = structlog.get_logger(__name__)
OUTBOUND_DURABLE = "channel-adapter-outbound"
HANDOFF_DURABLE = "channel-adapter-handoff"
CONTACT_DURABLE = "channel-adapter-contacts"
_OURS = {p.channel_enum for p in Platform}
CONCURRENCY = 16
# How long a reply delivered to an adapter that died (kill -9, OOM) waits before another delivers it. A reply
# being delivered keeps its deadline alive however long its retries take (the bus's keep_alive), so this need
# not cover the retry budget; every reply of a batch is handled at once (batch == concurrency), none waits.
REPLY_ACK_WAIT_SECONDS = 30.0


class ContactLanes:
    """One FIFO lock per contact, dropped when nobody holds or awaits it."""

    def __init__(self) -> None:
        self._locks: dict[str, asyncio.Lock] = {}
        self._users: dict[str, int] = {}

    @asynccontextmanager
    async def lane(self, contact: str) -> AsyncIterator[None]:
        lock = self._locks.setdefault(contact, asyncio.Lock())
        self._users[contact] = self._users.get(contact, 0) + 1
        try:
            async with lock:
                yield
        finally:
            self._users[contact] -= 1
            if not self._users[contact]:
                del self._users[contact], self._locks[contact]


def start_consumers(bus: EventBus, delivery: ReplyDelivery, ack_wait_seconds: float) -> list[asyncio.Task[None]]:
    """`ack_wait_seconds`: the hand-off and contact consumers' (one at a time: a queued event waits behind a
    retrying one); replies use REPLY_ACK_WAIT_SECONDS."""
    lanes = ContactLanes()

    async def on_reply(reply: events.OutboundReply, meta: EventMeta) -> None:
        if reply.channel not in _OURS:
            # The bot's api / tiktok_shop answers reach the buyer synchronously (the ProcessMessage response; the
            # automation worker posts it in Seller Center). The inbox refuses an agent's reply on those channels
            # (409, `can_reply` false), so nothing a person wrote is dropped here.
            return
        async with lanes.lane(f"{reply.channel}:{reply.account_id}:{reply.contact_id}"):
            outcome = await delivery.deliver(reply)
        log.info("reply_handled", reply_id=reply.reply_id, delivered=outcome.delivered,
                 attempts=outcome.attempts, msg_id=meta.msg_id)

    async def on_handoff(handoff: events.HandoffRequested, _: EventMeta) -> None:
        await delivery.hand_off(handoff)

    async def on_contact(change: crm_events.ContactChanged, _: EventMeta) -> None:
        # one at a time (concurrency 1): a contact's changes reach Chatwoot in the order they were made
        await delivery.sync_contact(change)

    return [
        bus.consume(Subjects.OUTBOUND_ALL, OUTBOUND_DURABLE, events.OutboundReply, on_reply,
                    stream=CONVERSATIONS, batch=CONCURRENCY, ack_wait_seconds=REPLY_ACK_WAIT_SECONDS,
                    concurrency=CONCURRENCY, keep_alive=True),
        bus.consume(Subjects.HANDOFF_ALL, HANDOFF_DURABLE, events.HandoffRequested, on_handoff,
                    stream=CONVERSATIONS, batch=8, ack_wait_seconds=ack_wait_seconds),
        bus.consume(Subjects.CONTACT_ALL, CONTACT_DURABLE, crm_events.ContactChanged, on_contact,
                    stream=CONVERSATIONS, batch=8, ack_wait_seconds=ack_wait_seconds),
    ]
