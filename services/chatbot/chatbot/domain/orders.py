"""An order as the bot may speak of it: what the seller's orders say about a number, whether this buyer may hear
it (their own order, or confirmed by its CEP or the buyer's name), or that the bot cannot tell (it then offers a
person)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class OrderAccess(StrEnum):
    SHOWN = "shown"  # the buyer's own order, or one they confirmed: its facts may be said
    NEEDS_PROOF = "needs_proof"  # another buyer's (or an unknown one's): the CEP or the buyer's name first
    PROOF_FAILED = "proof_failed"  # the confirmation did not match: nothing about it is said


@dataclass(frozen=True)
class OrderInfo:
    number: str
    known: bool = False  # False: the lookup cannot tell (no source, no such order, or not this buyer's to hear)
    status: str = ""  # as the customer should read it: "enviado", "entregue", "aguardando pagamento"
    tracking_code: str = ""
    estimated_delivery: str = ""  # "12/12", as the source gives it
    carrier: str = ""
    tracking_url: str = ""
    last_event: str = ""  # the carrier's last tracking event, "Objeto em trânsito"
    last_event_at: str = ""  # "05/12 às 14:30" (the shop's time zone)
    access: OrderAccess = OrderAccess.SHOWN
    other_orders: int = 0  # the buyer's other orders (answered without a number: the newest is told)
    proof_turn: bool = False  # this turn answers the bot's request for the CEP or the buyer's name

    @property
    def hidden(self) -> bool:
        """Nothing about this order may be said to this buyer (yet)."""
        return self.access is not OrderAccess.SHOWN


def withheld(number: str, access: OrderAccess, proof_turn: bool = False) -> OrderInfo:
    """An order this buyer may not hear about: only its number (which they gave) is kept."""
    return OrderInfo(number=number, known=False, access=access, proof_turn=proof_turn)
