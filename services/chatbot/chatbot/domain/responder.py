"""The offline pt-BR responder: intent + catalog facts + templates. It states only what the catalog and
config say, so it is both the answer when no LLM is configured and the fallback when the LLM fails."""

from __future__ import annotations

from dataclasses import dataclass, field

from chatbot.domain.catalog import Catalog, Product
from chatbot.domain.config import BotSettings
from chatbot.domain.intents import Intent
from chatbot.domain.money import format_brl
from chatbot.domain.order_slots import OrderDraft, Slot, summary

LISTED_PRODUCTS = 6


@dataclass
class ReplyFacts:
    intents: list[Intent]
    catalog: Catalog
    settings: BotSettings
    product: Product | None = None
    contact_name: str = ""
    out_of_hours: bool = False
    order: OrderDraft | None = None
    order_next: Slot | None = None
    order_number: str = ""
    extra: list[str] = field(default_factory=list)


def offline_reply(facts: ReplyFacts) -> str:
    intents = _answerable(facts.intents)
    parts: list[str] = []
    if facts.out_of_hours:
        parts.append(facts.settings.out_of_hours_message
                     or "Estamos fora do horário de atendimento agora, mas já vou adiantando por aqui.")
    if Intent.GREETING in facts.intents and len(intents) > 1:
        parts.append(_hello(facts, short=True))
    for intent in intents:
        if intent is Intent.GREETING and len(intents) > 1:
            continue
        parts.append(_ANSWERS[intent](facts))
    return " ".join(p for p in parts if p).strip()


def _answerable(intents: list[Intent]) -> list[Intent]:
    seen: list[Intent] = []
    for intent in intents:
        if intent not in seen:
            seen.append(intent)
    if len(seen) > 1 and Intent.OTHER in seen:
        seen.remove(Intent.OTHER)
    if Intent.PURCHASE in seen:  # slot filling asks its own questions; price/payment answers fold into it
        seen = [i for i in seen if i not in (Intent.PAYMENT, Intent.AVAILABILITY)]
    greeting = [Intent.GREETING] if Intent.GREETING in seen else []
    return greeting + [i for i in seen if i is not Intent.GREETING][:3]


def _name(facts: ReplyFacts) -> str:
    first = facts.contact_name.split()[0] if facts.contact_name.strip() else ""
    return f", {first}" if first else ""


def _hello(facts: ReplyFacts, short: bool = False) -> str:
    if short:
        return f"Olá{_name(facts)}!"
    if facts.settings.greeting:
        return facts.settings.greeting
    return f"Olá{_name(facts)}! 👋 Aqui é da {facts.settings.store_name}. Como posso te ajudar?"


def _product_list(catalog: Catalog, with_prices: bool) -> str:
    products = catalog.products[:LISTED_PRODUCTS]
    items = [f"{p.name} ({format_brl(p.price)})" if with_prices else p.name for p in products]
    more = " e outros" if len(catalog.products) > LISTED_PRODUCTS else ""
    return ", ".join(items) + more


def _price(facts: ReplyFacts) -> str:
    p = facts.product
    if p:
        stock = "" if p.in_stock else " No momento ele está esgotado."
        return f"O {p.name} está por {format_brl(p.price)}.{stock}"
    if not facts.catalog.products:
        return "Ainda não tenho os preços cadastrados aqui; vou pedir para a equipe te passar o valor certinho."
    if len(facts.catalog.products) <= LISTED_PRODUCTS:
        return f"Nossos preços: {_product_list(facts.catalog, with_prices=True)}. De qual você gostou?"
    return f"De qual produto você quer saber o preço? Temos {_product_list(facts.catalog, False)}."


def _availability(facts: ReplyFacts) -> str:
    p = facts.product
    if p:
        if p.in_stock:
            return f"Temos sim! O {p.name} está disponível ({p.stock} em estoque)."
        return f"No momento o {p.name} está esgotado. Quer que eu te avise quando voltar?"
    available = [x for x in facts.catalog.products if x.in_stock]
    if not available:
        return "Vou confirmar a disponibilidade com a equipe e já te retorno."
    names = ", ".join(x.name for x in available[:LISTED_PRODUCTS])
    return f"Qual produto você procura? Temos disponível agora: {names}."


def _product_info(facts: ReplyFacts) -> str:
    p = facts.product
    if p:
        if p.description:
            return f"Sobre o {p.name}: {p.description}"
        return (f"O {p.name} sai por {format_brl(p.price)}. Ainda não tenho mais detalhes cadastrados, "
                "mas posso pedir para a equipe te responder.")
    if not facts.catalog.products:
        return "Me conta qual produto te interessou que eu confirmo os detalhes com a equipe."
    return f"Qual produto te interessou? Temos {_product_list(facts.catalog, False)}."


