"""The ProfessionalSellerBot: one conversational turn from customer messages to a published reply.

A turn reads the pending customer messages of a conversation (ordered by platform time), detects the
intents, updates the context, answers (FAQ cache, LLM grounded in the catalog, or the offline responder),
checks the answer against the catalog (guardrails), publishes it and records everything. Handoff,
release, conversion and idle expiry live here too because they change who answers the conversation.
"""

from __future__ import annotations

import asyncio
import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import structlog
from sellerbot.events.v1 import conversation_events_pb2 as ev

from chatbot.adapters.context_store import ContextStore
from chatbot.adapters.llm import LlmEndpoint, LlmUnavailable, ReplyWriter
from chatbot.adapters.repository import ChatbotRepository, PendingMessage, TurnRecord, aware, utcnow
from chatbot.adapters.tables import ConversationRow
from chatbot.domain import order_slots
from chatbot.domain.catalog import Product
from chatbot.domain.config import BotSettings
from chatbot.domain.funnel import Stage, stage_after
from chatbot.domain.guardrails import ungrounded_claims
from chatbot.domain.handoff import (
    Counters,
    HandoffReason,
    HandoffState,
    automatic_trigger,
    idle_expired,
    on_handoff_request,
    on_human_activity,
    summarize,
)
from chatbot.domain.intents import Intent, IntentModel, IntentPrediction
from chatbot.domain.prompt import system_prompt
from chatbot.domain.responder import ReplyFacts, handoff_message, offline_reply
from chatbot.domain.text import fold, split_questions, strip_accents
from chatbot.domain.variants import assign_variant, instructions_for
from chatbot.events.publisher import ConversationEvents, channel_enum, timestamp
from chatbot.metrics import (
    FALLBACKS,
    FAQ_CACHE,
    HANDOFFS,
    INTENTS,
    MESSAGES_PROCESSED,
    REPLIES_DROPPED,
    REPLY_LATENCY,
)
from chatbot.profiles import SellerProfile, SellerProfiles

log = structlog.get_logger(__name__)

REPLY_NAMESPACE = uuid.UUID("4b0d3f0e-9c55-4f43-9a43-5d1f3c7f2a10")
HISTORY_IN_CONTEXT = 12
HISTORY_FOR_LLM = 8
MIN_PART_CONFIDENCE = 0.4
_GREETING_PREFIX = re.compile(
    r"^\s*(?:oi+e*|ola+|opa|e ?ai|eae|salve|bom dia|boa tarde|boa noite|hey|hello)\b[\s,!.]*")
_ORDER_NUMBER = re.compile(r"(?:#|pedido\D{0,4})(\d{3,})|\b(\d{5,})\b")
_LEARNABLE = {Intent.SHIPPING, Intent.PAYMENT, Intent.RETURNS}


class ConversationNotFound(Exception):
    pass


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


@dataclass
class Understanding:
    intents: list[Intent]
    primary: IntentPrediction
    per_message: list[IntentPrediction] = field(default_factory=list)


