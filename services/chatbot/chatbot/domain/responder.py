"""The offline pt-BR responder: words an answer plan with the shop's tone. It states only the plan's facts, so
it is both the answer when no LLM is configured and the fallback when the LLM's reply is rejected."""

from __future__ import annotations

from collections.abc import Callable

from chatbot.domain.answer_plan import Answer, AnswerKind, AnswerPlan
from chatbot.domain.catalog import Product
from chatbot.domain.config import BotSettings, Tone
from chatbot.domain.entities import Topic
from chatbot.domain.handoff import HandoffReason
from chatbot.domain.order_slots import Slot, summary
from chatbot.domain.orders import OrderAccess
from chatbot.domain.wording import agree, continue_with, counted, join, money, of, paragraph, pronoun, sentence, the

LISTED_PRODUCTS = 6
CATALOG_LISTED = 15  # "o que vocês vendem?" lists this many
# The tone changes the words around the facts, never the facts.
_YES = {Tone.FRIENDLY: "Temos sim!", Tone.FORMAL: "Sim, temos.", Tone.CASUAL: "Tem sim!",
        Tone.ENTHUSIASTIC: "Temos sim! 🎉"}
_SORRY = {Tone.FRIENDLY: "Poxa,", Tone.FORMAL: "Infelizmente,", Tone.CASUAL: "Ih,", Tone.ENTHUSIASTIC: "Poxa,"}
_THANKS = {Tone.FRIENDLY: "Eu que agradeço! Qualquer coisa é só chamar 😊",
           Tone.FORMAL: "Nós que agradecemos. Estamos à disposição.",
           Tone.CASUAL: "Valeu! Qualquer coisa é só chamar 😉",
           Tone.ENTHUSIASTIC: "Eu que agradeço! Volte sempre! 🥰"}
_HELLO = {Tone.FRIENDLY: "Olá{name}! 👋 Aqui é da {store}. Como posso te ajudar?",
          Tone.FORMAL: "Olá{name}, seja bem-vindo(a) à {store}. Como posso ajudar?",
          Tone.CASUAL: "Oi{name}! Aqui é da {store}. Em que posso ajudar?",
          Tone.ENTHUSIASTIC: "Oii{name}! 😍 Que bom te ver aqui na {store}! Como posso te ajudar?"}


def render(plan: AnswerPlan, settings: BotSettings) -> str:
    """The whole reply: each answer in the plan's order."""
    parts = [_ANSWERS[answer.kind](answer, plan, settings) for answer in plan.answers]
    return " ".join(p for p in parts if p).strip()


def _first_name(plan: AnswerPlan) -> str:
    first = plan.contact_name.split()[0] if plan.contact_name.strip() else ""
    return f", {first}" if first else ""


def _hello(answer: Answer, plan: AnswerPlan, settings: BotSettings) -> str:
    if answer.text == "short":
        return f"Olá{_first_name(plan)}!"
    if answer.text == "small_talk":
        return "Tudo ótimo por aqui! 😊 Em que posso te ajudar?"
    if settings.greeting:
        return settings.greeting
    return _HELLO[settings.tone].format(name=_first_name(plan), store=settings.store_name)


def _out_of_hours(answer: Answer, _: AnswerPlan, __: BotSettings) -> str:
    return sentence(answer.text or "Estamos fora do horário de atendimento agora, mas já vou adiantando por aqui.")


def _listing(products: tuple[Product, ...] | list[Product], with_prices: bool, limit: int = LISTED_PRODUCTS) -> str:
    unique = list({p.id: p for p in products}.values())
    shown = unique[:limit]
    items = [_listed(p, with_prices) for p in shown]
    if len(unique) > limit:
        return ", ".join(items) + " e outros"
    return join(items)


def _listed(p: Product, with_price: bool) -> str:
    """A product in a list, marked when sold out: "Tênis Corrida Vento (R$ 299,90, esgotado)"."""
    notes = ([money(p.price)] if with_price else []) + ([] if p.in_stock else [agree(p.noun, "esgotado")])
    return f"{p.name} ({', '.join(notes)})" if notes else p.name


