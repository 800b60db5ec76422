"""Order slot filling: product, variant/size, quantity, CEP and payment, asked one at a time."""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from decimal import Decimal
from enum import StrEnum
from typing import Any

from chatbot.domain.catalog import Catalog, Product, same_word
from chatbot.domain.entities import spec_key, stem, variant_in
from chatbot.domain.money import format_brl
from chatbot.domain.text import fold

_CEP = re.compile(r"\b(\d{5})-?(\d{3})\b")
_QUANTITY = re.compile(r"\b(\d{1,2})\s*(?:un|unidades?|pecas?|x|kits?)?\b")
_WORD_NUMBERS = {"um": 1, "uma": 1, "dois": 2, "duas": 2, "tres": 3, "quatro": 4, "cinco": 5}
PAYMENT_SYNONYMS: dict[str, tuple[str, ...]] = {
    "pix": ("pix",),
    "cartão de crédito": ("cartao", "credito", "parcel"),
    "cartão de débito": ("debito",),
    "boleto": ("boleto",),
    "dinheiro": ("dinheiro", "especie"),
}


class Slot(StrEnum):
    PRODUCT = "product"
    VARIANT = "variant"
    CEP = "cep"
    PAYMENT = "payment"


@dataclass
class OrderDraft:
    product_id: str = ""
    product_name: str = ""
    unit_price: str = ""
    quantity: int = 1
    variant: str = ""
    cep: str = ""
    payment: str = ""
    asked: str = ""  # the slot the bot asked for last

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None) -> OrderDraft | None:
        return cls(**data) if data else None

    @property
    def total(self) -> Decimal:
        return Decimal(self.unit_price or "0") * self.quantity


def fill(draft: OrderDraft, text: str, catalog: Catalog, payment_methods: list[str],
         switch_product: bool = True) -> OrderDraft:
    """Take every slot value the message gives. A variant is one of the product's own (spelled in any gender
    or number, with a typo): anything else said while the variant is asked is never stored as one. Another
    product named replaces the draft's only when `switch_product` (the buyer asked to buy it)."""
    folded = fold(text)
    match = catalog.find(text)
    if match and (switch_product or not draft.product_id):
        _set_product(draft, match.product)
    elif not draft.product_id and len(catalog.products) == 1:
        _set_product(draft, catalog.products[0])
    product = catalog.by_id(draft.product_id)
    cep = _CEP.search(text)
    if cep:
        draft.cep = f"{cep.group(1)}-{cep.group(2)}"
    rest = folded.replace(fold(cep.group(0)), " ") if cep else folded
    own = _without_name_numbers(rest, product)
    quantity = _quantity_in(own) or _counted_product(own, product)
    if quantity and product is not None and draft.asked == Slot.VARIANT and rest.strip() in map(fold, product.variants):
        quantity = 0  # "40" while the size is asked: the size
    if quantity:
        draft.quantity = quantity
    if product and product.variants and not draft.variant:
        draft.variant = variant_answer(rest, product, asked=draft.asked == Slot.VARIANT)
    payment = _payment_in(folded, payment_methods, question="?" in text)
    if payment:
        draft.payment = payment
    return draft


def variant_answer(folded: str, product: Product, asked: bool) -> str:
    """The product's variant the text names, in the catalog's spelling, or "". When the variant was just asked,
    a bare option ("M", "o 40", "as pretas") or a typo of one ("tranparente") counts too."""
    named = variant_in(folded, product)
    if named or not asked:
        return named
    words = [w for w in folded.split() if w not in _FILLER]
    for variant in product.variants:
        key = fold(variant)
        if key in words or (spec_key(key) and spec_key(key) == spec_key(" ".join(words))):
            return variant
        number = re.match(r"\d+", key)  # "220" for "220V"
        if number and number.group(0) != key and number.group(0) in words:
            return variant
    stems = {stem(w) for w in words}
    for variant in product.variants:
        parts = fold(variant).split()
        if parts and all(stem(p) in stems or any(len(p) > 4 and same_word(p, w) for w in words) for p in parts):
            return variant
    return ""


_FILLER = frozenset(("o", "a", "os", "as", "um", "uma", "de", "do", "da", "no", "na", "cor", "tamanho", "numero",
                     "quero", "prefiro", "pode", "ser", "vou", "querer", "levar", "e", "mesmo", "sim", "esse",
                     "essa", "opcao"))


