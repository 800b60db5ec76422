"""The system prompt for the LLM: the seller's persona and rules, and only the facts planned for the answer."""

from __future__ import annotations

from chatbot.domain.answer_plan import AnswerPlan
from chatbot.domain.config import BotSettings

TONES = {
    "friendly": "simpático e acolhedor",
    "formal": "cordial e formal",
    "casual": "descontraído, como numa conversa de WhatsApp",
    "enthusiastic": "animado e entusiasmado",
}


def grounded_prompt(settings: BotSettings, plan: AnswerPlan, variant_instructions: str, draft_answer: str) -> str:
    """The LLM sees the shop's persona and tone and only the facts planned for this answer."""
    lines = [
        settings.persona,
        f"Loja: {settings.store_name}. Tom: {TONES.get(settings.tone.value, settings.tone.value)}.",
        "Responda sempre em português do Brasil, em no máximo 3 frases curtas, sem markdown.",
        "REGRAS: use apenas os FATOS abaixo. Nunca invente preço, estoque, prazo, frete, forma de pagamento, "
        "garantia ou política. Nunca diga que um produto ESGOTADO está disponível. Se a informação não estiver "
        "nos fatos, diga que vai confirmar com a equipe.",
        "Escreva valores no formato R$ 49,90, exatamente como nos fatos.",
    ]
    if variant_instructions:
        lines.append(f"Instruções de estilo: {variant_instructions}")
    lines.append("FATOS:")
    lines += [f"- {fact}" for fact in plan.facts()] or ["- (nenhum fato além da conversa)"]
    if draft_answer:
        lines.append(f"RESPOSTA VERIFICADA (reescreva no seu tom, mantendo os fatos): {draft_answer}")
    return "\n".join(lines)