_RESTOCK_OFFER = "Se quiser, te aviso por aqui assim que voltar ao estoque"


def _price(answer: Answer, _: AnswerPlan, __: BotSettings) -> str:
    p = answer.product
    assert p is not None
    text = f"{the(p.name, p.noun, capital=True)} {'estão' if p.noun.plural else 'está'} por {money(p.price)}"
    if answer.text == "nearest":  # not quite what was asked: said as what the shop has
        text = f"O que temos é {the(p.name, p.noun)}, por {money(p.price)}"
    if not p.in_stock:
        return paragraph([text, f"Mas no momento {'estão' if p.noun.plural else 'está'} {agree(p.noun, 'esgotado')}"])
    if answer.quantity > 1:  # "quanto fica 3?": the total too
        return paragraph([text, f"Levando {answer.quantity}, o total fica {money(p.price * answer.quantity)} "
                                "(sem o frete)"])
    return sentence(text)


def _sold_out(p: Product, settings: BotSettings) -> str:
    verb = "estão" if p.noun.plural else "está"
    return f"{_SORRY[settings.tone]} {the(p.name, p.noun)} {verb} {agree(p.noun, 'esgotado')} no momento"


def _alternatives(products: tuple[Product, ...]) -> str:
    if not products:
        return ""
    return f"Posso te mostrar o que temos disponível: {_listing(products, with_prices=True)}"


def _stock(answer: Answer, _: AnswerPlan, settings: BotSettings) -> str:
    p = answer.product
    assert p is not None
    if p.in_stock:
        verb = "estão" if p.noun.plural else "está"
        if answer.text == "nearest":
            return sentence(f"O que temos é {the(p.name, p.noun)}: {verb} {agree(p.noun, 'disponível')} "
                            f"({counted(p.stock, 'unidade')} em estoque)")
        return paragraph([_YES[settings.tone],
                          f"{the(p.name, p.noun, capital=True)} {verb} {agree(p.noun, 'disponível')} "
                          f"({counted(p.stock, 'unidade')} em estoque)"])
    if answer.again:
        return _still_sold_out(p)
    return paragraph([_sold_out(p, settings), _alternatives(answer.products), _RESTOCK_OFFER])


def _variants(answer: Answer, plan: AnswerPlan, settings: BotSettings) -> str:
    p = answer.product
    assert p is not None
    options = join(p.variants)
    priced = any(a.kind is AnswerKind.PRICE and a.product is p for a in plan.answers)
    name = f"Mas {pronoun(p.noun)}" if priced else the(p.name, p.noun, capital=True)  # after its price
    verb = "estão" if p.noun.plural else "está"
    comes = "vêm" if p.noun.plural else "vem"  # "As Luvas vêm em P, M e G"
    if answer.text and answer.variant and not answer.has_variant:  # "1 litro" asked of the "Garrafa 500ml"
        return paragraph([f"{_SORRY[settings.tone]} não temos em {answer.variant}: {the(p.name, p.noun)} é de "
                          f"{answer.text} e sai por {money(p.price)}",
                          f"{'Estão' if p.noun.plural else 'Está'} {agree(p.noun, 'esgotado')} no momento"
                          if not p.in_stock else (f"Opções: {options}" if options else "")])
    if not p.in_stock and answer.again:
        return _still_sold_out(p, answer.variant if answer.variant and not answer.has_variant else "")
    if not p.in_stock:  # one sentence on the stock, whatever the option asked
        sold_out = [_sold_out(p, settings) + (" (em todas as opções)" if p.variants else ""),
                    _alternatives(answer.products), _RESTOCK_OFFER]
        if answer.variant and not answer.has_variant:
            return paragraph([f"{name} não {comes} em {answer.variant}" + (f": as opções são {options}" if options
                                                                       else ""), *sold_out])
        if answer.confirmed.startswith("no:"):
            return paragraph([f"{name} não {'têm' if p.noun.plural else 'tem'} opções de {answer.confirmed[3:]}: "
                              f"{comes} em {options}", *sold_out])
        return paragraph(sold_out if answer.variant else [f"{name} {comes} em: {options}", *sold_out])
    if not p.variants:
        if answer.variant:
            return paragraph([f"{_SORRY[settings.tone]} não temos em {answer.variant}: {the(p.name, p.noun)} "
                              f"sai por {money(p.price)}", "Quer que eu separe para você?"])
        return paragraph([f"{name} não tem opções de cor ou tamanho cadastradas",
                          "Posso chamar alguém da equipe para confirmar"])
    if answer.variant and answer.has_variant:
        return paragraph([_YES[settings.tone], f"{name} {comes} em {answer.variant} e {verb} "
                          f"{agree(p.noun, 'disponível')} ({counted(p.stock, 'unidade')} em estoque)",
                          f"Opções: {options}"])
    if answer.variant:
        return paragraph([f"{name} não {comes} em {answer.variant}", f"As opções são: {options}"])
    if answer.confirmed.startswith("no:"):  # "qual o tamanho?" of a product in colours
        return paragraph([f"{name} não {'têm' if p.noun.plural else 'tem'} opções de {answer.confirmed[3:]}",
                          f"{'Vêm' if p.noun.plural else 'Vem'} em: {options}"])
    return sentence(f"{name} {comes} em: {options}")