def next_slot(draft: OrderDraft, catalog: Catalog) -> Slot | None:
    product = catalog.by_id(draft.product_id)
    if product is None:
        return Slot.PRODUCT
    if product.variants and not draft.variant:
        return Slot.VARIANT
    if not draft.cep:
        return Slot.CEP
    if not draft.payment:
        return Slot.PAYMENT
    return None


def summary(draft: OrderDraft) -> str:
    lines = [
        f"Produto: {draft.product_name}",
        *( [f"Variação: {draft.variant}"] if draft.variant else []),
        f"Quantidade: {draft.quantity}",
        f"Valor: {format_brl(draft.unit_price or 0)} cada, total {format_brl(draft.total)} (sem frete)",
        f"CEP de entrega: {draft.cep}",
        f"Pagamento: {draft.payment}",
    ]
    return "\n".join(lines)


def _set_product(draft: OrderDraft, product: Product) -> None:
    if draft.product_id != product.id:
        draft.variant = ""
    draft.product_id, draft.product_name, draft.unit_price = product.id, product.name, str(product.price)


def _counted_product(folded: str, product: Product | None) -> int:
    """"preciso de 5 tapetes", "2 shampoos": a number before a word of the product's name or synonyms."""
    if product is None:
        return 0
    terms = {t for phrase in (product.name, *product.synonyms) for t in fold(phrase).split() if len(t) > 3}
    for match in re.finditer(r"\b(\d{1,2}|dois|duas|tres|quatro|cinco)\s+(\w+)", folded):
        if any(same_word(t, match.group(2)) for t in terms):
            value = int(match.group(1)) if match.group(1).isdigit() else _WORD_NUMBERS[match.group(1)]
            return value if 0 < value <= 99 else 0
    return 0


def _without_name_numbers(folded: str, product: Product | None) -> str:
    """The text without the numbers the product's name has ("Tapetes Higiênicos (30 unidades)", "Jogo de Panelas
    5 peças", "kit 3"): the name's "30 unidades" is not an order of 30."""
    if product is None:
        return folded
    name = fold(product.name).replace("(", " ").replace(")", " ").split()
    for i, word in enumerate(name):
        if any(c.isdigit() for c in word):
            around = [*name[max(0, i - 1):i], word, *name[i + 1:i + 2]]
            for phrase in (" ".join(around[-2:]), " ".join(around[:2]), word):
                folded = re.sub(rf"\b{re.escape(phrase)}\b", " ", folded) if len(phrase.split()) > 1 else folded
    return folded


def _quantity_in(folded: str) -> int:
    text = _INSTALMENTS.sub(" ", folded)  # "em 3x fica quanto?", "parcela em 6 vezes": instalments, not units
    for word, value in _WORD_NUMBERS.items():
        if re.search(rf"\b(quero|levar|levo|manda|vou querer|comprar|pedir)\s+(?:comprar\s+|levar\s+)?{word}\b", text):
            return value
    match = re.search(r"\b(\d{1,2})\s*(?:un|unidades?|pecas?|kits?|x|sacos?|pacotes?|caixas?|potes?|frascos?"
                      r"|pares?|rolos?|latas?|garrafas?|fardos?)\b", text) or re.fullmatch(
        r"\s*(\d{1,2})\s*(?:por favor)?\s*", text) or re.search(
        r"\b(?:quero|levar|levo|manda|querer|comprar|pedir|pode ser|serao|sao|me ve|me da)\s+"
        r"(?:comprar\s+|levar\s+|pedir\s+)?(?:os\s+|as\s+)?(\d{1,2})\b", text)
    return int(match.group(1)) if match and 0 < int(match.group(1)) <= 99 else 0


_INSTALMENTS = re.compile(r"\b(?:em|de|no|com)\s+(\d{1,2})\s*(?:x|vezes)\b"
                          r"|\b\d{1,2}\s*(?:x|vezes)\s+(?:sem|com)\s+juros"
                          r"|\bparcel\w*(?: \w+){0,2} \d{1,2}\s*(?:x|vezes)?\b")


def _payment_in(folded: str, allowed: list[str], question: bool = False) -> str:
    if re.search(r"\bparcel\w*", folded) and (question or "quant" in folded):
        folded = re.sub(r"\bparcel\w*", " ", folded)  # "parcela?", "parcela em quantas vezes": a question, no choice
    for method, stems in PAYMENT_SYNONYMS.items():
        if any(stem in folded for stem in stems):
            configured = [m for m in allowed if any(stem in fold(m) for stem in stems)]
            if allowed and not configured:
                return ""
            return configured[0] if configured else method
    return ""