def _shipping(facts: ReplyFacts) -> str:
    policy = (facts.product.shipping_policy if facts.product else "") or facts.settings.policies.shipping
    if policy:
        return f"Sobre o envio: {policy}"
    return ("Ainda não tenho as condições de frete cadastradas aqui. Me passa seu CEP que a equipe "
            "confirma o valor e o prazo para você.")


def _payment(facts: ReplyFacts) -> str:
    policies = facts.settings.policies
    if not policies.payment_methods:
        return "Vou confirmar com a equipe as formas de pagamento disponíveis e já te aviso."
    text = f"Aceitamos {', '.join(policies.payment_methods)}."
    return f"{text} {policies.installments}".strip()


def _order_status(facts: ReplyFacts) -> str:
    if facts.order_number:
        return (f"Obrigado! Vou passar o pedido {facts.order_number} para a equipe verificar "
                "e te retornamos por aqui.")
    return "Para eu verificar seu pedido, me envia o número do pedido, por favor."


def _returns(facts: ReplyFacts) -> str:
    policy = (facts.product.return_policy if facts.product else "") or facts.settings.policies.returns
    if policy:
        return f"Sobre trocas e devoluções: {policy}"
    return "Vou verificar com a equipe como fica a troca/devolução no seu caso e já te retorno."


def _complaint(_: ReplyFacts) -> str:
    return ("Sinto muito pelo transtorno 😔 Me conta o que aconteceu (se puder, com o número do pedido "
            "e uma foto) que eu resolvo com a equipe.")


def _human(_: ReplyFacts) -> str:
    return "Claro! Vou te transferir para um atendente humano. Aguarde só um instante, por favor 🙏"


def _purchase(facts: ReplyFacts) -> str:
    draft = facts.order or OrderDraft()
    product = facts.catalog.by_id(draft.product_id)
    slot = facts.order_next
    if slot is Slot.PRODUCT:
        if not facts.catalog.products:
            return "Que ótimo! Vou chamar a equipe para fechar seu pedido."
        return f"Que ótimo! Qual produto você quer? Temos {_product_list(facts.catalog, with_prices=True)}."
    if slot is Slot.VARIANT and product:
        return f"Ótima escolha! Qual opção do {product.name} você prefere: {', '.join(product.variants)}?"
    if slot is Slot.CEP:
        return f"Perfeito, {draft.quantity}x {draft.product_name}. Qual o CEP para entrega?"
    if slot is Slot.PAYMENT:
        methods = facts.settings.policies.payment_methods
        options = f" Aceitamos {', '.join(methods)}." if methods else ""
        return f"Anotado! Como você prefere pagar?{options}"
    return f"Pedido anotado! ✅\n{summary(draft)}\nVou passar para a equipe finalizar com você."


def _thanks(_: ReplyFacts) -> str:
    return "Eu que agradeço! Qualquer coisa é só chamar 😊"


def _other(_: ReplyFacts) -> str:
    return ("Desculpe, não entendi bem. Posso te ajudar com preços, estoque, frete, formas de pagamento "
            "ou com o seu pedido.")


_ANSWERS = {
    Intent.GREETING: _hello,
    Intent.PRICE: _price,
    Intent.AVAILABILITY: _availability,
    Intent.PRODUCT_INFO: _product_info,
    Intent.SHIPPING: _shipping,
    Intent.PAYMENT: _payment,
    Intent.ORDER_STATUS: _order_status,
    Intent.RETURNS: _returns,
    Intent.COMPLAINT: _complaint,
    Intent.HUMAN: _human,
    Intent.PURCHASE: _purchase,
    Intent.THANKS_BYE: _thanks,
    Intent.OTHER: _other,
}


def handoff_message(reason: str) -> str:
    """What the bot says as it steps aside."""
    from chatbot.domain.handoff import HandoffReason

    if reason == HandoffReason.REPEATED_COMPLAINT:
        return ("Sinto muito mesmo pelo transtorno 😔 Já chamei uma pessoa da equipe para resolver isso com "
                "você pessoalmente. Ela te responde por aqui em instantes.")
    if reason in (HandoffReason.TOO_MANY_FALLBACKS, HandoffReason.ANSWER_LOOP):
        return "Acho que não estou conseguindo te ajudar direito por aqui. Vou chamar alguém da equipe 🙏"
    return _human(ReplyFacts([], Catalog(), BotSettings()))
