"""Sales funnel stages of a conversation; a conversation only moves forward."""

from __future__ import annotations

from enum import StrEnum

from chatbot.domain.intents import Intent


class Stage(StrEnum):
    NEW_CONTACT = "new_contact"
    PRODUCT_INTEREST = "product_interest"
    PRICE_ASKED = "price_asked"
    PURCHASE_INTENT = "purchase_intent"
    CONVERTED = "converted"


STAGES: tuple[Stage, ...] = tuple(Stage)
RANK = {stage: i for i, stage in enumerate(STAGES)}

_INTENT_STAGE = {
    Intent.PRODUCT_INFO: Stage.PRODUCT_INTEREST,
    Intent.AVAILABILITY: Stage.PRODUCT_INTEREST,
    Intent.PRICE: Stage.PRICE_ASKED,
    Intent.PURCHASE: Stage.PURCHASE_INTENT,
    Intent.PAYMENT: Stage.PURCHASE_INTENT,
}


def stage_after(current: Stage, intents: list[Intent], mentioned_product: bool) -> Stage:
    reached = current
    candidates = [_INTENT_STAGE.get(i, Stage.NEW_CONTACT) for i in intents]
    if mentioned_product:
        candidates.append(Stage.PRODUCT_INTEREST)
    for stage in candidates:
        if RANK[stage] > RANK[reached]:
            reached = stage
    return reached


def conversion_rates(counts: list[int]) -> list[float]:
    """Share of the first stage that reached each stage (the first is 1.0 when it has any contact)."""
    first = counts[0] if counts else 0
    return [round(c / first, 4) if first else 0.0 for c in counts]