def _details(answer: Answer, _: AnswerPlan, settings: BotSettings) -> str:
    p = answer.product
    assert p is not None
    verb = "saem" if p.noun.plural else "sai"
    parts = [f"{the(p.name, p.noun, capital=True)}: {p.description}" if p.description else
             f"{the(p.name, p.noun, capital=True)} {verb} por {money(p.price)}"]
    if p.description:
        parts.append(f"{'Saem' if p.noun.plural else 'Sai'} por {money(p.price)}")
    if p.variants:
        parts.append(f"Opções: {join(p.variants)}")
    if not p.in_stock:
        parts.append(f"No momento {'estão' if p.noun.plural else 'está'} {agree(p.noun, 'esgotado')}")
    if not p.description:
        parts.append("Ainda não tenho mais detalhes cadastrados, mas posso pedir para a equipe te responder")
    return paragraph(parts)


def _which_product(answer: Answer, plan: AnswerPlan, settings: BotSettings) -> str:
    products = answer.products
    if not products:
        if answer.topic is Topic.STOCK:
            return "No momento não tenho produtos disponíveis em estoque. Posso chamar alguém da equipe para te ajudar."
        return "Ainda não tenho os produtos cadastrados aqui; vou pedir para a equipe te responder."
    if answer.topic is Topic.PRICE:
        if len({p.id for p in products}) <= LISTED_PRODUCTS:
            return f"Nossos preços: {_listing(products, with_prices=True)}. De qual você gostou?"
        return f"De qual produto você quer saber o preço? Temos {_listing(products, False)}."
    if answer.topic is Topic.STOCK:
        return f"Qual produto você procura? Temos disponível agora: {_listing(products, False)}."
    if answer.topic is Topic.VARIANTS:
        return f"De qual produto você quer saber as opções? {_listing(products, False)}?"
    if answer.text == "catalog":  # "o que vocês vendem?": the whole catalog, not a few and "e outros"
        return f"Nossos produtos: {_listing(products, False, limit=CATALOG_LISTED)}. Qual te interessou?"
    return f"Qual produto te interessou? Temos {_listing(products, False)}."


def _unknown_product(answer: Answer, _: AnswerPlan, settings: BotSettings) -> str:
    parts = [f"{_SORRY[settings.tone]} não trabalhamos com {answer.text}"]
    if answer.products:
        parts.append(f"O que temos disponível: {_listing(answer.products, with_prices=True)}")
    return paragraph(parts)


def _unavailable_product(answer: Answer, _: AnswerPlan, settings: BotSettings) -> str:
    p = answer.withdrawn
    assert p is not None
    parts = [f"{_SORRY[settings.tone]} {the(p.name, p.noun)} não {'estão' if p.noun.plural else 'está'} "
             f"{agree(p.noun, 'disponível')} no momento"]
    if answer.products:
        parts.append(f"O que temos disponível: {_listing(answer.products, with_prices=True)}")
    return paragraph(parts)


