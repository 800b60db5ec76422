"""Handoff state machine, funnel, debounce timing, sticky A/B variants, order slot filling, offline replies."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from chatbot.domain.burst import BurstWindow
from chatbot.domain.catalog import Catalog, Product
from chatbot.domain.config import BotSettings, HandoffRules, Policies, PromptVariant
from chatbot.domain.funnel import Stage, stage_after
from chatbot.domain.handoff import (
    Counters,
    HandoffReason,
    HandoffState,
    automatic_trigger,
    idle_expired,
    on_handoff_request,
    on_human_activity,
    on_release,
)
from chatbot.domain.intents import Intent, default_model
from chatbot.domain.order_slots import OrderDraft, Slot, fill, next_slot
from chatbot.domain.responder import render
from chatbot.domain.variants import assign_variant
from chatbot.usecases.planner import ConversationState, plan_turn
from chatbot.usecases.understanding import understand

CATALOG = Catalog([
    Product("1", "X-1", "X", Decimal("49.90"), stock=3),
    Product("3", "CAM-B", "Camiseta Básica", Decimal("39.90"), stock=8, variants=("P", "M", "G")),
])


def test_handoff_goes_bot_waiting_human_and_back() -> None:
    state = on_handoff_request(HandoffState.BOT)
    assert state is HandoffState.WAITING_HUMAN
    assert on_human_activity(state) is HandoffState.HUMAN
    assert on_handoff_request(HandoffState.HUMAN) is HandoffState.HUMAN
    assert on_release(HandoffState.HUMAN) is HandoffState.BOT


def test_automatic_handoff_triggers() -> None:
    rules = HandoffRules(complaint_threshold=2, fallback_threshold=3)
    assert automatic_trigger([Intent.HUMAN], Counters(0, 0), rules) is HandoffReason.CUSTOMER_ASKED
    assert automatic_trigger([Intent.COMPLAINT], Counters(1, 0), rules) is None
    assert automatic_trigger([Intent.COMPLAINT], Counters(2, 0), rules) is HandoffReason.REPEATED_COMPLAINT
    assert automatic_trigger([Intent.OTHER], Counters(0, 3), rules) is HandoffReason.TOO_MANY_FALLBACKS
    assert automatic_trigger([Intent.HUMAN], Counters(0, 0), HandoffRules(on_human_intent=False)) is None


def test_idle_human_conversation_returns_to_the_bot() -> None:
    now = datetime.now(UTC)
    rules = HandoffRules(idle_release_minutes=10)
    assert idle_expired(HandoffState.HUMAN, now - timedelta(minutes=11), now, rules)
    assert not idle_expired(HandoffState.HUMAN, now - timedelta(minutes=5), now, rules)
    assert not idle_expired(HandoffState.BOT, now - timedelta(days=1), now, rules)


def test_funnel_only_moves_forward() -> None:
    assert stage_after(Stage.NEW_CONTACT, [Intent.PRICE], True) is Stage.PRICE_ASKED
    assert stage_after(Stage.PRICE_ASKED, [Intent.GREETING], False) is Stage.PRICE_ASKED
    assert stage_after(Stage.NEW_CONTACT, [Intent.GREETING], True) is Stage.PRODUCT_INTEREST


def test_debounce_resets_on_each_message_but_never_passes_the_cap() -> None:
    burst = BurstWindow(first_at=0, last_at=0, window_seconds=3, max_wait_seconds=10)
    assert burst.due_at == 3
    burst.add(2)
    assert burst.due_at == 5
    burst.add(9)
    assert burst.due_at == 10


def test_prompt_variants_are_sticky_and_follow_weights() -> None:
    variants = [PromptVariant(name="a", weight=3), PromptVariant(name="b", weight=1)]
    assert assign_variant(variants, "u:c1") == assign_variant(variants, "u:c1")
    counts = Counter(assign_variant(variants, f"u:{i}") for i in range(4000))
    assert 0.70 < counts["a"] / 4000 < 0.80
    assert assign_variant([], "u:c") == "default"


def test_order_slot_filling_collects_product_variant_cep_and_payment() -> None:
    draft = OrderDraft()
    fill(draft, "quero comprar 2 camisetas", CATALOG, ["pix", "cartão de crédito"])
    assert (draft.product_id, draft.quantity) == ("3", 2)
    assert next_slot(draft, CATALOG) is Slot.VARIANT
    draft.asked = Slot.VARIANT
    fill(draft, "M", CATALOG, ["pix"])
    assert draft.variant == "M"
    fill(draft, "meu cep é 01310-100", CATALOG, ["pix"])
    assert draft.cep == "01310-100" and next_slot(draft, CATALOG) is Slot.PAYMENT
    fill(draft, "vou pagar no pix", CATALOG, ["pix", "cartão de crédito"])
    assert draft.payment == "pix" and next_slot(draft, CATALOG) is None
    assert draft.total == Decimal("79.80")


def test_offline_reply_answers_several_questions_from_catalog_and_config_only() -> None:
    settings = BotSettings(policies=Policies(payment_methods=["pix", "cartão de crédito"]))
    reply = _reply("oi! qual o preço do X? aceita pix? e o frete?", settings)
    assert "R$ 49,90" in reply and "pix" in reply
    assert "frete grátis" not in reply.lower()  # no shipping policy configured: nothing invented
    assert "CEP" in reply


def test_offline_price_without_a_product_lists_catalog_prices() -> None:
    reply = _reply("qual o preço?", BotSettings())
    assert "R$ 49,90" in reply and "R$ 39,90" in reply


def _reply(text: str, settings: BotSettings) -> str:
    understanding = understand(default_model(), [text])
    turn = plan_turn([text], understanding, ConversationState(), CATALOG, settings, 0, 0, False)
    return render(turn.plan, settings)
