"""The human inbox: an agent reads a conversation, answers the buyer on the conversation's own channel (the bot
goes quiet: answering takes the conversation over), assigns it, leaves notes and uses the shop's quick replies."""

from __future__ import annotations

import uuid

import structlog
from sellerbot.events.v1 import conversation_events_pb2 as ev

from chatbot.adapters.repository import ChatbotRepository, utcnow
from chatbot.adapters.repository.human_inbox import HumanInboxStore, InboxEntry, PostedReply
from chatbot.adapters.tables import ConversationRow, InboxStateRow, MessageRow
from chatbot.domain.agent_replies import reply_unavailable_reason
from chatbot.domain.handoff import HandoffReason, HandoffState
from chatbot.domain.quick_replies import ProductFacts, Rendered, render
from chatbot.events.publisher import ConversationEvents, channel_enum, timestamp
from chatbot.metrics import AGENT_REPLIES
from chatbot.seller_bot import ProfessionalSellerBot

log = structlog.get_logger(__name__)


class ConversationNotFound(LookupError):
    pass


class QuickReplyNotFound(LookupError):
    pass


class ChannelCannotReply(Exception):
    """The conversation's channel cannot carry an agent's reply (the message says why)."""


class ReplyNotPublished(ConnectionError):
    """The agent's reply is stored (status failed) but could not be handed to channel-adapter."""


class HumanInbox:
    def __init__(self, bot: ProfessionalSellerBot, store: HumanInboxStore, events: ConversationEvents | None) -> None:
        self._bot = bot
        self._repository: ChatbotRepository = bot.repository
        self.store = store
        self._events = events

    async def conversation(self, user_id: str, conversation_id: str) -> ConversationRow:
        row = await self._repository.conversation(user_id, conversation_id)
        if row is None:
            raise ConversationNotFound(conversation_id)
        return row

    async def entry(self, user_id: str, conversation_id: str) -> InboxEntry:
        entry = await self.store.inbox_entry(user_id, conversation_id)
        if entry is None:
            raise ConversationNotFound(conversation_id)
        return entry

    async def answer(self, user_id: str, conversation_id: str, text: str, author_id: str,
                     author_name: str) -> MessageRow:
        """Deliver an agent's reply like the bot's (channel-adapter: retries, dead letters, delivery report)."""
        conversation = await self.conversation(user_id, conversation_id)
        if reason := reply_unavailable_reason(conversation.channel):  # refused before anything changes
            raise ChannelCannotReply(reason)
        if conversation.handoff_state != HandoffState.HUMAN.value:
            await self._bot.hand_off(conversation, "human_agent", HandoffReason.HUMAN_AGENT_REPLIED)
        posted = await self.store.post_reply(conversation.id, text, author_id, author_name)
        AGENT_REPLIES.labels(conversation.channel).inc()
        if posted.assigned is not None:
            await self._publish_assignment(posted.conversation, posted.assigned)
        try:
            await self._publish_reply(posted, author_id, author_name)
        except Exception as exc:
            log.warning("agent_reply_publish_failed", conversation_id=conversation.id, error=str(exc))
            await self.store.mark_failed(posted.message.id)
            raise ReplyNotPublished(str(exc)) from exc
        return posted.message

    async def _publish_reply(self, posted: PostedReply, author_id: str, author_name: str) -> None:
        if self._events is None or not self._events.connected:
            raise ConnectionError("NATS is not connected")
        row = posted.conversation
        await self._events.reply(ev.OutboundReply(
            reply_id=posted.message.reply_id, user_id=row.user_id, channel=channel_enum(row.channel),
            account_id=row.account_id, contact_id=row.contact_id, conversation_id=row.platform_conversation_id,
            text=posted.message.text, produced_at=timestamp(utcnow()), sequence=posted.sequence,
            author_id=author_id, author_name=author_name, inbox_conversation_id=row.id,
        ), row.channel)

    async def assign(self, user_id: str, conversation_id: str, assignee_id: str, assignee_name: str,
                     actor_id: str) -> InboxEntry:
        conversation = await self.conversation(user_id, conversation_id)
        state = await self.store.assign(conversation, assignee_id, assignee_name if assignee_id else "", actor_id)
        await self._publish_assignment(conversation, state)
        return await self.entry(user_id, conversation.id)

    async def _publish_assignment(self, row: ConversationRow, state: InboxStateRow) -> None:
        if self._events is None:
            return
        try:
            await self._events.assigned(ev.ConversationAssigned(
                event_id=f"assigned:{uuid.uuid4()}", user_id=row.user_id, channel=channel_enum(row.channel),
                contact_id=row.contact_id, conversation_id=row.id, assignee_id=state.assignee_id,
                assignee_name=state.assignee_name, assigned_by=state.assigned_by, at=timestamp(utcnow())))
        except Exception as exc:  # stored; the other members see it on their next refresh
            log.warning("assignment_publish_failed", conversation_id=row.id, error=str(exc))

    async def render_quick_reply(self, user_id: str, reply_id: str, conversation_id: str,
                                 product_id: str) -> Rendered:
        quick = await self.store.quick_reply(user_id, reply_id)
        if quick is None:
            raise QuickReplyNotFound(reply_id)
        name = ""
        if conversation_id:
            name = (await self.conversation(user_id, conversation_id)).contact_name
        product = None
        if product_id:
            found = await self.store.product(user_id, product_id)
            if found is not None:
                product = ProductFacts(found.name, float(found.price), found.stock)
        return render(quick.text, name, product)
