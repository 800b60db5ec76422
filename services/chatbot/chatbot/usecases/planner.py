"""The answer planner: from the intents, the entities of the message and what the conversation was about,
decide what the reply must say and fetch those facts (catalog, variants, stock, policies, the order). Pure:
the turn gives it the order lookup's result and the contact's context, and words the plan it returns.

Rules it keeps whatever the wording: no price for a product the catalog does not have, no stock claimed
when it is zero, no purchase of something unavailable (the alternatives in stock are offered instead)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import Any

from chatbot.domain import order_slots, shipping
from chatbot.domain.answer_plan import Answer, AnswerKind, AnswerPlan
from chatbot.domain.catalog import STOPWORDS, Catalog, Product, same_word
from chatbot.domain.config import BotSettings
from chatbot.domain.entities import (
    COLOURS,
    POLICY_TOPICS,
    PRODUCT_TOPICS,
    Entities,
    Topic,
    extract,
    normalised,
    order_number_in,
    spec_key,
    stem,
)
from chatbot.domain.handoff import Counters, HandoffReason, automatic_trigger
from chatbot.domain.intents import Intent
from chatbot.domain.orders import OrderInfo
from chatbot.domain.text import fold
from chatbot.domain.wording import join
from chatbot.usecases.understanding import Understanding

MAX_TOPICS = 3
SHORT_MESSAGE_WORDS = 5
_INTENT_TOPICS = {
    Intent.PRICE: Topic.PRICE, Intent.AVAILABILITY: Topic.STOCK, Intent.PRODUCT_INFO: Topic.DETAILS,
    Intent.SHIPPING: Topic.SHIPPING, Intent.PAYMENT: Topic.PAYMENT, Intent.RETURNS: Topic.RETURNS,
    Intent.ORDER_STATUS: Topic.ORDER_STATUS,
}
_TOPIC_ORDER = [Topic.PRICE, Topic.STOCK, Topic.VARIANTS, Topic.DETAILS, Topic.SHIPPING, Topic.PAYMENT,
                Topic.RETURNS, Topic.WARRANTY, Topic.ORDER_STATUS]
# Only an explicit yes accepts an offer: "quero 2" after a sold-out notice is not "yes, call a person".
_YES_WORD = (r"(?:sim|s|ss|pode|quero|claro|ok|okay|beleza|blz|isso|por favor|pf|bora|manda|chama|chamar|aham"
             r"|uhum|yes|pode ser|com certeza|quero sim|por gentileza|obrigad[oa]|valeu|eu quero|uma pessoa|alguem"
             r"|que|opa|entao|ah|ja|mesmo|otimo|perfeito|fechado|combinado|por gentileza|gostaria|falar com"
             r"|atendente|humano|pessoa|me avisa|avisa|avise)")
_YES = re.compile(rf"^{_YES_WORD}(?: {_YES_WORD})*$")
OFFER_HUMAN = "human"
SEEN_KEY = "seen"  # the context's list of the products talked about
OFFER_RESTOCK = "restock:"  # + the sold-out product's id: a "sim" records a back-in-stock notice
# The contact's context key listing the sold-out products (ids) the buyer asked to hear about when back in stock
# (the seller sees the request as the bot's RESTOCK_NOTICE reply in the thread).
BACK_IN_STOCK_KEY = "back_in_stock"


@dataclass(frozen=True)
class ConversationState:
    """What the context remembers between turns."""

    product_id: str = ""
    topic: str = ""  # the last question answered about a product (carried to "e o carregador?")
    order: dict[str, Any] | None = None
    offer: str = ""  # what the bot offered last ("human", "restock:<id>"): a "sim" accepts it
    first_turn: bool = True
    back_in_stock: tuple[str, ...] = ()  # products the buyer asked to be told about when back in stock
    variant: str = ""  # "<product id>:<variant>" last asked about ("tem de carne?"), taken by a purchase after it
    seen: tuple[str, ...] = ()  # the products talked about, latest last ("e o outro?" is the one before)

    @classmethod
    def from_context(cls, context: dict[str, Any]) -> ConversationState:
        return cls(str(context.get("product_id") or ""), str(context.get("topic") or ""), context.get("order"),
                   str(context.get("offer") or ""), not context,
                   tuple(str(i) for i in context.get(BACK_IN_STOCK_KEY) or ()), str(context.get("variant") or ""),
                   tuple(str(i) for i in context.get(SEEN_KEY) or ()))


@dataclass
class TurnPlan:
    plan: AnswerPlan
    intents: list[Intent]  # as the funnel should count them
    product: Product | None
    trigger: HandoffReason | None = None
    draft: order_slots.OrderDraft | None = None
    in_order: bool = False
    order_number: str = ""
    complaints: int = 0
    fallbacks: int = 0
    topic: str = ""
    offer: str = ""
    context_updates: dict[str, Any] = field(default_factory=dict)


    def context_after(self, context: dict[str, Any], trigger: str | None) -> dict[str, Any]:
        """What the contact's context remembers after this turn."""
        updates: dict[str, Any] = {
            "product_id": self.product.id if self.product else context.get("product_id", ""),
            "order": self.draft.to_dict() if (self.draft and trigger is None) else None,
            "topic": self.topic, "offer": self.offer,
        }
        named = [a.product.id for a in self.plan.answers if a.product is not None]
        if named or self.product is not None:
            seen = [i for i in context.get(SEEN_KEY) or () if i not in named]
            updates[SEEN_KEY] = [*seen, *dict.fromkeys(named or [self.product.id if self.product else ""])][-5:]
        return {**updates, **self.context_updates}


