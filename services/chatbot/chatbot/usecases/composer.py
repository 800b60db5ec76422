"""The words of an ordinary reply: a cached FAQ answer (general questions only), the LLM given only the
planned facts, or the offline wording of the plan when there is no LLM or its reply claims anything else."""

from __future__ import annotations

import structlog

from chatbot.adapters.llm import LlmEndpoint, LlmUnavailable, ReplyWriter
from chatbot.adapters.repository import ChatbotRepository
from chatbot.adapters.tables import ConversationRow
from chatbot.domain.answer_plan import AnswerKind, AnswerPlan
from chatbot.domain.catalog import Catalog
from chatbot.domain.config import BotSettings
from chatbot.domain.entities import Topic
from chatbot.domain.guardrails import Claim, unsupported_claims
from chatbot.domain.prompt import grounded_prompt
from chatbot.domain.responder import render
from chatbot.domain.variants import instructions_for
from chatbot.metrics import FALLBACKS, FAQ_CACHE, LLM_REPLIES_REJECTED
from chatbot.profiles import SellerProfile, SellerProfiles

log = structlog.get_logger(__name__)

HISTORY_FOR_LLM = 8
_GENERAL = {AnswerKind.POLICY, AnswerKind.HELLO, AnswerKind.NOT_UNDERSTOOD}
_LEARNABLE = {Topic.SHIPPING, Topic.PAYMENT, Topic.RETURNS}


class ReplyComposer:
    def __init__(
        self, repository: ChatbotRepository, profiles: SellerProfiles, writer: ReplyWriter, default_llm: LlmEndpoint
    ) -> None:
        self._repository = repository
        self._profiles = profiles
        self._writer = writer
        self._default_llm = default_llm

    async def compose(
        self, conversation: ConversationRow, profile: SellerProfile, plan: AnswerPlan, joined: str,
        history: list[dict[str, str]],
    ) -> tuple[str, str]:
        """The reply and its source: faq | llm | offline."""
        channel, settings = conversation.channel, profile.settings
        general = set(plan.kinds) <= _GENERAL and plan.kinds != [AnswerKind.HELLO]
        if settings.faq_cache.enabled and general and len(profile.faq):
            hit = profile.faq.best(joined, settings.faq_cache.threshold)
            FAQ_CACHE.labels(channel, "hit" if hit else "miss").inc()
            if hit:
                return hit[0].answer, "faq"
        draft = render(plan, settings)
        endpoint = self._endpoint(settings)
        if not endpoint.configured:
            return draft, "offline"
        try:
            text, claims = await grounded_reply(
                self._writer, endpoint, settings, plan, draft, joined, history, channel, profile.catalog,
                instructions_for(settings.prompt_variants, conversation.prompt_variant))
        except LlmUnavailable as exc:
            FALLBACKS.labels(channel, exc.kind).inc()
            log.warning("llm_fallback", reason=exc.kind, conversation_id=conversation.id)
            return draft, "offline"
        if claims:
            log.warning("llm_reply_rejected", claims=[f"{c.kind}: {c.detail}" for c in claims],
                        conversation_id=conversation.id)
            return draft, "offline"
        learnable = [a.topic for a in plan.answers if a.kind is AnswerKind.POLICY]
        if (settings.faq_cache.enabled and settings.faq_cache.learn and len(plan.answers) == 1
                and learnable and learnable[0] in _LEARNABLE):
            await self._repository.learn_answer(conversation.user_id, joined, text)
            self._profiles.refresh_faq(conversation.user_id)
        return text, "llm"

    def _endpoint(self, settings: BotSettings) -> LlmEndpoint:
        llm = settings.llm
        return LlmEndpoint(
            base_url=llm.base_url or self._default_llm.base_url,
            api_key=llm.api_key or self._default_llm.api_key,
            model=llm.model or self._default_llm.model,
        )


async def grounded_reply(
    writer: ReplyWriter, endpoint: LlmEndpoint, settings: BotSettings, plan: AnswerPlan, draft: str, joined: str,
    history: list[dict[str, str]], channel: str, catalog: Catalog, variant_instructions: str = "",
) -> tuple[str, list[Claim]]:
    """The LLM's reply given only the plan's facts, and the claims in it the facts do not support (each
    rejected reply is counted by claim kind). Raises LlmUnavailable."""
    messages = [{"role": "system", "content": grounded_prompt(settings, plan, variant_instructions, draft)}]
    for turn in history[-HISTORY_FOR_LLM:]:
        messages.append({"role": "user" if turn["role"] == "user" else "assistant", "content": turn["text"]})
    messages.append({"role": "user", "content": joined})
    completion = await writer.complete(endpoint, messages, settings.llm.temperature, settings.llm.max_tokens, channel)
    claims = unsupported_claims(completion.text, plan, catalog)
    if claims:
        FALLBACKS.labels(channel, "guardrail").inc()
        for kind in sorted({c.kind for c in claims}):
            LLM_REPLIES_REJECTED.labels(channel, kind).inc()
    return completion.text, claims
