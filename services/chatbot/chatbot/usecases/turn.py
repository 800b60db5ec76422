"""One turn: every pending customer message of a conversation answered by one reply, recorded in one
transaction with the reply held for publishing, then published; the handoff the turn calls for follows it."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol

import structlog

from chatbot.adapters.repository import (
    ChatbotRepository,
    PendingMessage,
    TurnAnsweredElsewhere,
    TurnRecord,
    utcnow,
)
from chatbot.adapters.repository.crm import ContactCount
from chatbot.adapters.tables import ConversationRow
from chatbot.domain import order_slots
from chatbot.domain.funnel import Stage, stage_after
from chatbot.domain.handoff import HandoffReason, HandoffState
from chatbot.domain.intents import Intent, IntentModel, IntentPrediction
from chatbot.domain.responder import WAITING_REMINDER, handoff_message, render
from chatbot.domain.text import fold
from chatbot.metrics import INTENTS, MESSAGES_PROCESSED, REPLIES_DROPPED, REPLY_LATENCY
from chatbot.profiles import SellerProfile, SellerProfiles
from chatbot.usecases.broadcast import ConversationBroadcast
from chatbot.usecases.composer import ReplyComposer
from chatbot.usecases.handover import Handover
from chatbot.usecases.memory import ContactMemory
from chatbot.usecases.orders import (
    CONFIRMED_KEY,
    PENDING_PROOF_KEY,
    NoOrderSource,
    OrderLookup,
    order_for_turn,
    remember_order_access,
)
from chatbot.usecases.planner import ConversationState, order_number_asked, plan_turn
from chatbot.usecases.understanding import Understanding, understand

log = structlog.get_logger(__name__)

REPLY_NAMESPACE = uuid.UUID("4b0d3f0e-9c55-4f43-9a43-5d1f3c7f2a10")

StillCurrent = Callable[[], bool]


class TurnListener(Protocol):
    """The CRM's hook on every turn: it may keep the bot quiet (opt-out), replace the answer with a notice,
    and learns what the turn found out (it never raises: a CRM failure must not fail a turn)."""

    async def silenced(self, conversation: ConversationRow, opted_out: bool | None = None) -> bool: ...

    def notice_for(self, texts: list[str]) -> str: ...

    def count_in_advance(self, conversation: ConversationRow, understanding: Understanding, stage: str,
                         draft: order_slots.OrderDraft | None, opted_out: bool,
                         contact: dict[str, Any] | None) -> ContactCount | None: ...

    async def turn_done(self, conversation: ConversationRow, understanding: Understanding, stage: str,
                        draft: order_slots.OrderDraft | None, opted_out: bool,
                        counted: ContactCount | None = None) -> None: ...


@dataclass(frozen=True)
class TurnResult:
    reply: str
    intent: str
    confidence: float
    conversation_id: str
    handoff_state: str
    stage: str
    delivered: bool = False
    dropped: str = ""


class TurnAnswerer:
    listener: TurnListener | None = None

    def __init__(
        self, repository: ChatbotRepository, profiles: SellerProfiles, memory: ContactMemory,
        broadcast: ConversationBroadcast, handover: Handover, composer: ReplyComposer, intent_model: IntentModel,
        orders: OrderLookup | None = None,
    ) -> None:
        self._orders: OrderLookup = orders or NoOrderSource()
        self._repository = repository
        self._profiles = profiles
        self._memory = memory
        self._broadcast = broadcast
        self._handover = handover
        self._composer = composer
        self._model = intent_model

    def understand(self, texts: list[str]) -> Understanding:
        return understand(self._model, texts)

    async def answer(
        self, user_id: str, conversation_id: str, deliver: bool, still_current: StillCurrent | None = None,
        contact_id: str = "",
    ) -> TurnResult | None:
        """Answer every pending message of the conversation with one reply (None when nothing is pending).
        With an empty `conversation_id`, the contact's current conversation (`contact_id`)."""
        loaded = await self._repository.load_turn(user_id, conversation_id, contact_id)
        conversation, pending, opted_out = loaded.conversation, loaded.pending, loaded.opted_out
        if conversation is None or not pending:
            return None
        channel = conversation.channel
        profile = await self._profiles.get(user_id)
        if conversation.handoff_state != HandoffState.BOT or channel not in profile.settings.enabled_channels:
            await self._repository.silence_pending(conversation.id)
            MESSAGES_PROCESSED.labels(channel, "silenced").inc(len(pending))
            if deliver and conversation.handoff_state == HandoffState.WAITING_HUMAN:
                await self.remind_a_person_is_coming(conversation, [m.text for m in pending])
            return result_of(conversation, "", None, delivered=False, dropped="not_with_bot")
        if self.listener is not None and await self.listener.silenced(conversation, opted_out):
            await self._repository.silence_pending(conversation.id)
            MESSAGES_PROCESSED.labels(channel, "silenced").inc(len(pending))
            return result_of(conversation, "", None, delivered=False, dropped="opted_out")
        return await self._turn(conversation, pending, profile, deliver, still_current, loaded.contact)

    async def remind_a_person_is_coming(self, conversation: ConversationRow, texts: list[str]) -> None:
        """A buyer waiting for a person who asks for one again hears, once, that one is coming; every other
        message while a person has the conversation is only stored for them."""
        if Intent.HUMAN not in self.understand(texts).intents:
            return
        context = await self._memory.contexts.get_context(conversation.user_id, conversation.contact_id)
        handoff = conversation.handoff_at.isoformat() if conversation.handoff_at else "?"
        if context is None or context.get("reminded_for_handoff") == handoff:
            return
        if await self._handover.notify(conversation, WAITING_REMINDER, "reminder"):
            context["reminded_for_handoff"] = handoff
            await self._memory.contexts.set_context(conversation.user_id, conversation.contact_id, context)

    async def _turn(
        self, conversation: ConversationRow, pending: list[PendingMessage], profile: SellerProfile,
        deliver: bool, still_current: StillCurrent | None, contact: dict[str, Any] | None = None,
    ) -> TurnResult | None:
        user_id, channel = conversation.user_id, conversation.channel
        settings, catalog = profile.settings, profile.catalog
        texts = [m.text for m in pending]
        joined = "\n".join(texts)
        understanding = self.understand(texts)
        context, session = await self._memory.load(conversation)
        state = ConversationState.from_context(context)
        order_info = await order_for_turn(
            self._orders, user_id, conversation.contact_id, joined, order_number_asked(joined, understanding, state),
            understanding.intents, str(context.get(PENDING_PROOF_KEY) or ""),
            list(context.get(CONFIRMED_KEY) or []))
        turn = plan_turn(
            texts, understanding, state, catalog, settings, conversation.complaint_count,
            conversation.fallback_count, not settings.business_hours.is_open(datetime.now(UTC)), order_info,
            conversation.contact_name,
        )
        trigger = turn.trigger
        notice = self.listener.notice_for(texts) if self.listener is not None else ""
        if notice:  # the customer asked to stop receiving messages: the bot says so once, then stays quiet
            reply, source, trigger = notice, "offline", None
        elif trigger is not None or turn.in_order or order_info is not None:
            # An order's status and tracking are said word for word (and another buyer's never): no LLM.
            reply, source = render(turn.plan, settings), "offline"
        else:
            reply, source = await self._composer.compose(conversation, profile, turn.plan, joined,
                                                         session.get("history", []))

        recent = list(session.get("recent_replies", []))
        folded_reply = fold(reply)
        if trigger is None and sum(fold(r) == folded_reply for r in recent[-3:]) >= 2:
            trigger = HandoffReason.ANSWER_LOOP
            reply = handoff_message(trigger)

        stage = Stage(conversation.stage)
        if not conversation.converted:
            stage = stage_after(stage, turn.intents, turn.product is not None)

        if still_current is not None and not still_current():
            REPLIES_DROPPED.labels(channel, "newer_message").inc()
            return None
        reply_id = "reply:" + str(uuid.uuid5(REPLY_NAMESPACE, user_id + "|" + ",".join(
            sorted(m.event_id for m in pending))))
        sequence = conversation.reply_sequence + 1
        outbound = (self._broadcast.reply_event(conversation, reply, reply_id, sequence, pending,
                                                understanding.primary.intent.value) if deliver else None)
        latency = (utcnow() - max(m.created_at for m in pending)).total_seconds()
        draft = turn.draft if trigger == HandoffReason.ORDER_READY else None
        # The CRM's count of this turn on its contact, written by the turn's own record when the contact is
        # still as the load read it (one statement fewer; otherwise `turn_done` counts it).
        count = (self.listener.count_in_advance(conversation, understanding, stage.value, draft, bool(notice),
                                                contact) if self.listener is not None else None)
        try:
            finished = await self._repository.finish_turn(TurnRecord(
                conversation_id=conversation.id, user_id=user_id, channel=channel, inbound_ids=[m.id for m in pending],
                intents=[(m.id, p.intent.value, p.confidence) for m, p in zip(pending, understanding.per_message,
                                                                             strict=True)],
                reply_text=reply, reply_id=reply_id, source=source, prompt_variant=conversation.prompt_variant,
                response_seconds=max(0.0, latency), last_intent=understanding.primary.intent.value, stage=stage.value,
                fallback_count=turn.fallbacks, complaint_count=turn.complaints, reply_sequence=sequence,
                last_message=texts[-1][:1000], contact_id=conversation.contact_id,
                held_reply=outbound.SerializeToString() if outbound is not None else b"", contact_count=count,
            ))
        except TurnAnsweredElsewhere:  # a concurrent turn (API, or another replica) answered them first
            REPLIES_DROPPED.labels(channel, "answered_elsewhere").inc()
            return None
        if not finished:  # a human took over while the reply was being produced
            await self._repository.silence_pending(conversation.id)
            REPLIES_DROPPED.labels(channel, "human_took_over").inc()
            fresh = await self._repository.conversation(user_id, conversation.id)
            return result_of(fresh or conversation, "", understanding.primary, dropped="human_took_over")
        delivered = await self._broadcast.reply(outbound) if outbound is not None else False
        _observe(channel, pending, understanding, latency)
        context.update(turn.context_after(context, trigger))
        context.update(remember_order_access(context, order_info))
        session["recent_replies"] = [*recent, reply][-3:]
        await self._memory.save(conversation, context, session, texts, reply,
                                understanding.primary.intent.value, stage.value, HandoffState.BOT)
        if trigger:
            extra = order_slots.summary(turn.draft) if (turn.draft and trigger == HandoffReason.ORDER_READY) else ""
            conversation = await self._handover.hand_off(conversation, "bot", str(trigger), extra=extra)
        else:
            self._broadcast.updated(conversation, texts[-1], understanding.primary.intent.value, stage.value,
                                    HandoffState.BOT)
        if self.listener is not None:
            await self.listener.turn_done(conversation, understanding, stage.value, draft, bool(notice),
                                          count if finished.contact_counted else None)
        return TurnResult(reply, understanding.primary.intent.value, understanding.primary.confidence,
                          conversation.id, conversation.handoff_state if trigger else HandoffState.BOT.value,
                          stage.value, delivered)


def _observe(channel: str, pending: list[PendingMessage], understanding: Understanding, latency: float) -> None:
    MESSAGES_PROCESSED.labels(channel, "answered").inc(len(pending))
    for prediction in understanding.per_message:
        INTENTS.labels(channel, prediction.intent.value).inc()
    REPLY_LATENCY.labels(channel).observe(max(0.0, latency))


def result_of(
    row: ConversationRow, reply: str, primary: IntentPrediction | None, delivered: bool = False, dropped: str = ""
) -> TurnResult:
    return TurnResult(reply, primary.intent.value if primary else row.last_intent,
                      primary.confidence if primary else 0.0, row.id, row.handoff_state, row.stage,
                      delivered, dropped)
