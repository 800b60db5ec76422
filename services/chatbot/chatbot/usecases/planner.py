"""The answer planner: from the intents, the entities of the message and what the conversation was about,
decide what the reply must say and fetch those facts (catalog, variants, stock, policies, the order). Pure:
the turn gives it the order lookup's result and the contact's context, and words the plan it returns.

Rules it keeps whatever the wording: no price for a product the catalog does not have, no stock claimed
when it is zero, no purchase of something unavailable (the alternatives in stock are offered instead)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from chatbot.domain import order_slots
from chatbot.domain.answer_plan import Answer, AnswerKind, AnswerPlan
from chatbot.domain.catalog import Catalog, Product
from chatbot.domain.config import BotSettings
from chatbot.domain.entities import POLICY_TOPICS, PRODUCT_TOPICS, Entities, Topic, extract, order_number_in
from chatbot.domain.handoff import Counters, HandoffReason, automatic_trigger
from chatbot.domain.intents import Intent
from chatbot.domain.orders import OrderInfo
from chatbot.domain.text import fold
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
_YES = re.compile(r"^(?:sim|s|ss|pode|pode sim|quero|quero sim|claro|ok|okay|beleza|blz|isso|por favor|pf|bora"
                  r"|manda|chama|pode chamar|chama sim|sim por favor|aham|uhum|yes)\b")
OFFER_HUMAN = "human"


@dataclass(frozen=True)
class ConversationState:
    """What the context remembers between turns."""

    product_id: str = ""
    topic: str = ""  # the last question answered about a product (carried to "e o carregador?")
    order: dict[str, Any] | None = None
    offer: str = ""  # what the bot offered last ("human"): a "sim" accepts it
    first_turn: bool = True

    @classmethod
    def from_context(cls, context: dict[str, Any]) -> ConversationState:
        return cls(str(context.get("product_id") or ""), str(context.get("topic") or ""), context.get("order"),
                   str(context.get("offer") or ""), not context)


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
            "order": self.draft.to_dict() if (self.draft and self.in_order and trigger is None) else None,
            "topic": self.topic, "offer": self.offer,
        }
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
    intents = understanding.intents
    focus = catalog.by_id(state.product_id)
    entities = extract(joined, catalog, focus)
    product = entities.product or (None if entities.unknown_product else focus)
    plan = AnswerPlan(contact_name=contact_name, payment_methods=tuple(settings.policies.payment_methods),
                      installments=settings.policies.installments)
    complaints = complaint_count + (1 if Intent.COMPLAINT in intents else 0)
    answered_something = bool(entities.product or entities.unknown_product or entities.topics)
    fallbacks = fallback_count + 1 if intents == [Intent.OTHER] and not answered_something else 0
    turn = TurnPlan(plan, intents, product, complaints=complaints, fallbacks=fallbacks)

    if state.offer == OFFER_HUMAN and _YES.match(fold(joined)) and not entities.topics:
        turn.trigger = HandoffReason.CUSTOMER_ASKED
        plan.answers.append(Answer(AnswerKind.HANDOFF, text=HandoffReason.CUSTOMER_ASKED))
        return turn
    turn.trigger = automatic_trigger(intents, Counters(complaints, fallbacks), settings.handoff_rules)
    if turn.trigger is not None:
        plan.answers.append(Answer(AnswerKind.HANDOFF, text=turn.trigger))
        return turn

    if out_of_hours and state.first_turn:
        plan.answers.append(Answer(AnswerKind.OUT_OF_HOURS, text=settings.out_of_hours_message))
    if _purchase(turn, state, understanding, joined, entities, catalog, settings):
        return turn
    topics = _topics(intents, entities, state)
    if Intent.GREETING in intents and (topics or len(intents) > 1 or not plan.answers):
        plan.answers.insert(0, Answer(AnswerKind.HELLO, text="short" if (topics or len(intents) > 1) else ""))
    for topic in topics[:MAX_TOPICS]:
        answer = _answer(topic, product, entities, catalog, settings, order_info)
        if answer.kind not in plan.kinds or answer.kind is AnswerKind.POLICY:
            plan.answers.append(answer)
    if not topics and product is not None and entities.product is not None:
        plan.answers.append(_details(product))  # a product named on its own: what it is, its price and stock
    elif not topics and entities.unknown_product:
        plan.answers.append(_unknown(entities.unknown_product, catalog))
    if Intent.COMPLAINT in intents:
        plan.answers.append(Answer(AnswerKind.COMPLAINT))
    if Intent.THANKS_BYE in intents and not topics:
        plan.answers.append(Answer(AnswerKind.THANKS))
    if not plan.answers or plan.kinds == [AnswerKind.OUT_OF_HOURS]:
        plan.answers.append(Answer(AnswerKind.NOT_UNDERSTOOD))
    product_topics = [t for t in topics if t in PRODUCT_TOPICS or t is Topic.ORDER_STATUS]
    turn.topic = product_topics[0].value if product_topics else (state.topic if not topics else "")
    if any(a.kind is AnswerKind.ORDER_STATUS and a.order_info and not a.order_info.known for a in plan.answers) \
            or any(a.kind is AnswerKind.PURCHASE_UNAVAILABLE for a in plan.answers):
        turn.offer = OFFER_HUMAN
    if any(a.kind is AnswerKind.ORDER_STATUS for a in plan.answers):
        turn.order_number = next(a.order_info.number for a in plan.answers if a.order_info)
    return turn


def _topics(intents: list[Intent], entities: Entities, state: ConversationState) -> list[Topic]:
    strong = set(entities.topics)
    weak = {_INTENT_TOPICS[i] for i in intents if i in _INTENT_TOPICS}
    if (entities.variant or entities.colour) and not strong & {Topic.PRICE, Topic.SHIPPING, Topic.PAYMENT}:
        strong.add(Topic.VARIANTS)  # "tem na cor preta?", "tem o 39?"
        weak.discard(Topic.STOCK)
    if strong - {Topic.DETAILS}:
        weak.discard(Topic.DETAILS)  # "quais cores?" / "tem garantia?" are classified product_info
    if Topic.STOCK in weak and strong & {Topic.VARIANTS, Topic.WARRANTY}:
        weak.discard(Topic.STOCK)
    if Topic.ORDER_STATUS in weak and strong & {Topic.SHIPPING} and entities.order_number:
        strong.discard(Topic.SHIPPING)  # "meu pedido 123 não chegou": the order, not the shipping policy
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
    order_info: OrderInfo | None,
) -> Answer:
    if topic in POLICY_TOPICS:
        return Answer(AnswerKind.POLICY, topic, product, text=_policy_text(topic, product, settings))
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
    if topic is Topic.PRICE:
        return Answer(AnswerKind.PRICE, topic, product)
    if topic is Topic.STOCK:
        alternatives = () if product.in_stock else tuple(_alternatives(product, catalog))
        return Answer(AnswerKind.STOCK, topic, product, products=alternatives)
    if topic is Topic.VARIANTS:
        asked = entities.variant or entities.colour
        return Answer(AnswerKind.VARIANTS, topic, product, variant=entities.variant or asked,
                      has_variant=bool(entities.variant))
    return _details(product)


def _details(product: Product) -> Answer:
    return Answer(AnswerKind.DETAILS, Topic.DETAILS, product)


def _unknown(name: str, catalog: Catalog) -> Answer:
    return Answer(AnswerKind.UNKNOWN_PRODUCT, text=name, products=tuple(catalog.in_stock()))


def _alternatives(product: Product, catalog: Catalog) -> list[Product]:
    """In-stock products that share a word of the name with the sold-out one first, then the others."""
    head = set(fold(product.name).split()[:1])
    others = catalog.in_stock(besides=product)
    return sorted(others, key=lambda p: not head & set(fold(p.name).split()))


def _policy_text(topic: Topic, product: Product | None, settings: BotSettings) -> str:
    policies = settings.policies
    if topic is Topic.SHIPPING:
        return (product.shipping_policy if product else "") or policies.shipping
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
    intents = understanding.intents
    draft = order_slots.OrderDraft.from_dict(state.order)
    wants = Intent.PURCHASE in intents
    if draft is None and not wants:
        return False
    if wants and entities.unknown_product:
        turn.plan.answers.append(_unknown(entities.unknown_product, catalog))
        return True
    draft = draft or order_slots.OrderDraft()
    before = draft.to_dict()
    if turn.product and not draft.product_id and wants:
        order_slots.fill(draft, turn.product.name, catalog, [])
    order_slots.fill(draft, joined, catalog, settings.policies.payment_methods)
    progressed = draft.to_dict() != before
    continuing = wants or progressed or understanding.primary.intent in (
        Intent.OTHER, Intent.PAYMENT, Intent.PURCHASE)
    if not continuing:
        turn.draft = draft  # kept for later; this turn answers its own question
        return False
    chosen = catalog.by_id(draft.product_id)
    if chosen is not None and not chosen.in_stock:
        turn.plan.answers.append(Answer(AnswerKind.PURCHASE_UNAVAILABLE, product=chosen,
                                        products=tuple(_alternatives(chosen, catalog))))
        turn.offer = OFFER_HUMAN
        turn.product = chosen
        turn.context_updates["order"] = None
        return True
    slot = order_slots.next_slot(draft, catalog)
    draft.asked = slot.value if slot else ""
    turn.draft, turn.in_order, turn.intents = draft, True, [Intent.PURCHASE]
    turn.plan.answers.append(Answer(AnswerKind.PURCHASE, product=chosen, order=draft, slot=slot,
                                    products=tuple(catalog.in_stock()) if slot is order_slots.Slot.PRODUCT else ()))
    if slot is None:
        turn.trigger = HandoffReason.ORDER_READY
    return True
