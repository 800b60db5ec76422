"""Brazilian money: format amounts as the customer expects ("R$ 1.299,90") and find amounts in a reply."""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

_AMOUNT = re.compile(r"R\$\s*(\d{1,3}(?:\.\d{3})+(?:,\d{1,2})?|\d+\.\d{1,2}(?!\d)|\d+(?:,\d{1,2})?)", re.IGNORECASE)
_REAIS = re.compile(r"\b(\d+(?:,\d{1,2})?)\s*reais\b", re.IGNORECASE)
CENT = Decimal("0.01")


def to_decimal(value: float | str | Decimal) -> Decimal:
    return Decimal(str(value)).quantize(CENT, rounding=ROUND_HALF_UP)


def format_brl(value: float | str | Decimal) -> str:
    amount = to_decimal(value)
    whole, cents = f"{amount:.2f}".split(".")
    grouped = f"{int(whole):,}".replace(",", ".")
    return f"R$ {grouped},{cents}"


def amounts_in(text: str) -> set[Decimal]:
    """Every money amount a reply states, written "R$ 49,90", "R$49.90", "R$ 1.299,90" or "50 reais"."""
    found: set[Decimal] = set()
    for match in [*_AMOUNT.finditer(text), *_REAIS.finditer(text)]:
        raw = match.group(1)
        if "," in raw:
            raw = raw.replace(".", "").replace(",", ".")
        elif raw.count(".") > 1 or (raw.count(".") == 1 and len(raw.split(".")[1]) == 3):
            raw = raw.replace(".", "")
        try:
            found.add(to_decimal(raw))
        except InvalidOperation:
            continue
    return found
