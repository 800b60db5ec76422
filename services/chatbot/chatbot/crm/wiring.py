"""The CRM inside the chatbot process: its store on the service's engine, the books, the gRPC servicer, and
the turn listener set on the bot."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

import grpc
import structlog
from sellerbot.channels.v1 import channel_adapter_pb2, channel_adapter_pb2_grpc
from sellerbot.chatbot.v1 import crm_pb2_grpc
from sellerbot.events.v1 import conversation_events_pb2 as ev
from sellerbot_database import session_factory
from sellerbot_grpc import open_channel, user_metadata
from sellerbot_messaging import EventBus, Subjects
from sellerbot_messaging.streams import CONVERSATIONS
from sqlalchemy.ext.asyncio import AsyncEngine

from chatbot.adapters.repository.crm import CrmStore, WebhookOutbox
from chatbot.crm.chatwoot_sync import ChatwootSync
from chatbot.crm.contact_book import ContactBook, ForgetDeadLetters
from chatbot.crm.metrics import CRM_ERRORS
from chatbot.crm.order_book import OrderBook
from chatbot.crm.servicer import CrmServicer
from chatbot.crm.webhooks import CrmWebhooks, WebhookPolicy
from chatbot.seller_bot import ProfessionalSellerBot

log = structlog.get_logger(__name__)
CRM_GRPC_SERVICE = "sellerbot.chatbot.v1.CrmService"
IDENTITY_SUBJECT = "conversations.inbound.chatwoot.*"


@dataclass
class Crm:
    contacts: ContactBook
    orders: OrderBook
    servicer: CrmServicer
    webhooks: CrmWebhooks

    def register(self, server: grpc.aio.Server) -> None:
        crm_pb2_grpc.add_CrmServiceServicer_to_server(self.servicer, server)

    def consume(self, bus: EventBus) -> None:
        """Chatwoot's inbound messages carry the contact's phone (`alternate_contact_id` `phone:<digits>`);
        a shared durable, so each event reaches one replica."""
        bus.consume(IDENTITY_SUBJECT, "chatbot-crm-identities", ev.InboundMessage, self.contacts.on_inbound,
                    stream=CONVERSATIONS)
        bus.consume(Subjects.HANDOFF_ALL, "chatbot-crm-handoffs", ev.HandoffRequested, self.contacts.on_handoff,
                    stream=CONVERSATIONS)


async def purge_expired_merges(contacts: ContactBook, every: float = 3600.0) -> None:
    """Hourly: merges past the undo window lose their snapshot and hidden merged contact (every replica runs
    it; the deletes are idempotent)."""
    while True:
        try:
            await contacts.purge_expired_merges()
        except Exception as exc:  # the database may be away for a while; next hour
            CRM_ERRORS.labels("merge_purge").inc()
            log.warning("crm_merge_purge_failed", error=str(exc))
        await asyncio.sleep(every)


class ChannelAdapterDeadLetters:
    """channel-adapter's ForgetContacts over gRPC (its dead letters hold reply texts to the person, its
    Instagram window when they last wrote)."""

    def __init__(self, address: str) -> None:
        self._channel = open_channel(address)
        self._stub = channel_adapter_pb2_grpc.ChannelAdapterServiceStub(self._channel)

    async def forget(self, user_id: str, contact_ids: list[str]) -> dict[str, int]:
        response = await self._stub.ForgetContacts(
            channel_adapter_pb2.ForgetContactsRequest(contact_ids=contact_ids), metadata=user_metadata(user_id),
            timeout=10)
        return {"dead_letters": int(response.dead_letters), "instagram_windows": int(response.instagram_windows)}

    async def close(self) -> None:
        await self._channel.close()


def build_crm(engine: AsyncEngine, bot: ProfessionalSellerBot, bus: EventBus | None,
              channel_adapter_address: str = "", webhook_policy: WebhookPolicy | None = None) -> Crm:
    """With no channel-adapter address (tests of the chatbot alone) an erasure has no dead letters to delete."""
    sessions = session_factory(engine)
    store = CrmStore(sessions)
    webhooks = CrmWebhooks(WebhookOutbox(sessions), bot.profiles, webhook_policy or WebhookPolicy())
    forget_dead_letters: ForgetDeadLetters | None = None
    if channel_adapter_address:
        forget_dead_letters = ChannelAdapterDeadLetters(channel_adapter_address).forget
    contacts = ContactBook(store, bot.contexts, webhooks.publish, forget_dead_letters, bot.profiles,
                           ChatwootSync(store, bus))
    orders = OrderBook(store, bus, webhooks.publish)
    bot.listen_to_turns(contacts)
    return Crm(contacts, orders, CrmServicer(contacts, orders, WebhookOutbox(sessions)), webhooks)