StillCurrent = Callable[[], bool]


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
    ) -> None:
        self.repository = repository
        self.profiles = profiles
        self.contexts = contexts
        self._writer = writer
        self._events = events
        self._default_llm = default_llm
        self._model = intent_model
        self.on_silenced: Callable[[str, str], None] = lambda user_id, contact_id: None
        self._background: set[asyncio.Task[None]] = set()

    # --- entry points -------------------------------------------------------------------------
    async def receive(
        self, user_id: str, contact_id: str, channel: str, event_id: str, text: str, platform_timestamp: datetime,
        account_id: str = "", platform_conversation_id: str = "", contact_name: str = "",
    ) -> tuple[ConversationRow | None, str | None]:
        profile = await self.profiles.get(user_id)
        return await self.repository.receive(
            user_id, contact_id, channel, event_id=event_id, text=text, platform_timestamp=platform_timestamp,
            account_id=account_id, platform_conversation_id=platform_conversation_id, contact_name=contact_name,
            prompt_variant=assign_variant(profile.settings.prompt_variants, f"{user_id}:{contact_id}"),
        )

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
        result = await self.answer(user_id, conversation.id, deliver=deliver, strict_delivery=False)
        if result is None:  # nothing pending: a concurrent turn answered it
            row = await self.repository.conversation(user_id, conversation.id)
            assert row is not None
            return TurnResult("", "", 0.0, row.id, row.handoff_state, row.stage)
        return result

    async def answer(
        self, user_id: str, conversation_id: str, deliver: bool, still_current: StillCurrent | None = None,
        strict_delivery: bool = True, contact_id: str = "",
    ) -> TurnResult | None:
        """Answer every pending message of the conversation with one reply (None when nothing is pending).
        With an empty `conversation_id`, the contact's current conversation (`contact_id`)."""
        conversation, pending = await self.repository.load_turn(user_id, conversation_id, contact_id)
        if conversation is None or not pending:
            return None
        channel = conversation.channel
        profile = await self.profiles.get(user_id)
        if conversation.handoff_state != HandoffState.BOT or channel not in profile.settings.enabled_channels:
            await self.repository.silence_pending(conversation.id)
            MESSAGES_PROCESSED.labels(channel, "silenced").inc(len(pending))
            return _result(conversation, "", None, delivered=False, dropped="not_with_bot")
        return await self._turn(conversation, pending, profile, deliver, still_current, strict_delivery)

    # --- one turn -------------------------------------------------------------------------------
    async def _turn(
        self, conversation: ConversationRow, pending: list[PendingMessage], profile: SellerProfile,
        deliver: bool, still_current: StillCurrent | None, strict_delivery: bool = True,
    ) -> TurnResult | None:
        user_id, channel = conversation.user_id, conversation.channel
        settings, catalog = profile.settings, profile.catalog
        texts = [m.text for m in pending]
        joined = "\n".join(texts)
        understanding = self.understand(texts)
        intents = understanding.intents
        stored_context, stored_session = await self.contexts.get_context_and_session(
            user_id, conversation.contact_id, conversation.id)
        context, session = stored_context or {}, stored_session or {}

        match = catalog.find(joined)
        product = match.product if match else catalog.by_id(str(context.get("product_id", "")))
        draft, order_next, in_order = self._order_step(context, intents, understanding, joined, product, profile)
        order_number = _order_number(joined) if Intent.ORDER_STATUS in intents else ""

        complaints = conversation.complaint_count + (1 if Intent.COMPLAINT in intents else 0)
        fallbacks = conversation.fallback_count + 1 if intents == [Intent.OTHER] else 0
        trigger: str | None = automatic_trigger(intents, Counters(complaints, fallbacks), settings.handoff_rules)
        if trigger is None and in_order and order_next is None:
            trigger = HandoffReason.ORDER_READY
        if trigger is None and order_number:
            trigger = HandoffReason.ORDER_LOOKUP

        facts = ReplyFacts(
            intents=[Intent.PURCHASE] if in_order else intents, catalog=catalog, settings=settings,
            product=product, contact_name=conversation.contact_name,
            out_of_hours=not settings.business_hours.is_open(datetime.now(UTC)) and not context,
            order=draft, order_next=order_next, order_number=order_number,
        )
        if trigger in (HandoffReason.CUSTOMER_ASKED, HandoffReason.REPEATED_COMPLAINT,
                       HandoffReason.TOO_MANY_FALLBACKS):
            reply, source = handoff_message(trigger), "offline"
        elif in_order or trigger:
            reply, source = offline_reply(facts), "offline"
        else:
            reply, source = await self._compose(conversation, profile, facts, joined, session.get("history", []))

        recent = list(session.get("recent_replies", []))
        folded_reply = fold(reply)
        if trigger is None and sum(fold(r) == folded_reply for r in recent[-3:]) >= 2:
            trigger = HandoffReason.ANSWER_LOOP
            reply = handoff_message(trigger)

        stage = Stage(conversation.stage)
        if not conversation.converted:
            stage = stage_after(stage, [Intent.PURCHASE] if in_order else intents, product is not None)

        if still_current is not None and not still_current():
            REPLIES_DROPPED.labels(channel, "newer_message").inc()
            return None
        reply_id = "reply:" + str(uuid.uuid5(REPLY_NAMESPACE, user_id + "|" + ",".join(
            sorted(m.event_id for m in pending))))
        sequence = conversation.reply_sequence + 1
        delivered = False

        async def deliver_reply() -> None:
            nonlocal delivered
            if not deliver:
                return
            try:
                await self._publish_reply(conversation, reply, reply_id, sequence, pending, understanding)
                delivered = True
            except Exception as exc:
                if strict_delivery:  # the pipeline retries: the messages stay pending
                    raise
                log.warning("reply_not_delivered", conversation_id=conversation.id, error=str(exc))

        latency = (utcnow() - max(m.created_at for m in pending)).total_seconds()
        finished = await self.repository.finish_turn(TurnRecord(
            conversation_id=conversation.id, user_id=user_id, channel=channel, inbound_ids=[m.id for m in pending],
            intents=[(m.id, p.intent.value, p.confidence) for m, p in zip(pending, understanding.per_message,
                                                                         strict=True)],
            reply_text=reply, reply_id=reply_id, source=source, prompt_variant=conversation.prompt_variant,
            response_seconds=max(0.0, latency), last_intent=understanding.primary.intent.value, stage=stage.value,
            fallback_count=fallbacks, complaint_count=complaints, reply_sequence=sequence,
            last_message=texts[-1][:1000],
        ), deliver_reply)
        if not finished:  # a human took over while the reply was being produced
            await self.repository.silence_pending(conversation.id)
            REPLIES_DROPPED.labels(channel, "human_took_over").inc()
            fresh = await self.repository.conversation(user_id, conversation.id)
            return _result(fresh or conversation, "", understanding.primary, dropped="human_took_over")
        self._observe(channel, pending, understanding, latency)
        context.update(
            product_id=product.id if product else context.get("product_id", ""),
            order=draft.to_dict() if (draft and in_order and order_next is not None) else None,
        )
        session["recent_replies"] = [*recent, reply][-3:]
        await self._save_context(conversation, context, session, texts, reply,
                                 understanding.primary.intent.value, stage.value, HandoffState.BOT)
        if trigger:
            extra = order_slots.summary(draft) if (draft and trigger == HandoffReason.ORDER_READY) else ""
            if order_number:
                extra = f"Pedido informado: {order_number}"
            conversation = await self.hand_off(conversation, "bot", str(trigger), extra=extra)
        else:
            await self._publish_updated(conversation, texts[-1], understanding.primary.intent.value, stage.value,
                                        HandoffState.BOT)
        return TurnResult(reply, understanding.primary.intent.value, understanding.primary.confidence,
                          conversation.id, conversation.handoff_state if trigger else HandoffState.BOT.value,
                          stage.value, delivered)

    def understand(self, texts: list[str]) -> Understanding:
        """Intents of a burst: each message, each question inside it, and a greeting in front."""
        intents: list[Intent] = []
        scored: list[IntentPrediction] = []
        per_message: list[IntentPrediction] = []
        for text in texts:
            whole = self._model.predict(text)
            per_message.append(whole)
            folded = strip_accents(text.lower())
            greeting = _GREETING_PREFIX.match(folded)
            rest = folded[greeting.end():] if greeting else folded
            if greeting and len(rest.strip(" ?!.,")) > 2:
                intents.append(Intent.GREETING)
            else:
                rest = folded
            parts = split_questions(rest)
            predictions = [self._model.predict(p) for p in parts] if (len(parts) > 1 or rest != folded) else [whole]
            kept = [p for p in predictions if p.confidence >= MIN_PART_CONFIDENCE] or [max(
                predictions, key=lambda p: p.confidence)]
            intents.extend(p.intent for p in kept)
            scored.extend(kept)
            scored.append(whole)
        ordered = list(dict.fromkeys(intents))
        specific = [p for p in scored if p.intent not in (Intent.GREETING, Intent.OTHER)]
        primary = max(specific or scored, key=lambda p: p.confidence)
        if Intent.HUMAN in ordered:
            primary = next(p for p in scored if p.intent is Intent.HUMAN)
        return Understanding(ordered, primary, per_message)

    def _order_step(
        self, context: dict[str, Any], intents: list[Intent], understanding: Understanding, joined: str,
        product: Product | None, profile: SellerProfile,
    ) -> tuple[order_slots.OrderDraft | None, order_slots.Slot | None, bool]:
        draft = order_slots.OrderDraft.from_dict(context.get("order"))
        wants = Intent.PURCHASE in intents
        if draft is None and not wants:
            return None, None, False
        draft = draft or order_slots.OrderDraft()
        before = draft.to_dict()
        if product and not draft.product_id and wants:
            order_slots.fill(draft, product.name, profile.catalog, [])
        order_slots.fill(draft, joined, profile.catalog, profile.settings.policies.payment_methods)
        progressed = draft.to_dict() != before
        continuing = wants or progressed or understanding.primary.intent in (
            Intent.OTHER, Intent.PAYMENT, Intent.PURCHASE)
        if not continuing:
            return draft, order_slots.next_slot(draft, profile.catalog), False
        slot = order_slots.next_slot(draft, profile.catalog)
        draft.asked = slot.value if slot else ""
        return draft, slot, True

    async def _compose(
        self, conversation: ConversationRow, profile: SellerProfile, facts: ReplyFacts, joined: str,
        history: list[dict[str, str]],
    ) -> tuple[str, str]:
        channel, settings = conversation.channel, profile.settings
        general = facts.product is None and not set(facts.intents) <= {Intent.GREETING, Intent.THANKS_BYE}
        if settings.faq_cache.enabled and general and len(profile.faq):
            hit = profile.faq.best(joined, settings.faq_cache.threshold)
            FAQ_CACHE.labels(channel, "hit" if hit else "miss").inc()
            if hit:
                return hit[0].answer, "faq"
        draft = offline_reply(facts)
        endpoint = self._endpoint(settings)
        if not endpoint.configured:
            return draft, "offline"
        prompt = system_prompt(settings, profile.catalog, facts.product,
                               instructions_for(settings.prompt_variants, conversation.prompt_variant), draft)
        messages = [{"role": "system", "content": prompt}]
        for turn in history[-HISTORY_FOR_LLM:]:
            messages.append({"role": "user" if turn["role"] == "user" else "assistant", "content": turn["text"]})
        messages.append({"role": "user", "content": joined})
        try:
            completion = await self._writer.complete(
                endpoint, messages, settings.llm.temperature, settings.llm.max_tokens, channel)
        except LlmUnavailable as exc:
            FALLBACKS.labels(channel, exc.kind).inc()
            log.warning("llm_fallback", reason=exc.kind, conversation_id=conversation.id)
            return draft, "offline"
        problems = ungrounded_claims(completion.text, profile.catalog, settings, _order_amounts(facts))
        if problems:
            FALLBACKS.labels(channel, "guardrail").inc()
            log.warning("llm_reply_rejected", problems=problems, conversation_id=conversation.id)
            return draft, "offline"
        if (settings.faq_cache.enabled and settings.faq_cache.learn and facts.product is None
                and len(facts.intents) == 1 and facts.intents[0] in _LEARNABLE):
            await self.repository.learn_answer(conversation.user_id, joined, completion.text)
            self.profiles.refresh_faq(conversation.user_id)
        return completion.text, "llm"

    def _endpoint(self, settings: BotSettings) -> LlmEndpoint:
        llm = settings.llm
        return LlmEndpoint(
            base_url=llm.base_url or self._default_llm.base_url,
            api_key=llm.api_key or self._default_llm.api_key,
            model=llm.model or self._default_llm.model,
        )

    # --- handoff, release, conversion -------------------------------------------------------------
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
        row = await self.repository.update_conversation(conversation.id, **changes)
        await self.repository.silence_pending(conversation.id)
        self.on_silenced(conversation.user_id, conversation.contact_id)
        if before is HandoffState.BOT:
            history = await self.repository.history(conversation.id)
            summary = summarize(history, row.last_intent, row.stage, extra)
            await self.repository.record_handoff(row, origin, reason, summary)
            HANDOFFS.labels(row.channel, origin).inc()
            if origin != "human_agent":
                await self._publish_handoff(row, origin, reason, summary)
        await self._set_context_state(row)
        await self._publish_updated(row, row.last_message, row.last_intent, row.stage, after)
        return row

    async def release(self, conversation: ConversationRow) -> ConversationRow:
        row = await self.repository.update_conversation(
            conversation.id, handoff_state=HandoffState.BOT.value, handoff_reason="", fallback_count=0,
            complaint_count=0)
        await self.repository.close_handoffs(conversation.id)
        await self._set_context_state(row)
        await self._publish_updated(row, row.last_message, row.last_intent, row.stage, HandoffState.BOT)
        return row

    async def convert(self, conversation: ConversationRow, order_id: str, amount: float) -> ConversationRow:
        if conversation.converted and (not order_id or conversation.order_id == order_id):
            return conversation
        row = await self.repository.update_conversation(
            conversation.id, converted=True, converted_at=utcnow(), stage=Stage.CONVERTED.value,
            order_id=order_id[:100], order_amount=Decimal(str(amount or 0)).quantize(Decimal("0.01")))
        await self._set_context_state(row)
        await self._publish_updated(row, row.last_message, row.last_intent, row.stage,
                                    HandoffState(row.handoff_state))
        return row

    async def release_idle(self) -> int:
        """Give back to the bot every conversation no human touched for the seller's idle timeout."""
        released = 0
        now = utcnow()
        for row in await self.repository.not_with_bot():
            profile = await self.profiles.get(row.user_id)
            last = aware(row.human_activity_at) or aware(row.handoff_at) or aware(row.updated_at) or now
            if idle_expired(HandoffState(row.handoff_state), last, now, profile.settings.handoff_rules):
                await self.release(row)
                released += 1
        return released

    # --- context and events -----------------------------------------------------------------------
    async def _save_context(
        self, conversation: ConversationRow, context: dict[str, Any], session: dict[str, Any], texts: list[str],
        reply: str, intent: str, stage: str, state: HandoffState,
    ) -> None:
        """The context is the contact's small summary (what the dashboard lists, 30 min); the session holds
        the recent transcript the LLM sees (1 h). Full history stays in the database."""
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

    async def _set_context_state(self, row: ConversationRow) -> None:
        context = await self.contexts.get_context(row.user_id, row.contact_id)
        if context is None:
            return
        context.update(handoff_state=row.handoff_state, stage=row.stage, converted=row.converted)
        await self.contexts.set_context(row.user_id, row.contact_id, context)

    def _observe(self, channel: str, pending: list[PendingMessage], understanding: Understanding,
                 latency: float) -> None:
        MESSAGES_PROCESSED.labels(channel, "answered").inc(len(pending))
        for prediction in understanding.per_message:
            INTENTS.labels(channel, prediction.intent.value).inc()
        REPLY_LATENCY.labels(channel).observe(max(0.0, latency))

    async def _publish_reply(
        self, conversation: ConversationRow, reply: str, reply_id: str, sequence: int,
        pending: list[PendingMessage], understanding: Understanding,
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
            intent=understanding.primary.intent.value,
        ), conversation.channel)

    async def _publish_handoff(self, row: ConversationRow, origin: str, reason: str, summary: str) -> None:
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

    async def _publish_updated(
        self, row: ConversationRow, last_message: str, intent: str, stage: str, state: HandoffState
    ) -> None:
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


def _result(
    row: ConversationRow, reply: str, primary: IntentPrediction | None, delivered: bool = False, dropped: str = ""
) -> TurnResult:
    return TurnResult(reply, primary.intent.value if primary else row.last_intent,
                      primary.confidence if primary else 0.0, row.id, row.handoff_state, row.stage,
                      delivered, dropped)


def _order_number(text: str) -> str:
    match = _ORDER_NUMBER.search(strip_accents(text.lower()))
    if not match:
        return ""
    number = match.group(1) or match.group(2)
    return "" if re.fullmatch(r"\d{5}-?\d{3}", number) and len(number) == 8 else number


def _order_amounts(facts: ReplyFacts) -> set[Decimal]:
    if facts.order and facts.order.unit_price:
        return {facts.order.total.quantize(Decimal("0.01"))}
    return set()
