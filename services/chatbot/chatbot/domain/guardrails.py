"""What a reply may claim: prices, stock, deadlines and policies only as the planned facts state them, and
never the same answer over and over."""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

from chatbot.domain.answer_plan import AnswerPlan
from chatbot.domain.catalog import Catalog
from chatbot.domain.money import amounts_in
from chatbot.domain.text import fold

_STOCK = re.compile(r"\b(\d+)\s*(?:unidades|unidade|pecas|peças|itens|em estoque)\b", re.IGNORECASE)
_SENTENCES = re.compile(r"(?<=[.!?\n])\s+")
_POLICY_TOPICS: dict[str, tuple[str, ...]] = {
    "returns": ("devolucao", "reembolso", "estorno", "troca gratis", "dias para troca", "dias para devol"),
    "shipping": ("frete gratis", "frete e gratis", "entrega gratis", "prazo de entrega e", "dias uteis"),
    "payment": ("parcel", "sem juros", "boleto", "cartao", "pix"),
    "warranty": ("garantia de", "de garantia"),
}


def is_repetition(reply: str, recent_bot_replies: list[str]) -> bool:
    """The same answer as one of the last bot replies (the customer is stuck in a loop)."""
    folded = fold(reply)
    return bool(folded) and any(fold(previous) == folded for previous in recent_bot_replies[-2:])


@dataclass(frozen=True)
class Claim:
    kind: str  # price | stock | deadline | policy
    detail: str


_DEADLINE = re.compile(r"\b(\d{1,3})\s*(?:a\s*\d{1,3}\s*)?(?:dias?|horas?)\b")
_VAGUE_DEADLINE = re.compile(r"\b(?:chega|chegam|entrega|entregamos|envia|enviamos|sai|despacha\w*)\s+(?:ja\s+)?"
                             r"(?:amanha|hoje|no mesmo dia|em 24 ?h)\b")
_IN_STOCK_WORDS = re.compile(r"\b(disponivel|disponiveis|em estoque|pronta entrega|temos sim|tem sim)\b")
_SOLD_OUT_WORDS = re.compile(r"\b(esgotad\w*|indisponivel|sem estoque|nao temos|acabou|em falta)\b")


def unsupported_claims(reply: str, plan: AnswerPlan, catalog: Catalog) -> list[Claim]:
    """Every price, stock, deadline or policy the reply states that the plan's facts do not (empty = send it)."""
    claims: list[Claim] = []
    allowed = plan.allowed_amounts()
    for amount in sorted(amounts_in(reply) - allowed):
        claims.append(Claim("price", f"{amount} is not in the facts"))
    own_extra = allowed - {p.price.quantize(Decimal("0.01")) for p in catalog.products}
    for sentence in _SENTENCES.split(reply):
        match = catalog.find(sentence)
        if match is None:
            continue
        product = match.product
        for amount in sorted(amounts_in(sentence) - {product.price.quantize(Decimal("0.01"))} - own_extra):
            if amount in allowed:
                claims.append(Claim("price", f"{amount} belongs to another product, not {product.name}"))
        folded = fold(sentence)
        if not product.in_stock and _IN_STOCK_WORDS.search(folded) and not _SOLD_OUT_WORDS.search(folded):
            claims.append(Claim("stock", f"{product.name} is sold out"))
    allowed_stock = plan.allowed_stock()
    for stock in _STOCK.finditer(reply):
        if int(stock.group(1)) not in allowed_stock:
            claims.append(Claim("stock", f"{stock.group(1)} units is not in the facts"))
    folded_reply = fold(reply)
    policy_sources = fold(" ".join(plan.policy_texts()))
    days = plan.allowed_days()
    for deadline in _DEADLINE.finditer(folded_reply):
        if int(deadline.group(1)) not in days:
            claims.append(Claim("deadline", deadline.group(0)))
    vague = _VAGUE_DEADLINE.search(folded_reply)
    if vague and vague.group(0) not in policy_sources:
        claims.append(Claim("deadline", vague.group(0)))
    planned = {topic.value for topic in plan.policies()}
    for topic, phrases in _POLICY_TOPICS.items():
        for phrase in phrases:
            if phrase in folded_reply and phrase not in policy_sources and topic not in planned:
                claims.append(Claim("policy", f"{topic}: '{phrase}'"))
                break
    return claims