def order_number_asked(text: str, understanding: Understanding, state: ConversationState) -> str:
    """The order number the turn should look up (before planning: the lookup is I/O)."""
    if Intent.ORDER_STATUS in understanding.intents or state.topic == Topic.ORDER_STATUS:
        return order_number_in(text)
    return ""


def plan_turn(
    texts: list[str], understanding: Understanding, state: ConversationState, catalog: Catalog,
    settings: BotSettings, complaint_count: int, fallback_count: int, out_of_hours: bool,
    order_info: OrderInfo | None = None, contact_name: str = "",
) -> TurnPlan:
    joined = "\n".join(texts)
    folded = normalised(joined)  # the message as every check below reads it, folded once
    intents = _trusted(understanding, joined)
    broken = _BROKEN.search(folded)
    angry = _ANGRY.search(folded)
    if (broken or angry) and Intent.COMPLAINT not in intents:
        intents = [*(i for i in intents if i != Intent.OTHER), Intent.COMPLAINT]  # "chegou quebrado"
    focus = catalog.by_id(state.product_id)
    entities = extract(joined, catalog, focus)
    if entities.unknown_product and set(entities.unknown_product.split()) <= _NOT_A_THING:
        entities = replace(entities, unknown_product="")  # "comprei ontem, quando chega?": no product named
    if entities.product is None and _THE_OTHER.match(folded):
        other = next((catalog.by_id(i) for i in reversed(state.seen) if i != state.product_id and catalog.by_id(i)),
                     None)  # "e o outro?": the product talked about before the last one
        entities = replace(entities, product=other, follow_up=True, unknown_product="")
        if other is None:
            focus = None  # one product talked about: which other one is asked
    product = entities.product or (None if entities.unknown_product else focus)
    plan = AnswerPlan(contact_name=contact_name, payment_methods=tuple(settings.policies.payment_methods),
                      installments=settings.policies.installments)
    complaints = complaint_count + (1 if Intent.COMPLAINT in intents else 0)
    answered_something = bool(entities.product or entities.unknown_product or entities.topics)
    fallbacks = fallback_count + 1 if intents == [Intent.OTHER] and not answered_something else 0
    if entities.product is not None and set(intents) <= {Intent.OTHER, Intent.PRODUCT_INFO, Intent.PRICE,
                                                         Intent.AVAILABILITY, Intent.PAYMENT} \
            and _WANTS.search(folded) and not entities.topics - {Topic.PAYMENT} \
            and "?" not in joined:
        intents = [Intent.PURCHASE]  # "preciso de 5 tapetes", "queria 3 shampoos", "me ve 2 do secador no pix"
    turn = TurnPlan(plan, intents, product, complaints=complaints, fallbacks=fallbacks)
    if entities.variant and product is not None:
        turn.context_updates["variant"] = f"{product.id}:{entities.variant}"

    if state.offer and _YES.match(folded) and not entities.topics:
        restock = catalog.by_id(state.offer.removeprefix(OFFER_RESTOCK)) \
            if state.offer.startswith(OFFER_RESTOCK) and Intent.HUMAN not in intents else None
        if restock is not None:
            _restock_notice(turn, restock, state)
            return turn
        if state.offer == OFFER_HUMAN:
            turn.trigger = HandoffReason.CUSTOMER_ASKED
            plan.answers.append(Answer(AnswerKind.HANDOFF, text=HandoffReason.CUSTOMER_ASKED))
            return turn
    turn.trigger = automatic_trigger(intents, Counters(complaints, fallbacks), settings.handoff_rules)
    if turn.trigger is not None:
        plan.answers.append(Answer(AnswerKind.HANDOFF, text=turn.trigger))
        return turn

    if out_of_hours and state.first_turn:
        plan.answers.append(Answer(AnswerKind.OUT_OF_HOURS, text=settings.out_of_hours_message))
    if entities.restock_request and product is not None and not product.in_stock:
        _restock_notice(turn, product, state)
        return turn
    withdrawn = catalog.find_unavailable(joined) if entities.product is None else None
    if withdrawn is not None and (Intent.PURCHASE in intents or not state.order):
        if Intent.GREETING in intents:
            plan.answers.insert(0, Answer(AnswerKind.HELLO, text="short"))
        plan.answers.append(_unavailable(withdrawn, catalog))
        turn.context_updates["order"] = None
        return turn
    if _purchase(turn, state, understanding, joined, entities, catalog, settings):
        return turn
    topics = _topics(intents, entities, state)
    discount = bool(_DISCOUNT.search(folded))
    if discount and entities.product is None and Topic.PRICE not in entities.topics:
        topics = [t for t in topics if t is not Topic.PRICE]  # "tem desconto?": not a price list
    if Intent.COMPLAINT in intents and not _SHIPPING_ASKED.search(folded):
        topics = [t for t in topics if t is not Topic.SHIPPING]  # "o produto chegou errado": not the policy
    if broken and broken.group("used") and settings.policies.warranty and Topic.WARRANTY not in topics:
        topics = [t for t in _TOPIC_ORDER if t in {*topics, Topic.WARRANTY} - {Topic.DETAILS}]  # "parou de funcionar"
    if product is not None and Topic.VARIANTS not in topics and _option_not_offered(joined, product):
        topics = [t for t in _TOPIC_ORDER if t in {*topics, Topic.VARIANTS} - {Topic.STOCK, Topic.DETAILS}]
    cancel_order = bool(_CANCEL_ORDER.search(folded)) and not entities.order_number
    if cancel_order:
        topics = [Topic.ORDER_STATUS]  # "quero cancelar meu pedido": which order (a person cancels it)
    if entities.asks_catalog and entities.product is None and not entities.topics:
        topics = []  # "oq vcs tem ai pra vender?": the catalog, not the stock question the intent guessed
    if state.topic == Topic.PRICE and product is not None and not entities.topics and topics != [Topic.PRICE] \
            and len(entities.words) <= SHORT_MESSAGE_WORDS + 1 and _quantity_priced(folded, product):
        topics = [Topic.PRICE]  # "e se eu levar duas?" after the price: the price of two
    if order_info is not None and order_info.proof_turn and Topic.ORDER_STATUS not in topics:
        topics.append(Topic.ORDER_STATUS)  # the CEP or name the bot asked for to confirm an order
    if _RESTOCK_ASKED.search(folded) and Topic.STOCK in topics and product is not None \
            and not _MY_ORDER.search(folded) and not entities.order_number:
        topics = [t for t in topics if t not in (Topic.SHIPPING, Topic.ORDER_STATUS)]  # "tem previsão de chegar?",
        # "a chapinha já voltou?": the product's stock, not the post or an order
    elif _MY_ORDER.search(folded) and product is None and Topic.ORDER_STATUS in topics:
        topics = [t for t in topics if t is not Topic.STOCK]  # "meu pedido voltou?": the order, no catalog
    if broken:  # "o batom veio com a cor errada": a complaint, not a question about the colours
        topics = [t for t in topics if t not in (Topic.VARIANTS, Topic.PRICE, Topic.STOCK, Topic.DETAILS)]
    greets = Intent.GREETING in intents and (state.first_turn or bool(_GREETING_WORDS.match(folded)))
    if greets and not state.first_turn and not topics and _is_small_talk(joined) and not _GREETING_ONLY.match(
            folded):
        greets = False  # "tudo sim e vc?" after the greeting: small talk answered once, not "Olá!" again
    if greets and (topics or len(intents) > 1 or not plan.answers):  # "e ai??? ja faz 10 dias": no "Olá!" again
        plan.answers.insert(0, Answer(AnswerKind.HELLO, text="short" if (topics or len(intents) > 1) else ""))
    answered: set[tuple[AnswerKind, str]] = set()
    for topic in topics[:MAX_TOPICS]:
        several = topic in (Topic.PRICE, Topic.STOCK, Topic.DETAILS) and len(entities.products) > 1
        for target in entities.products[:MAX_TOPICS] if several else (product,):
            answer = _answer(topic, target, entities, catalog, settings, order_info, joined)
            if answer.kind in (AnswerKind.STOCK, AnswerKind.VARIANTS) and answer.product is not None \
                    and state.offer == OFFER_RESTOCK + answer.product.id and not answer.product.in_stock:
                answer = replace(answer, again=True)  # "e tamanho G?" right after the sold-out notice
            key = (answer.kind, answer.product.id if answer.product else "")
            if key not in answered or answer.kind is AnswerKind.POLICY:
                answered.add(key)
                plan.answers.append(answer)
    own_spec = {a.product.id for a in plan.answers if a.kind is AnswerKind.VARIANTS and a.text and a.product}
    plan.answers[:] = [a for a in plan.answers if not (a.kind is AnswerKind.PRICE and a.product
                                                       and a.product.id in own_spec)]  # said with the spec
    if not topics and entities.product is not None and Intent.COMPLAINT not in intents:  # "a capinha veio rasgada"
        for named in entities.products or (entities.product,):
            plan.answers.append(_details(named))  # a product named on its own: what it is, its price and stock
    elif not topics and entities.unknown_product:
        plan.answers.append(_unknown(entities.unknown_product, catalog))
    elif not topics and entities.asks_catalog:
        plan.answers.append(Answer(AnswerKind.WHICH_PRODUCT, Topic.DETAILS, products=tuple(catalog.products),
                                   text="catalog"))
    if not topics and entities.product is None and _HOURS.search(folded):
        plan.answers.append(_hours(folded, settings))
    if discount:
        plan.answers.append(Answer(AnswerKind.DISCOUNT))
    if cancel_order:
        plan.answers[:] = [a if a.kind is not AnswerKind.ASK_ORDER_NUMBER else Answer(
            AnswerKind.ASK_ORDER_NUMBER, Topic.ORDER_STATUS, text="cancel") for a in plan.answers]
    if not plan.answers and Intent.THANKS_BYE not in intents and _is_small_talk(joined):
        plan.answers.append(Answer(AnswerKind.HELLO, text="small_talk"))  # "tudo bem?" after the greeting
        turn.fallbacks = fallback_count
    if turn.draft is not None and not turn.in_order and Intent.THANKS_BYE not in intents:
        _resume_order(turn, catalog)
    if Intent.COMPLAINT in intents:  # the apology first: "Sinto muito…", then the policy that applies
        first = 1 if plan.answers and plan.answers[0].kind is AnswerKind.HELLO else 0
        plan.answers.insert(first if broken or angry else len(plan.answers), Answer(AnswerKind.COMPLAINT))
    if Intent.THANKS_BYE in intents and not topics:
        plan.answers.append(Answer(AnswerKind.THANKS))
    if plan.kinds == [AnswerKind.HELLO] and Intent.OTHER in intents and plan.answers[0].text != "small_talk":
        if _asks_something_else(joined):
            plan.answers.append(Answer(AnswerKind.NOT_UNDERSTOOD))  # "bom dia, vcs tem loja fisica?": not only "Olá!"
        else:
            plan.answers[0] = Answer(AnswerKind.HELLO)  # "olá, como vai?": the whole greeting
    if not plan.answers or plan.kinds == [AnswerKind.OUT_OF_HOURS]:
        plan.answers.append(Answer(AnswerKind.NOT_UNDERSTOOD))
    product_topics = [t for t in topics if t in PRODUCT_TOPICS or t is Topic.ORDER_STATUS]
    turn.topic = product_topics[0].value if product_topics else (state.topic if not topics else "")
    if any(a.kind is AnswerKind.ORDER_STATUS and a.order_info and not a.order_info.known for a in plan.answers):
        turn.offer = OFFER_HUMAN
    sold_out = next((a.product for a in plan.answers if a.product is not None and not a.product.in_stock
                     and a.kind in (AnswerKind.STOCK, AnswerKind.VARIANTS)), None)
    if sold_out is not None and not turn.offer:
        turn.offer = OFFER_RESTOCK + sold_out.id
    if any(a.kind is AnswerKind.ORDER_STATUS for a in plan.answers):
        turn.order_number = next(a.order_info.number for a in plan.answers if a.order_info)
    return turn


