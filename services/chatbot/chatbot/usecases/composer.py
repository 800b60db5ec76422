"""The words of an ordinary reply: a cached FAQ answer, the LLM grounded in the seller's facts, or the offline
responder when there is no LLM or its reply is rejected."""

from __future__ import annotations

from decimal import Decimal

import structlog

from chatbot.adapters.llm import LlmEndpoint, LlmUnavailable, ReplyWriter
from chatbot.adapters.repository import ChatbotRepository
from chatbot.adapters.tables import ConversationRow
from chatbot.domain.config import BotSettings
from chatbot.domain.guardrails import ungrounded_claims
from chatbot.domain.intents import Intent
from chatbot.domain.prompt import system_prompt
from chatbot.domain.responder import ReplyFacts, offline_reply
from chatbot.domain.variants import instructions_for
from chatbot.metrics import FALLBACKS, FAQ_CACHE
from chatbot.profiles import SellerProfile, SellerProfiles

log = structlog.get_logger(__name__)

HISTORY_FOR_LLM = 8
_LEARNABLE = {Intent.SHIPPING, Intent.PAYMENT, Intent.RETURNS}


class ReplyComposer:
    def __init__(
        self, repository: ChatbotRepository, profiles: SellerProfiles, writer: ReplyWriter, default_llm: LlmEndpoint
    ) -> None:
        self._repository = repository
        self._profiles = profiles
        self._writer = writer
        self._default_llm = default_llm

    async def compose(
        self, conversation: ConversationRow, profile: SellerProfile, facts: ReplyFacts, joined: str,
        history: list[dict[str, str]],
    ) -> tuple[str, str]:
        """The reply and its source: faq | llm | offline."""
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
            await self._repository.learn_answer(conversation.user_id, joined, completion.text)
            self._profiles.refresh_faq(conversation.user_id)
        return completion.text, "llm"

    def _endpoint(self, settings: BotSettings) -> LlmEndpoint:
        llm = settings.llm
        return LlmEndpoint(
            base_url=llm.base_url or self._default_llm.base_url,
            api_key=llm.api_key or self._default_llm.api_key,
            model=llm.model or self._default_llm.model,
        )


def _order_amounts(facts: ReplyFacts) -> set[Decimal]:
    if facts.order and facts.order.unit_price:
        return {facts.order.total.quantize(Decimal("0.01"))}
    return set()
