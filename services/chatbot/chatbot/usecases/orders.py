"""The order lookup port (what the bot may say about an existing order) and which order a turn is about: the
number in the message, the one whose confirmation the bot asked for, or else the buyer's newest order. The
CRM's orders (TikTok Shop orders land there from the SHOP events) answer it: `crm/order_lookup.py`."""

from __future__ import annotations

import re
from typing import Any, Protocol

from chatbot.domain.intents import Intent
from chatbot.domain.orders import OrderAccess, OrderInfo

PENDING_PROOF_KEY = "order_check"  # context: the order number whose CEP/name the bot asked for
CONFIRMED_KEY = "orders_confirmed"  # context: order numbers this contact confirmed (not asked again)
_CEP = re.compile(r"\b\d{5}-?\d{3}\b")
MAX_PROOF_WORDS = 8
NOT_A_PROOF = frozenset({Intent.GREETING, Intent.THANKS_BYE, Intent.HUMAN, Intent.PRICE, Intent.PURCHASE,
                         Intent.AVAILABILITY, Intent.COMPLAINT})


class OrderLookup(Protocol):
    async def find(self, user_id: str, order_number: str, contact_id: str = "", proof: str | None = None,
                   trusted: bool = False) -> OrderInfo:
        """What the seller's orders say about this number to this contact (`known=False` when they cannot tell;
        `hidden` when the order is not theirs: `proof` is their answer to the bot's request to confirm it)."""
        ...

    async def newest_of(self, user_id: str, contact_id: str) -> OrderInfo | None:
        """The buyer's own newest order (None when they have none)."""
        ...


class NoOrderSource:
    async def find(self, user_id: str, order_number: str, contact_id: str = "", proof: str | None = None,
                   trusted: bool = False) -> OrderInfo:
        return OrderInfo(number=order_number, known=False)

    async def newest_of(self, user_id: str, contact_id: str) -> OrderInfo | None:
        return None


def looks_like_proof(text: str, intents: list[Intent]) -> bool:
    """A reply to "confirm the CEP or the buyer's name": a CEP, or a short statement of two words or more that
    is not something else ("ok", "obrigado", "quero falar com alguém", a new question)."""
    if _CEP.search(text):
        return True
    words = len(text.split())
    return 2 <= words <= MAX_PROOF_WORDS and "?" not in text and not NOT_A_PROOF.intersection(intents)


async def order_for_turn(
    lookup: OrderLookup, user_id: str, contact_id: str, text: str, number: str, intents: list[Intent],
    pending_proof: str, confirmed: list[str],
) -> OrderInfo | None:
    """The order this turn speaks of (None: none, the planner asks for the number)."""
    asks_status = Intent.ORDER_STATUS in intents
    if pending_proof and not number and looks_like_proof(text, intents):
        return await lookup.find(user_id, pending_proof, contact_id, proof=text)
    if number:
        return await lookup.find(user_id, number, contact_id, trusted=number in confirmed)
    if asks_status:
        return await lookup.newest_of(user_id, contact_id)
    return None


def remember_order_access(context: dict[str, Any], info: OrderInfo | None) -> dict[str, Any]:
    """What the context keeps of the turn's order: the number awaiting the buyer's confirmation (asked once: a
    failed confirmation is not asked again in a loop) and the numbers they confirmed."""
    confirmed = list(context.get(CONFIRMED_KEY) or [])
    if info is not None and info.access is OrderAccess.SHOWN and info.proof_turn and info.number not in confirmed:
        confirmed = [*confirmed, info.number][-10:]
    pending = info.number if info is not None and info.access is OrderAccess.NEEDS_PROOF else ""
    return {PENDING_PROOF_KEY: pending, CONFIRMED_KEY: confirmed}