def _topics(intents: list[Intent], entities: Entities, state: ConversationState) -> list[Topic]:
    strong = set(entities.topics)
    weak = {_INTENT_TOPICS[i] for i in intents if i in _INTENT_TOPICS}
    if entities.asks_have and entities.product is not None and not strong - {Topic.DETAILS, *POLICY_TOPICS}:
        strong.add(Topic.STOCK)  # "tem vestido floral?", "tem secador? qual a garantia?": whether the shop has it
    said = " ".join(entities.words)
    if entities.product is None and not strong - {Topic.PRICE} and (
            shipping.is_place_follow_up(said) or (strong and shipping.place_in(said))):
        strong.add(Topic.SHIPPING)  # "e pra sp?", "e pra recife quanto fica?": the shipping asked for the place
        weak.clear()
    if Topic.SHIPPING in strong and entities.product is None:
        strong.discard(Topic.PRICE)  # "quanto fica o frete pra sp?": the shipping's price, not the products'
        weak.discard(Topic.PRICE)
    if (entities.variant or entities.colour or entities.spec) and not strong & {Topic.PRICE, Topic.SHIPPING,
                                                                                 Topic.PAYMENT}:
        strong.add(Topic.VARIANTS)  # "tem na cor preta?", "tem o 39?": the variant's answer says the stock too
        weak.discard(Topic.STOCK)
        strong.discard(Topic.STOCK)
    elif entities.spec and entities.product is not None:
        strong.add(Topic.VARIANTS)  # "quanto custa o tênis 42?": the price, and that there is no 42
    if strong - {Topic.DETAILS}:
        weak.discard(Topic.DETAILS)  # "quais cores?" / "tem garantia?" are classified product_info
    if Topic.STOCK in weak and strong & {Topic.VARIANTS, Topic.WARRANTY}:
        weak.discard(Topic.STOCK)
    if Topic.ORDER_STATUS in weak and strong & {Topic.SHIPPING} and (
            entities.order_number or _MY_ORDER.search(" ".join(entities.words))):
        strong.discard(Topic.SHIPPING)  # "meu pedido (123) não chegou": the order, not the shipping policy
        weak.discard(Topic.SHIPPING)
    if Topic.RETURNS in strong and Topic.WARRANTY in strong:
        strong.discard(Topic.RETURNS)
    carried = _carried(strong, weak, entities, state)
    topics = carried or (strong | weak)
    if state.topic == Topic.ORDER_STATUS and entities.order_number and not strong:
        topics = {Topic.ORDER_STATUS}
    return [t for t in _TOPIC_ORDER if t in topics]


