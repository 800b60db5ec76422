"""What a reply may claim: prices, stock and policies only as the catalog and config state them,
and never the same answer over and over."""

from __future__ import annotations

import re
from decimal import Decimal
from functools import lru_cache

from chatbot.domain.catalog import Catalog
from chatbot.domain.config import BotSettings
from chatbot.domain.money import amounts_in
from chatbot.domain.text import fold

_STOCK = re.compile(r"\b(\d+)\s*(?:unidades|unidade|pecas|peças|itens|em estoque)\b", re.IGNORECASE)
_SENTENCES = re.compile(r"(?<=[.!?\n])\s+")
_POLICY_TOPICS: dict[str, tuple[str, ...]] = {
    "returns": ("devolucao", "reembolso", "estorno", "troca gratis", "dias para troca", "dias para devol"),
    "shipping": ("frete gratis", "frete e gratis", "entrega gratis", "prazo de entrega e", "dias uteis"),
    "payment": ("parcel", "sem juros", "boleto", "cartao", "pix"),
    "warranty": ("garantia de",),
}


def ungrounded_claims(
    reply: str, catalog: Catalog, settings: BotSettings, known_amounts: set[Decimal] | None = None
) -> list[str]:
    """The claims in `reply` that nothing the seller wrote supports (empty list = safe to send)."""
    problems: list[str] = []
    policy_text = _policy_text(catalog, settings)
    policy_amounts = amounts_in(policy_text)
    allowed_amounts = {p.price.quantize(Decimal("0.01")) for p in catalog.products} | (known_amounts or set())
    allowed_amounts |= policy_amounts
    for amount in sorted(amounts_in(reply) - allowed_amounts):
        problems.append(f"price {amount} is not in the catalog")
    extra = (known_amounts or set()) | policy_amounts
    for sentence in _SENTENCES.split(reply):
        match = catalog.find(sentence)
        if match is None:
            continue
        own = {match.product.price.quantize(Decimal("0.01"))} | extra
        for amount in sorted(amounts_in(sentence) - own):
            if amount in allowed_amounts:
                problems.append(f"price {amount} belongs to another product, not {match.product.name}")
    allowed_stock = {p.stock for p in catalog.products}
    for stock in _STOCK.finditer(reply):
        if int(stock.group(1)) not in allowed_stock:
            problems.append(f"stock {stock.group(1)} is not in the catalog")
    folded_reply = fold(reply)
    sources = _fold_policies(policy_text)
    for topic, phrases in _POLICY_TOPICS.items():
        for phrase in phrases:
            if phrase in folded_reply and phrase not in sources and not _topic_configured(topic, catalog, settings):
                problems.append(f"{topic} policy '{phrase}' is not configured")
                break
    return problems


# The seller's policy text (every product's policies and descriptions) is the same turn after turn until
# the catalog or config changes; folding it character by character on every reply grew with the catalog.
_fold_policies = lru_cache(maxsize=256)(fold)


def _topic_configured(topic: str, catalog: Catalog, settings: BotSettings) -> bool:
    policies = settings.policies
    if topic == "returns":
        return bool(policies.returns or any(p.return_policy for p in catalog.products))
    if topic == "shipping":
        return bool(policies.shipping or any(p.shipping_policy for p in catalog.products))
    if topic == "payment":
        return bool(policies.payment_methods or policies.installments)
    return bool(policies.warranty)


def _policy_text(catalog: Catalog, settings: BotSettings) -> str:
    p = settings.policies
    parts = [p.shipping, p.returns, p.installments, p.warranty, " ".join(p.payment_methods)]
    for product in catalog.products:
        parts += [product.shipping_policy, product.return_policy, product.description]
    parts += [entry.answer for entry in settings.faq_cache.entries]
    return "\n".join(parts)


def is_repetition(reply: str, recent_bot_replies: list[str]) -> bool:
    """The same answer as one of the last bot replies (the customer is stuck in a loop)."""
    folded = fold(reply)
    return bool(folded) and any(fold(previous) == folded for previous in recent_bot_replies[-2:])