def _discount(_: Answer, __: AnswerPlan, ___: BotSettings) -> str:
    return ("Não tenho cupons nem promoções cadastrados por aqui: os preços são os do catálogo. Se quiser, peço "
            "para a equipe confirmar.")


def _hours(answer: Answer, _: AnswerPlan, __: BotSettings) -> str:
    text = f"Nosso atendimento é {answer.text}"
    if answer.confirmed == "yes":
        return f"Sim! {sentence(text)}"
    if answer.confirmed.startswith("no:"):
        day = answer.confirmed.removeprefix("no:")
        return paragraph([f"{'No' if day in ('sábado', 'domingo', 'fim de semana') else 'Na'} {day} não abrimos",
                          text])
    return sentence(text)


def _policy(answer: Answer, plan: AnswerPlan, settings: BotSettings) -> str:
    if answer.topic is Topic.PAYMENT:
        methods = plan.payment_methods
        if not methods:
            return "Vou confirmar com a equipe as formas de pagamento disponíveis e já te aviso."
        head = {"yes": "Sim, a", "no": "Essa forma não, mas a"}.get(answer.confirmed, "A")
        return continue_with(f"{head}ceitamos {join(methods)}", plan.installments)
    if answer.text and answer.confirmed == "yes":
        return f"Sim! {sentence(answer.text)}"
    if answer.text and answer.topic is Topic.SHIPPING and answer.text.startswith("Para "):
        return sentence(answer.text)  # the line for the place asked: "Para Recife, o prazo é de…"
    if answer.text:
        label = {Topic.SHIPPING: "Sobre o envio", Topic.RETURNS: "Sobre trocas e devoluções",
                 Topic.WARRANTY: "Sobre a garantia"}[answer.topic or Topic.SHIPPING]
        return f"{label}: {sentence(answer.text)}"
    if answer.topic is Topic.SHIPPING:
        return ("Ainda não tenho as condições de frete cadastradas aqui. Me passa seu CEP que a equipe "
                "confirma o valor e o prazo para você.")
    if answer.topic is Topic.WARRANTY:
        return "Vou confirmar com a equipe as condições de garantia e já te retorno."
    return "Vou verificar com a equipe como fica a troca/devolução no seu caso e já te retorno."


def _order_status(answer: Answer, _: AnswerPlan, __: BotSettings) -> str:
    info = answer.order_info
    assert info is not None
    if info.access is OrderAccess.NEEDS_PROOF:
        return (f"Encontrei o pedido {info.number}, mas ele não está no nome deste contato. Para a sua segurança, "
                "me confirma o CEP de entrega ou o nome completo de quem fez a compra?")
    if info.access is OrderAccess.PROOF_FAILED:
        return (f"Esses dados não conferem com o pedido {info.number}, então não posso passar informações dele por "
                "aqui. Quer que eu chame uma pessoa da equipe para ajudar?")
    if info.known:
        parts = [f"Seu pedido {info.number} está: {info.status}"]
        if info.last_event:
            when = f" ({info.last_event_at})" if info.last_event_at else ""
            parts.append(f"Última atualização da entrega: {info.last_event}{when}")
        if info.carrier:
            parts.append(f"Transportadora: {info.carrier}")
        if info.tracking_code:
            parts.append(f"Código de rastreio: {info.tracking_code}")
        if info.estimated_delivery:
            parts.append(f"Previsão de entrega: {info.estimated_delivery}")
        if info.other_orders:
            parts.append("Se a sua dúvida for sobre outro pedido, me manda o número dele")
        text = paragraph(parts)
        # The link last and bare: a full stop after it would end up in the address the buyer taps.
        return f"{text} Acompanhe a entrega: {info.tracking_url}" if info.tracking_url else text
    return (f"Ainda não consigo consultar o pedido {info.number} por aqui. Quer que eu chame uma pessoa da equipe "
            "para verificar para você?")


def _ask_order_number(answer: Answer, __: AnswerPlan, ___: BotSettings) -> str:
    if answer.text == "cancel":
        return "Para o cancelamento, me envia o número do pedido, por favor, que eu verifico com a equipe."
    return "Para eu verificar seu pedido, me envia o número do pedido, por favor."