def _carried(strong: set[Topic], weak: set[Topic], entities: Entities, state: ConversationState) -> set[Topic]:
    """"e o carregador?" after a price question asks the carregador's price."""
    if strong or not state.topic or state.topic not in {t.value for t in PRODUCT_TOPICS}:
        return set()
    names_a_product = entities.product is not None or bool(entities.unknown_product)
    if not names_a_product:
        return set()
    if entities.follow_up or (len(entities.words) <= SHORT_MESSAGE_WORDS and weak <= {Topic.DETAILS, Topic.STOCK}):
        return {Topic(state.topic)}
    return set()


def _answer(
    topic: Topic, product: Product | None, entities: Entities, catalog: Catalog, settings: BotSettings,
    order_info: OrderInfo | None, joined: str = "",
) -> Answer:
    if topic in POLICY_TOPICS:
        if entities.unknown_product:  # "qual a garantia do notebook?": the shop does not sell it
            return _unknown(entities.unknown_product, catalog)
        text = _policy_text(topic, product, settings, joined)
        return Answer(AnswerKind.POLICY, topic, product, text=text,
                      confirmed=_policy_confirms(topic, joined, text, settings))
    if topic is Topic.ORDER_STATUS:
        if order_info is None:
            return Answer(AnswerKind.ASK_ORDER_NUMBER, topic)
        return Answer(AnswerKind.ORDER_STATUS, topic, order_info=order_info)
    if entities.unknown_product:
        return _unknown(entities.unknown_product, catalog)
    if product is None:
        listed = tuple(catalog.products if topic is not Topic.STOCK else catalog.in_stock())
        if topic is Topic.VARIANTS:
            listed = tuple(p for p in catalog.products if p.variants) or listed
        return Answer(AnswerKind.WHICH_PRODUCT, topic, products=listed)
    nearest = "nearest" if entities.nearest and product is entities.product else ""
    if topic is Topic.PRICE:
        quantity = 0 if nearest or entities.spec else _quantity_priced(normalised(joined), product)
        return Answer(AnswerKind.PRICE, topic, product, text=nearest, quantity=quantity)
    if topic is Topic.STOCK:
        alternatives = () if product.in_stock else tuple(_alternatives(product, catalog))
        return Answer(AnswerKind.STOCK, topic, product, products=alternatives, text=nearest)
    if topic is Topic.VARIANTS:
        asked = entities.spec or entities.variant or entities.colour or _option_not_offered(joined, product)
        alternatives = () if product.in_stock else tuple(_alternatives(product, catalog))
        other_kind = "" if asked else _other_dimension(joined, product)
        return Answer(AnswerKind.VARIANTS, topic, product, variant=asked, products=alternatives,
                      has_variant=bool(entities.variant) and not entities.spec, text=entities.spec_own,
                      confirmed=f"no:{other_kind}" if other_kind else "")
    return _details(product)


