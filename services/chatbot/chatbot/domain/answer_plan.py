"""An answer plan: what a reply must say, as facts fetched for it (products, variants, stock, policies, an
order), before any wording. The offline responder words it; the LLM is given only its facts, and a reply
that states anything else is rejected."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum

from chatbot.domain.catalog import Product
from chatbot.domain.entities import Topic
from chatbot.domain.money import amounts_in, format_brl
from chatbot.domain.order_slots import OrderDraft, Slot
from chatbot.domain.orders import OrderInfo

_DAYS = re.compile(r"\b(\d{1,3})\s*(?:a\s*\d{1,3}\s*)?dias?\b")


class AnswerKind(StrEnum):
    HELLO = "hello"
    OUT_OF_HOURS = "out_of_hours"
    PRICE = "price"
    STOCK = "stock"
    VARIANTS = "variants"
    DETAILS = "details"
    WHICH_PRODUCT = "which_product"  # a product question without a product: ask which, listing them
    UNKNOWN_PRODUCT = "unknown_product"  # the shop does not sell it
    UNAVAILABLE_PRODUCT = "unavailable_product"  # the shop had it (deactivated): not available at the moment
    POLICY = "policy"
    ORDER_STATUS = "order_status"
    ASK_ORDER_NUMBER = "ask_order_number"
    PURCHASE = "purchase"
    PURCHASE_UNAVAILABLE = "purchase_unavailable"
    ORDER_CANCELLED = "order_cancelled"  # the buyer gave up the order in progress
    RESTOCK_NOTICE = "restock_notice"  # the buyer will be told when a sold-out product is back
    HOURS = "hours"  # when the shop's team answers (business hours)
    DISCOUNT = "discount"  # no discount or coupon is configured: the catalog prices stand
    COMPLAINT = "complaint"
    HANDOFF = "handoff"
    THANKS = "thanks"
    NOT_UNDERSTOOD = "not_understood"


@dataclass(frozen=True)
class Answer:
    kind: AnswerKind
    topic: Topic | None = None
    product: Product | None = None
    products: tuple[Product, ...] = ()  # alternatives in stock, or the list to choose from
    variant: str = ""  # the variant or colour asked about
    has_variant: bool = False  # whether the product comes in it
    text: str = ""  # a policy's text, the unknown product's name, the handoff reason
    order: OrderDraft | None = None
    slot: Slot | None = None
    order_info: OrderInfo | None = None
    confirmed: str = ""  # "yes" / "no": a yes/no question the facts answer ("tem frete grátis?")
    again: bool = False  # STOCK/VARIANTS of a product just said sold out: said shortly, without the list again
    quantity: int = 0  # PRICE: how many the buyer asked the price of ("quanto fica 3?"), 0 = one
    withdrawn: Product | None = None  # UNAVAILABLE_PRODUCT's product: only its name is a fact (no price, stock)


@dataclass
class AnswerPlan:
    answers: list[Answer] = field(default_factory=list)
    contact_name: str = ""
    payment_methods: tuple[str, ...] = ()
    installments: str = ""

    @property
    def kinds(self) -> list[AnswerKind]:
        return [a.kind for a in self.answers]

    def products(self) -> list[Product]:
        seen: dict[str, Product] = {}
        for answer in self.answers:
            for product in ([answer.product] if answer.product else []) + list(answer.products):
                seen.setdefault(product.id, product)
        return list(seen.values())

    def policies(self) -> dict[Topic, str]:
        found = {a.topic: a.text for a in self.answers if a.kind is AnswerKind.POLICY and a.topic and a.text}
        if any(a.kind is AnswerKind.PURCHASE and a.slot is Slot.PAYMENT for a in self.answers):
            found.setdefault(Topic.PAYMENT, "")
        return found

    def facts(self) -> list[str]:
        """The facts an LLM may use, one per line (nothing else about the shop is given to it)."""
        lines = [_product_fact(p) for p in self.products()]
        for topic, text in self.policies().items():
            if topic is Topic.PAYMENT:
                methods = ", ".join(self.payment_methods) or "não informado"
                lines.append(f"Pagamento: {methods}. {self.installments}".strip())
            else:
                lines.append(f"{_POLICY_NAMES[topic]}: {text}")
        for answer in self.answers:
            if answer.kind is AnswerKind.UNKNOWN_PRODUCT:
                lines.append(f"A loja NÃO vende: {answer.text}")
            if answer.withdrawn is not None:
                lines.append(f"Indisponível no momento (NÃO informe preço nem estoque; não diga que a loja não "
                             f"vende): {answer.withdrawn.name}")
            if answer.kind is AnswerKind.POLICY and not answer.text and answer.topic is not Topic.PAYMENT:
                lines.append(f"{_POLICY_NAMES.get(answer.topic or Topic.SHIPPING, 'Política')}: não informado "
                             "(diga que vai confirmar com a equipe)")
            if answer.order_info is not None:
                info = answer.order_info
                lines.append(_order_fact(info))
            if answer.order and answer.order.unit_price:
                lines.append(f"Pedido em montagem: {answer.order.quantity}x {answer.order.product_name}, total "
                             f"{format_brl(answer.order.total)} sem frete")
            if answer.kind is AnswerKind.PRICE and answer.product and answer.quantity > 1:
                lines.append(f"{answer.quantity}x {answer.product.name}: total "
                             f"{format_brl(answer.product.price * answer.quantity)} sem frete")
            if answer.kind is AnswerKind.HOURS:
                lines.append(f"Horário de atendimento da equipe: {answer.text}")
            if answer.kind is AnswerKind.RESTOCK_NOTICE and answer.product:
                lines.append(f"Aviso de volta ao estoque anotado para: {answer.product.name} (a equipe avisa)")
        return lines

    def allowed_amounts(self) -> set[Decimal]:
        amounts = {p.price.quantize(Decimal("0.01")) for p in self.products()}
        for answer in self.answers:
            if answer.order and answer.order.unit_price:
                amounts.add(answer.order.total.quantize(Decimal("0.01")))
            if answer.kind is AnswerKind.PRICE and answer.product and answer.quantity > 1:
                amounts.add((answer.product.price * answer.quantity).quantize(Decimal("0.01")))
        for text in self.policy_texts():
            amounts |= amounts_in(text)
        return amounts

    def allowed_stock(self) -> set[int]:
        return {p.stock for p in self.products() if p.in_stock}

    def allowed_days(self) -> set[int]:
        days: set[int] = set()
        for text in self.policy_texts():
            for match in re.finditer(r"\d{1,3}", " ".join(m.group(0) for m in _DAYS.finditer(text.lower()))):
                days.add(int(match.group(0)))
        return days

    def policy_texts(self) -> list[str]:
        texts = [t for t in self.policies().values() if t]
        if Topic.PAYMENT in self.policies():
            texts += [" ".join(self.payment_methods), self.installments]
        texts += [p.description for p in self.products() if p.description]
        return texts


_POLICY_NAMES = {
    Topic.SHIPPING: "Frete e entrega", Topic.RETURNS: "Trocas e devoluções", Topic.WARRANTY: "Garantia",
    Topic.PAYMENT: "Pagamento",
}


def _product_fact(p: Product) -> str:
    stock = f"{p.stock} em estoque" if p.in_stock else "ESGOTADO (não ofereça como disponível)"
    parts = [f"{p.name}: {format_brl(p.price)}; {stock}"]
    if p.variants:
        parts.append(f"opções: {', '.join(p.variants)}")
    if p.description:
        parts.append(p.description[:300])
    return "; ".join(parts)


def _order_fact(info: OrderInfo) -> str:
    if info.hidden:  # another buyer's order: not even its status
        return (f"Pedido {info.number}: NÃO dê nenhuma informação dele; peça o CEP de entrega ou o nome de quem "
                "comprou para confirmar")
    if not info.known:
        return f"Pedido {info.number}: status indisponível por aqui (ofereça chamar uma pessoa)"
    facts = [f"Pedido {info.number}: {info.status}"]
    facts += [f"{label}: {value}" for label, value in (
        ("última atualização", info.last_event), ("transportadora", info.carrier),
        ("código de rastreio", info.tracking_code), ("link de rastreio", info.tracking_url)) if value]
    return "; ".join(facts)