def _purchase(answer: Answer, plan: AnswerPlan, settings: BotSettings) -> str:
    draft, product, slot = answer.order, answer.product, answer.slot
    assert draft is not None
    if slot is Slot.PRODUCT:
        if not answer.products:
            return "Que ótimo! Vou chamar a equipe para fechar seu pedido."
        return f"Que ótimo! Qual produto você quer? Temos {_listing(answer.products, with_prices=True)}."
    if slot is Slot.VARIANT and product:
        options = join(product.variants, "ou")
        question = f"Qual opção {of(product.noun)} {product.name} você prefere: {options}?"
        if answer.variant:  # the option asked does not exist
            comes = "vêm" if product.noun.plural else "vem"
            return f"{sentence(f'{the(product.name, product.noun, capital=True)} não {comes} em {answer.variant}')} " \
                   f"{question}"
        if answer.text == "resume":
            return f"Voltando ao seu pedido: {question[0].lower()}{question[1:]}"
        if answer.text.startswith("again"):
            said = answer.text.removeprefix("again:").split(",")
            notes = [label for field, label in (("quantity", f"quantidade {draft.quantity}"),
                                                ("cep", f"CEP {draft.cep}"), ("payment", draft.payment))
                     if field in said]
            noted = f"Anotado: {join(notes)}. " if notes else ""
            return f"{noted}Só preciso saber a opção {of(product.noun)} {product.name}: {options}?"
        if draft.quantity > 1:  # "preciso de 3 camisetas": the 3 said back
            return f"Ótima escolha: {draft.quantity}x {product.name}! Qual opção você prefere: {options}?"
        return f"Ótima escolha! {question}"
    if slot is Slot.CEP:
        chosen = f"{draft.quantity}x {draft.product_name}" + (f" ({draft.variant})" if draft.variant else "")
        if answer.text == "resume":
            return f"Voltando ao seu pedido de {chosen}: qual o CEP para entrega?"
        if answer.text == "payment":
            return f"Pode ser sim, {draft.payment} anotado! Agora só falta o CEP: qual o CEP para entrega?"
        return f"Perfeito, {chosen}. Qual o CEP para entrega?"
    if slot is Slot.PAYMENT:
        methods = plan.payment_methods
        options = f" Aceitamos {join(methods)}." if methods else ""
        if answer.text == "resume":
            return f"Voltando ao seu pedido: como você prefere pagar?{options}"
        return f"Anotado! Como você prefere pagar?{options}"
    return (f"Pedido anotado! ✅\n{summary(draft)}\nVou passar para uma pessoa da equipe finalizar com você; "
            "ela te responde por aqui.")


def _still_sold_out(p: Product, variant: str = "") -> str:
    """The short word for a product the last reply said was sold out (not the alternatives again)."""
    comes = "vêm" if p.noun.plural else "vem"
    missing = f"{the(p.name, p.noun, capital=True)} não {comes} em {variant}, e no momento" if variant else \
        f"{the(p.name, p.noun, capital=True)}"
    return paragraph([f"{missing} {'continuam' if p.noun.plural else 'continua'} {agree(p.noun, 'esgotado')}"
                      + (" em todas as opções" if p.variants else "") + " 😕",
                      "Quer que eu te avise por aqui assim que voltar ao estoque?"])


def _purchase_unavailable(answer: Answer, _: AnswerPlan, settings: BotSettings) -> str:
    p = answer.product
    assert p is not None
    if answer.text == "again":
        return paragraph([f"{the(p.name, p.noun, capital=True)} {'continuam' if p.noun.plural else 'continua'} "
                          f"{agree(p.noun, 'esgotado')}, então ainda não consigo separar para você 😕",
                          "Quer que eu te avise por aqui assim que voltar ao estoque?"])
    return paragraph([_sold_out(p, settings), _alternatives(answer.products), _RESTOCK_OFFER])