# "pago no boleto?", "e no débito?": read as "aceita boleto?"
_PAYS = re.compile(r"^(?:e |e no |e com )?(?:pago|posso pagar|da para pagar|pode ser|aceita pagamento)\s+"
                   r"(?:no |na |com |em |via )?"
                   r"|^e (?=(?:no |com |em )?(?:pix|boleto|cartao|credito|debito|dinheiro)\b)")
_YES_NO = re.compile(r"^(?:voces? |vc )?(?:tem|tens|aceita\w*|faz|fazem|parcela\w*|da para|posso|ha|oferece\w*"
                     r"|trabalha\w* com)\s+(.+)$|^(?:o |a )?(\w+ (?:e|sera) \w+)$")  # "o frete é grátis?"


def _policy_confirms(topic: Topic, joined: str, text: str, settings: BotSettings) -> str:
    """A yes/no question the policy answers: "tem frete grátis?" -> "yes" when the policy says so; "aceita
    boleto?" -> "no" when boleto is not among the methods."""
    match = _YES_NO.match(_PAYS.sub("aceita ", normalised(joined)))
    if not match:
        return ""
    asked = [w for w in (match.group(1) or match.group(2)).split() if w not in STOPWORDS and w != "sera"][:2]
    if not asked:
        return ""
    if topic is Topic.PAYMENT:
        methods = fold(" ".join(settings.policies.payment_methods))
        named = [w for w in asked if w in ("pix", "boleto", "cartao", "credito", "debito", "dinheiro")]
        if not named or not methods:
            return ""
        return "yes" if all(w in methods.split() for w in named) else "no"
    for part in re.split(r"[.;]", fold_keep_stops(text)):
        words = part.split()
        if all(any(same_word(a, w) for w in words) for a in asked) and "nao" not in words:
            return "yes"
    return ""


def fold_keep_stops(text: str) -> str:
    """Folded, keeping the sentence stops (a policy is read sentence by sentence)."""
    return ". ".join(fold(part) for part in re.split(r"[.;]", text))


# A request for a person names one (or the bot): a low-confidence "human" without such a word ("2 sacos") is not one.
_HUMAN_WORDS = re.compile(
    r"\b(human\w*|pessoa\w*|atend\w*|alguem|gente|robo\w*|bot|chatbot|ia|dono|dona|gerente|vendedor\w*|suporte"
    r"|sac|responsavel|lig\w*|telefone|transfer\w*|verdade|maquina|automatic\w*|falar|fala|chama\w*|passa\w*"
    r"|setor|loja|privado|contato|real)\b")
_HUMAN_SURE = 0.5
_ASKS_HAVE_AT_END = re.compile(r"\b(?:tem|têm|teria|tem a[ií]|tem ainda)\s*\?+\s*$")
_THE_OTHER = re.compile(r"^\s*(?:e\s+)?(?:o|a|do|da|no|na)\s+outr[oa]\b(?:\s+\w+){0,2}\s*$")
_RESTOCK_ASKED = re.compile(r"\b(?:previsao|quando volta\w*|volta a ter|vai chegar mais|chega\w* mais|reposicao"
                            r"|ja voltou|voltou)\b")
# A product that arrived damaged or stopped working: a complaint whatever the intent model read ("o secador
# chegou quebrado, quero trocar"); one that stopped working after use is a warranty case too.
_BROKEN = re.compile(
    r"\b(?:chego\w*|veio|vieram|recebi|esta|ta|tava|estava)\b(?: \w+){0,3} (?:quebrad\w*|errad\w*|rasgad\w*|vazad\w*"
    r"|vazando|amassad\w*|estragad\w*|trincad\w*|riscad\w*|danificad\w*|vencid\w*|com defeito|faltando)\b"
    r"|(?P<used>\bparou de funcionar|\bnao (?:funciona|liga|esquenta|carrega)\w*|\b(?:deu|com|apresentou) defeito"
    r"|\bqueimou)")
# Words of an angry buyer: a complaint whatever else the message asks ("to esperando faz 15 dias, um absurdo").
_ANGRY = re.compile(r"\b(?:absurd\w*|palhacada|vergonha|descaso|desrespeito|procon|pessim\w*|horrivel|golpe"
                    r"|nunca mais compro|que raiva|falta de respeito|ridicul\w*|porcaria)\b")
_COMPLAINT_WORDS = re.compile(
    r"\b(absurd\w*|pessim\w*|horrivel|ruim|quebrad\w*|defeit\w*|errad\w*|reclam\w*|demor\w*|atras\w*|raiva"
    r"|emojiraiva|palhacada|vergonha|lixo|golpe|engan\w*|decepcion\w*|insatisf\w*|problema\w*|rasgad\w*|estragad\w*"
    r"|furad\w*|sujo|falt\w*|descaso|desrespeito|procon|process\w*|irritad\w*|cansad\w*|nunca mais|pior|porcaria"
    r"|ridicul\w*|nao (?:chegou|recebi|veio|funciona\w*|gostei)|chateado|chateada|triste|reembolso|devolv\w*"
    r"|nunca|ninguem|enrol\w*|piada|mancha\w*|riscad\w*|amassad\w*|brav[oa]|esperando|respeito|absurd\w*)\b")
