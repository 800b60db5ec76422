"""An order as the bot may speak of it: what the seller's order source says about a number, or that it cannot
tell (no order source yet: the bot then offers a person)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class OrderInfo:
    number: str
    known: bool = False  # False: the lookup cannot tell (no source, or no such order there)
    status: str = ""  # as the customer should read it: "enviado", "entregue", "aguardando pagamento"
    tracking_code: str = ""
    estimated_delivery: str = ""  # "12/12", as the source gives it
