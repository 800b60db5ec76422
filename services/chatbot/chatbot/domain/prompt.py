"""The system prompt for the LLM: the seller's persona and rules, grounded in the catalog and config."""

from __future__ import annotations

from itertools import chain, islice

from chatbot.domain.answer_plan import AnswerPlan
from chatbot.domain.catalog import Catalog, Product
from chatbot.domain.config import BotSettings
from chatbot.domain.money import format_brl

MAX_PRODUCTS_IN_PROMPT = 25
TONES = {
    "friendly": "simpático e acolhedor",
    "formal": "cordial e formal",
    "casual": "descontraído, como numa conversa de WhatsApp",
    "enthusiastic": "animado e entusiasmado",
}


def system_prompt(
    settings: BotSettings, catalog: Catalog, focus: Product | None, variant_instructions: str, draft_answer: str
) -> str:
    policies = settings.policies
    lines = [
        settings.persona,
        f"Loja: {settings.store_name}. Tom: {TONES.get(settings.tone.value, settings.tone.value)}.",
        "Responda sempre em português do Brasil, em no máximo 3 frases curtas, sem markdown.",
        "REGRAS: use apenas os fatos abaixo. Nunca invente preço, estoque, prazo, frete, forma de pagamento "
        "ou política. Se a informação não estiver abaixo, diga que vai confirmar com a equipe.",
        "Escreva valores no formato R$ 49,90, exatamente como no catálogo.",
    ]
    if variant_instructions:
        lines.append(f"Instruções de estilo: {variant_instructions}")
    lines.append("POLÍTICAS:")
    lines.append(f"- Frete/envio: {policies.shipping or 'não informado'}")
    lines.append(f"- Trocas/devoluções: {policies.returns or 'não informado'}")
    lines.append(f"- Pagamento: {', '.join(policies.payment_methods) or 'não informado'} {policies.installments}")
    if policies.warranty:
        lines.append(f"- Garantia: {policies.warranty}")
    lines.append("CATÁLOGO:")
    others = (p for p in catalog.products if p is not focus)
    for product in islice(chain([focus] if focus else [], others), MAX_PRODUCTS_IN_PROMPT):
        lines.append(_product_line(product))
    if not catalog.products:
        lines.append("- (catálogo vazio)")
    if draft_answer:
        lines.append(f"RESPOSTA VERIFICADA (reescreva no seu tom, mantendo os fatos): {draft_answer}")
    return "\n".join(lines)


def _product_line(p: Product) -> str:
    stock = f"{p.stock} em estoque" if p.in_stock else "esgotado"
    parts = [f"- {p.name} (SKU {p.sku}): {format_brl(p.price)}; {stock}"]
    if p.variants:
        parts.append(f"opções: {', '.join(p.variants)}")
    if p.description:
        parts.append(p.description[:300])
    if p.shipping_policy:
        parts.append(f"envio: {p.shipping_policy}")
    if p.return_policy:
        parts.append(f"trocas: {p.return_policy}")
    return "; ".join(parts)


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