_WANTS = re.compile(r"\b(?:preciso|precisava|queria|gostaria|vou querer|me ve|me manda)\b(?! (?:de |que )?(?:saber|ver"
                    r"|conhecer|entender|perguntar|informac\w*|tirar|uma duvida|foto\w*|mais|detalhes|video\w*"
                    r"|o preco|o valor|falar|uma informac\w*|ajuda)\b)")
_GREETING_WORDS = re.compile(r"^(?:oi+e?|ola|opa|bom dia|boa tarde|boa noite|eae|eai|salve|hey|hello|hi|emojioi)\b")
_MY_ORDER = re.compile(r"\b(?:meu|minha|o meu|a minha|nosso)\s+(?:pedido|compra|encomenda|pacote)\b")
_HOURS = re.compile(
    r"\b(?:horario\w*|que horas? (?:abre|abrem|fecha|fecham|atende\w*|funciona\w*)|ate que horas"
    r"|(?:abre|abrem|fecha|fecham|atende|atendem|funciona|funcionam|trabalha|trabalham)\b(?: \w+){0,2}"
    r" (?:sabado|domingo|feriado|segunda|terca|quarta|quinta|sexta|hoje|amanha|fim de semana|final de semana)"
    r"|(?:voces|loja) (?:abre|abrem|fecha|fecham)\b)")
_WEEKDAYS = ("segunda", "terça", "quarta", "quinta", "sexta", "sábado", "domingo")
_NUMBER_WORDS = {"dois": 2, "duas": 2, "tres": 3, "quatro": 4, "cinco": 5, "seis": 6, "dez": 10}
_PRICED_COUNT = frozenset(("fica", "ficam", "ficaria", "sai", "saem", "sairia", "seria", "seriam", "levar",
                           "levando", "levo", "comprar", "compro", "comprando", "pegar", "pego", "pegando", "mandar",
                           "para", "por"))
_UNIT_WORDS = frozenset(("un", "unid", "unidade", "unidades", "pecas", "peca", "kits", "sacos", "pacotes", "caixas",
                         "potes", "frascos", "pares", "rolos", "latas", "itens"))
_NOT_A_QUANTITY = re.compile(
    r"^(?:ml|l|lt|litros?|kg|g|gr|gramas?|w|v|volts?|gb|tb|cm|mm|m|metros?|dias?|x|vezes|horas?|meses|anos?|%)$")


_SMALL_TALK = frozenset(("tudo", "bem", "bom", "boa", "como", "vai", "voce", "voces", "esta", "estao", "ta", "tao",
                         "beleza", "e", "ai", "com", "por", "ae", "la", "ok", "certo", "joia", "tranquilo", "sim",
                         "dia", "tarde", "noite", "oi", "ola", "alguem", "aqui", "emojioi", "otimo", "otima", "suave",
                         "tambem", "tb", "gracas", "deus", "a", "tranquila", "vc"))


_NOT_A_THING = frozenset((  # noqa: SIM905 - words a product phrase the shop "does not sell" may not be made of
    "quando chega chegar chegou chegam onde como quanto ontem hoje amanha ja ainda agora semana dia dias mes "
    "comprei paguei pedi recebi veio vem vai isso aquilo nada tudo coisa coisas ai la aqui mesmo logo depois"
).split())
_DISCOUNT = re.compile(r"\b(descont\w*|promoca\w*|promo|cupom|cupons|abatimento|faz por menos|faz mais barato)\b")
_SHIPPING_ASKED = re.compile(r"\b(frete|prazo|envio|correios|sedex|transportadora|quando chega)\b")
_CANCEL_ORDER = re.compile(r"\b(?:cancel\w*|desistir)\b(?: \w+){0,3} (?:pedido|compra|encomenda)\b")
_NO_PRODUCT = Product("", "", "", Decimal(0))


_OPTION_ASKED = re.compile(r"\b(?:sabor|estampa|modelo|fragrancia|aroma|cheiro|essencia)\s+(?:de\s+)?([a-z]{3,})\b")


_DIMENSIONS = {"cor": re.compile(r"\b(?:cor|cores|outras cores|colorid\w*)\b"),
               "tamanho": re.compile(r"\b(?:tamanho|tamanhos|numeracao|numero|medida\w*)\b"),
               "voltagem": re.compile(r"\b(?:voltagem|voltagens|110|127|220|bivolt)\b")}
_COLOUR_STEMS = {stem(c) for c in COLOURS}


def _other_dimension(joined: str, product: Product) -> str:
    """"qual o tamanho?" of a product that comes in colours (or "tem outras cores?" of one in sizes): the kind of
    option asked, which the product's options are not; "" when they are, or it cannot tell."""
    if not product.variants:
        return ""
    kinds = set()
    for variant in product.variants:
        words = fold(variant).split()
        key = spec_key(fold(variant))
        kinds.add("cor" if words and stem(words[0]) in _COLOUR_STEMS else "tamanho" if key.startswith("size:")
                  else "voltagem" if key.startswith("voltage:") else "?")
    folded = normalised(joined)
    asked = [kind for kind, pattern in _DIMENSIONS.items() if pattern.search(folded)]
    if len(kinds) != 1 or "?" in kinds or len(asked) != 1 or asked[0] in kinds:
        return ""
    return asked[0]