def _restock_notice(answer: Answer, _: AnswerPlan, settings: BotSettings) -> str:
    p = answer.product
    assert p is not None
    return paragraph([f"Combinado! {the(p.name, p.noun, capital=True)} {'estão' if p.noun.plural else 'está'} "
                      f"{agree(p.noun, 'esgotado')} no momento; anotei seu pedido de aviso",
                      "Assim que voltar ao estoque, a equipe te avisa por aqui"])


def _order_cancelled(answer: Answer, _: AnswerPlan, __: BotSettings) -> str:
    return "Tudo bem, cancelei o pedido que estávamos montando. Se precisar de algo, é só chamar 😊"


def _complaint(_: Answer, __: AnswerPlan, ___: BotSettings) -> str:
    return ("Sinto muito pelo transtorno 😔 Me conta o que aconteceu (se puder, com o número do pedido "
            "e uma foto) que eu resolvo com a equipe.")


def _handoff(answer: Answer, _: AnswerPlan, __: BotSettings) -> str:
    return handoff_message(answer.text)


def _thanks(_: Answer, __: AnswerPlan, settings: BotSettings) -> str:
    return _THANKS[settings.tone]


def _not_understood(_: Answer, __: AnswerPlan, ___: BotSettings) -> str:
    return ("Desculpe, não entendi bem. Posso te ajudar com preços, estoque, cores e tamanhos, frete, formas de "
            "pagamento ou com o seu pedido.")


_ANSWERS: dict[AnswerKind, Callable[[Answer, AnswerPlan, BotSettings], str]] = {
    AnswerKind.HELLO: _hello,
    AnswerKind.OUT_OF_HOURS: _out_of_hours,
    AnswerKind.PRICE: _price,
    AnswerKind.STOCK: _stock,
    AnswerKind.VARIANTS: _variants,
    AnswerKind.DETAILS: _details,
    AnswerKind.WHICH_PRODUCT: _which_product,
    AnswerKind.UNKNOWN_PRODUCT: _unknown_product,
    AnswerKind.UNAVAILABLE_PRODUCT: _unavailable_product,
    AnswerKind.POLICY: _policy,
    AnswerKind.ORDER_STATUS: _order_status,
    AnswerKind.ASK_ORDER_NUMBER: _ask_order_number,
    AnswerKind.PURCHASE: _purchase,
    AnswerKind.PURCHASE_UNAVAILABLE: _purchase_unavailable,
    AnswerKind.ORDER_CANCELLED: _order_cancelled,
    AnswerKind.RESTOCK_NOTICE: _restock_notice,
    AnswerKind.HOURS: _hours,
    AnswerKind.DISCOUNT: _discount,
    AnswerKind.COMPLAINT: _complaint,
    AnswerKind.HANDOFF: _handoff,
    AnswerKind.THANKS: _thanks,
    AnswerKind.NOT_UNDERSTOOD: _not_understood,
}


def handoff_message(reason: str) -> str:
    """What the bot says as it steps aside: always that a person is coming, and where they will answer."""
    if reason == HandoffReason.REPEATED_COMPLAINT:
        return ("Sinto muito mesmo pelo transtorno 😔 Já chamei uma pessoa da equipe para resolver isso com "
                "você pessoalmente. Ela te responde por aqui em instantes.")
    if reason in (HandoffReason.TOO_MANY_FALLBACKS, HandoffReason.ANSWER_LOOP):
        return ("Acho que não estou conseguindo te ajudar direito por aqui. Já chamei uma pessoa da equipe; "
                "ela te responde por aqui em instantes 🙏")
    return "Claro! Já chamei uma pessoa da equipe para te atender. Ela te responde por aqui em instantes 🙏"


# Said once per handoff: when the seller takes a conversation over from the dashboard, and when a buyer who is
# waiting for a person asks for one again.
HANDED_OVER_NOTICE = "Uma pessoa da equipe vai continuar seu atendimento por aqui. Ela já te responde 🙏"
WAITING_REMINDER = "Uma pessoa da equipe já foi chamada e vai te responder por aqui em instantes 🙏"
# Said when the seller gives the conversation back to the bot from the dashboard (not on the idle timeout).
RELEASED_NOTICE = "O atendimento com a equipe foi concluído. Se precisar de algo, é só mandar mensagem por aqui 😊"
