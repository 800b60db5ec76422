"""The ProfessionalSellerBot: the chatbot's entry points (a message received, a turn answered, a handoff,
release or conversion), each delegated to the use case in `chatbot.usecases` that owns it."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import datetime

from chatbot.adapters.context_store import ContextStore
from chatbot.adapters.llm import LlmEndpoint, ReplyWriter
from chatbot.adapters.repository import ChatbotRepository, utcnow
from chatbot.adapters.tables import ConversationRow
from chatbot.domain.handoff import HandoffState
from chatbot.domain.intents import IntentModel
from chatbot.domain.variants import assign_variant
from chatbot.events.publisher import ConversationEvents
from chatbot.profiles import SellerProfiles
from chatbot.usecases.broadcast import ConversationBroadcast
from chatbot.usecases.composer import ReplyComposer
from chatbot.usecases.handover import Handover
from chatbot.usecases.memory import ContactMemory
from chatbot.usecases.orders import OrderLookup
from chatbot.usecases.turn import StillCurrent, TurnAnswerer, TurnListener, TurnResult
from chatbot.usecases.understanding import Understanding

__all__ = ["ProfessionalSellerBot", "TurnResult"]


class ProfessionalSellerBot:
    def __init__(
        self,
        repository: ChatbotRepository,
        profiles: SellerProfiles,
        contexts: ContextStore,
        writer: ReplyWriter,
        events: ConversationEvents | None,
        default_llm: LlmEndpoint,
        intent_model: IntentModel,
        orders: OrderLookup | None = None,
    ) -> None:
        """`orders` answers "what about order 123?" (the synced shop orders, once they exist); without it the bot
        says it cannot look orders up and offers a person."""
        self.repository = repository
        self.profiles = profiles
        self.contexts = contexts
        self.on_silenced: Callable[[str, str], None] = lambda user_id, contact_id: None
        memory = ContactMemory(contexts)
        self._broadcast = ConversationBroadcast(events, repository)
        self._handover = Handover(repository, profiles, memory, self._broadcast,
                                  silenced=lambda user_id, contact_id: self.on_silenced(user_id, contact_id))
        self._turns = TurnAnswerer(repository, profiles, memory, self._broadcast, self._handover,
                                   ReplyComposer(repository, profiles, writer, default_llm), intent_model, orders)
        self.hand_off = self._handover.hand_off
        self.release = self._handover.release
        self.convert = self._handover.convert
        self.release_idle = self._handover.release_idle

    async def receive(
        self, user_id: str, contact_id: str, channel: str, event_id: str, text: str, platform_timestamp: datetime,
        account_id: str = "", platform_conversation_id: str = "", contact_name: str = "",
    ) -> tuple[ConversationRow | None, str | None]:
        """Store an inbound message once (None: seen before). A buyer waiting for a person who asks for one
        again is told, once, that one is coming; nothing else is answered while a person has the conversation."""
        profile = await self.profiles.get(user_id)
        conversation, stored = await self.repository.receive(
            user_id, contact_id, channel, event_id=event_id, text=text, platform_timestamp=platform_timestamp,
            account_id=account_id, platform_conversation_id=platform_conversation_id, contact_name=contact_name,
            prompt_variant=assign_variant(profile.settings.prompt_variants, f"{user_id}:{contact_id}"),
        )
        if conversation is not None and stored is not None and conversation.handoff_state == "waiting_human":
            await self._turns.remind_a_person_is_coming(conversation, [text])
        return conversation, stored

    def announce_stored(self, conversation: ConversationRow, text: str) -> None:
        """A buyer message kept for the person holding the conversation is now readable: ConversationUpdated,
        published after it was stored (the inbox refetches on it; `chatbot_message_received` races the store)."""
        self._broadcast.updated(conversation, text, conversation.last_intent, conversation.stage,
                                HandoffState(conversation.handoff_state))

    async def open_conversation(
        self, user_id: str, contact_id: str, channel: str, account_id: str = "",
        platform_conversation_id: str = "", contact_name: str = "",
    ) -> ConversationRow:
        profile = await self.profiles.get(user_id)
        return await self.repository.open_conversation(
            user_id, contact_id, channel, account_id=account_id,
            platform_conversation_id=platform_conversation_id, contact_name=contact_name,
            pick_variant=lambda: assign_variant(profile.settings.prompt_variants, f"{user_id}:{contact_id}"),
        )

    async def process_message(
        self, user_id: str, contact_id: str, text: str, channel: str, deliver: bool, contact_name: str = ""
    ) -> TurnResult:
        """POST /seller-bot/message: record and answer at once (no debounce)."""
        conversation = await self.open_conversation(user_id, contact_id, channel, contact_name=contact_name)
        await self.repository.record_inbound(conversation, f"api:{uuid.uuid4()}", text, utcnow())
        result = await self.answer(user_id, conversation.id, deliver=deliver)
        if result is None:  # nothing pending: a concurrent turn answered it
            row = await self.repository.conversation(user_id, conversation.id)
            assert row is not None
            return TurnResult("", "", 0.0, row.id, row.handoff_state, row.stage)
        return result

    async def answer(
        self, user_id: str, conversation_id: str, deliver: bool, still_current: StillCurrent | None = None,
        contact_id: str = "",
    ) -> TurnResult | None:
        """Answer every pending message of the conversation with one reply (None when nothing is pending).
        With an empty `conversation_id`, the contact's current conversation (`contact_id`)."""
        return await self._turns.answer(user_id, conversation_id, deliver, still_current, contact_id)

    def listen_to_turns(self, listener: TurnListener) -> None:
        """The CRM follows every turn (and may keep the bot quiet for a contact who opted out)."""
        self._turns.listener = listener
        self._handover.opted_out = listener.silenced

    def understand(self, texts: list[str]) -> Understanding:
        return self._turns.understand(texts)

    async def publish_held(self, owned: Callable[[str, str], bool], older_than_seconds: float | None = None) -> int:
        """Publish again the replies of `owned` contacts that a crash left held (their turns are recorded)."""
        return await self._broadcast.publish_held(owned, older_than_seconds)

    async def drain(self) -> None:
        """Wait for background dashboard updates (shutdown)."""
        await self._broadcast.drain()