def _option_not_offered(joined: str, product: Product) -> str:
    """"a ração tem sabor cordeiro?" when it comes in Frango and Carne: the option asked, said not to exist."""
    match = _OPTION_ASKED.search(normalised(joined))
    if not match or not product.variants:
        return ""
    word = match.group(1)
    own = [w for text in (*product.variants, product.name) for w in fold(text).split()]
    return "" if word in STOPWORDS or any(same_word(w, word) for w in own) else word


_GREETING_ONLY = re.compile(r"^\s*(?:oi+|ola|opa|eae|e ai|bom dia|boa tarde|boa noite)\s*$")


def _is_small_talk(joined: str) -> bool:
    words = _GREETING_WORDS.sub("", normalised(joined)).split()
    return bool(words) and all(w in _SMALL_TALK for w in words)


def _asks_something_else(joined: str) -> bool:
    """Beside a greeting, a question the bot did not understand ("bom dia, vcs tem loja fisica?"), not small talk."""
    rest = _GREETING_WORDS.sub("", normalised(joined)).split()
    return "?" in joined and sum(1 for w in rest if w not in _SMALL_TALK) >= 2


def _trusted(understanding: Understanding, joined: str) -> list[Intent]:
    """The intents, less a low-confidence request for a person or complaint whose words are not in the message
    ("2 sacos", "preciso de 5 tapetes")."""
    intents = understanding.intents
    folded = normalised(joined)
    scores = dict(understanding.primary.ranking)
    for intent, words in ((Intent.HUMAN, _HUMAN_WORDS), (Intent.COMPLAINT, _COMPLAINT_WORDS)):
        if intent not in intents or words.search(folded):
            continue
        score = scores.get(intent, understanding.primary.confidence if understanding.primary.intent is intent else 0)
        if score < _HUMAN_SURE:
            intents = [i for i in intents if i is not intent] or [Intent.OTHER]
    return intents


def _quantity_priced(folded: str, product: Product) -> int:
    """"quanto fica 3?", "quanto sai duas coleiras?": how many the price question is for (0: one, or none
    said). A number of the product's name or variants, or a measure ("500 ml", "10 dias"), is not one."""
    own = {w for phrase in (product.name, *product.variants) for w in fold(phrase).split()}
    words = folded.split()
    for i, word in enumerate(words):
        value = int(word) if word.isdigit() else _NUMBER_WORDS.get(word, 0)
        following = words[i + 1] if i + 1 < len(words) else ""
        before = words[i - 1] if i else ""
        counted = before in _PRICED_COUNT or following in _UNIT_WORDS or any(same_word(t, following) for t in own
                                                                            if len(t) > 3)
        if not counted:
            continue  # "tem os dois?", "a camiseta 38": both products, a size; not two or 38 of one
        if 2 <= value <= 99 and word not in own and not _NOT_A_QUANTITY.match(following):
            return value
    return 0


def _hours(folded: str, settings: BotSettings) -> Answer:
    """When the shop's team answers (business hours); "vcs abrem sábado?" is answered yes or no."""
    hours = settings.business_hours
    days = sorted(set(hours.weekdays))
    if days and days == list(range(days[0], days[-1] + 1)) and len(days) > 2:
        when = f"de {_WEEKDAYS[days[0]]} a {_WEEKDAYS[days[-1]]}"
    else:
        when = join(_WEEKDAYS[d] for d in days) if days else ""
    asked = next((i for i, day in enumerate(_WEEKDAYS) if fold(day) in folded.split()), None)
    confirmed = "" if asked is None else ("yes" if asked in days else "no:" + _WEEKDAYS[asked])
    if "fim de semana" in folded or "final de semana" in folded:
        confirmed = "yes" if {5, 6} & set(days) else "no:fim de semana"
    return Answer(AnswerKind.HOURS, text=f"{when}, das {hours.open} às {hours.close}", confirmed=confirmed)


def _details(product: Product) -> Answer:
    return Answer(AnswerKind.DETAILS, Topic.DETAILS, product)


def _unknown(name: str, catalog: Catalog) -> Answer:
    """What the shop has instead: products sharing a word with what was asked ("capa do iphone 15") first."""
    asked = set(fold(name).split())

    def alike(product: Product) -> bool:  # "capinha do iphone" and the "Capa Galaxy S23" (synonym "capinha")
        heads = [fold(phrase).split()[:1] for phrase in (product.name, *product.synonyms)]
        return any(same_word(head[0], word) for head in heads if head for word in asked)

    similar = sorted(catalog.in_stock(), key=lambda p: not alike(p))
    return Answer(AnswerKind.UNKNOWN_PRODUCT, text=name, products=tuple(similar))


def _unavailable(product: Product, catalog: Catalog) -> Answer:
    """A product the shop had and deactivated: not available at the moment, with what is (alike first)."""
    words = {w for phrase in (product.name, *product.synonyms) for w in fold(phrase).split()
             if w not in STOPWORDS and w.isalpha()}  # "Fonte … para Gatos": the "Arranhador para Gatos" first

    def shared(other: Product) -> int:
        return sum(1 for w in fold(other.name).split() if any(same_word(t, w) for t in words))

    similar = sorted(catalog.in_stock(), key=lambda p: -shared(p))
    return Answer(AnswerKind.UNAVAILABLE_PRODUCT, products=tuple(similar), withdrawn=product)


def _restock_notice(turn: TurnPlan, product: Product, state: ConversationState) -> None:
    """The buyer wants to hear when a sold-out product is back: recorded in the contact's context."""
    turn.plan.answers.append(Answer(AnswerKind.RESTOCK_NOTICE, product=product))
    turn.context_updates[BACK_IN_STOCK_KEY] = list(dict.fromkeys([*state.back_in_stock, product.id]))
    turn.product, turn.topic = product, state.topic


def _resume_order(turn: TurnPlan, catalog: Catalog) -> None:
    """After a side question the order in progress is asked for again where it stopped."""
    draft = turn.draft
    assert draft is not None
    slot = order_slots.next_slot(draft, catalog)
    chosen = catalog.by_id(draft.product_id)
    if slot is None or chosen is None:
        return
    draft.asked = slot.value
    turn.in_order = True  # worded offline, so the order's question is asked as it is
    turn.plan.answers.append(Answer(AnswerKind.PURCHASE, product=chosen, order=draft, slot=slot, text="resume"))


def _alternatives(product: Product, catalog: Catalog) -> list[Product]:
    """In-stock products that share a word of the name with the sold-out one first, then the others."""
    head = set(fold(product.name).split()[:1])
    others = catalog.in_stock(besides=product)
    return sorted(others, key=lambda p: not head & set(fold(p.name).split()))


def _policy_text(topic: Topic, product: Product | None, settings: BotSettings, joined: str = "") -> str:
    policies = settings.policies
    if topic is Topic.SHIPPING:
        policy = (product.shipping_policy if product else "") or policies.shipping
        place = shipping.place_in(joined) if joined else None
        return (shipping.line_for(policy, place) if place else "") or policy  # "prazo pra rj?": the RJ line
    if topic is Topic.RETURNS:
        return (product.return_policy if product else "") or policies.returns
    if topic is Topic.WARRANTY:
        return policies.warranty
    return ", ".join(policies.payment_methods)


def _purchase(
    turn: TurnPlan, state: ConversationState, understanding: Understanding, joined: str, entities: Entities,
    catalog: Catalog, settings: BotSettings,
) -> bool:
    """Order slot filling; False when the turn is not about an order."""
    intents = turn.intents  # as trusted ("2 sacos" is no request for a person)
    draft = order_slots.OrderDraft.from_dict(state.order)
    wants = Intent.PURCHASE in intents and Topic.ORDER_STATUS not in entities.topics \
        and not _ASKS_HAVE_AT_END.search(joined.lower())  # "to querendo um kit de pincel, tem?": whether it is in stock
    if draft is None and not wants:
        return False
    if draft is not None and _CANCEL.search(fold(joined)):
        turn.plan.answers.append(Answer(AnswerKind.ORDER_CANCELLED, product=catalog.by_id(draft.product_id)))
        turn.context_updates["order"] = None
        return True
    if wants and entities.unknown_product:
        turn.plan.answers.append(_unknown(entities.unknown_product, catalog))
        return True
    draft = draft or order_slots.OrderDraft()
    before = draft.to_dict()
    asked_before = draft.asked
    if turn.product and not draft.product_id and wants:
        order_slots.fill(draft, turn.product.name, catalog, [])
    order_slots.fill(draft, joined, catalog, settings.policies.payment_methods, switch_product=wants)
    chosen_id, _, said_variant = state.variant.partition(":")
    if not draft.variant and wants and chosen_id == draft.product_id and (
            said_variant in (catalog.by_id(chosen_id) or _NO_PRODUCT).variants):
        draft.variant = said_variant  # "tem de carne?" then "manda 2": the carne one
    progressed = draft.to_dict() != before
    continuing = wants or progressed or understanding.primary.intent in (Intent.OTHER, Intent.PURCHASE) or (
        understanding.primary.intent is Intent.PAYMENT and not entities.topics)  # "parcela?": answered, then resumed
    if not continuing:
        turn.draft = draft  # kept: this turn answers its own question, then the order is asked for again
        return False
    chosen = catalog.by_id(draft.product_id)
    if chosen is not None and not chosen.in_stock:
        said_before = state.offer == OFFER_RESTOCK + chosen.id  # "quero 2" right after the sold-out notice
        turn.plan.answers.append(Answer(AnswerKind.PURCHASE_UNAVAILABLE, product=chosen,
                                        products=tuple(_alternatives(chosen, catalog)),
                                        text="again" if said_before else ""))
        turn.offer = OFFER_RESTOCK + chosen.id
        turn.product = chosen
        turn.context_updates["order"] = None
        return True
    slot = order_slots.next_slot(draft, catalog)
    draft.asked = slot.value if slot else ""
    turn.draft, turn.in_order, turn.intents = draft, True, [Intent.PURCHASE]
    missing = entities.spec if chosen is not None and entities.spec and not draft.variant else ""
    noted = [f for f in ("quantity", "cep", "payment") if before[f] != getattr(draft, f)]
    again = "again:" + ",".join(noted) if slot is order_slots.Slot.VARIANT and asked_before == slot.value \
        and not missing else ""
    if slot is order_slots.Slot.CEP and "payment" in noted and asked_before:  # (a new order: said in full)
        again = "payment"  # "pode ser no cartão?" while the CEP is asked: said yes to, then the CEP asked
    turn.plan.answers.append(Answer(AnswerKind.PURCHASE, product=chosen, order=draft, slot=slot, variant=missing,
                                    text=again,
                                    products=tuple(catalog.in_stock()) if slot is order_slots.Slot.PRODUCT else ()))
    if slot is None:
        turn.trigger = HandoffReason.ORDER_READY
    return True


_CANCEL = re.compile(r"\b(desist\w*|cancela\w*|nao quero mais|deixa para la|deixa pra la|esquece)\b")
