"""The shop as TikTok Shop reports it, in the chatbot's terms: a synced product as one catalog entry, whose order
a buyer may hear about (ownership, or proof by CEP or name), and which orders count as the conversation's sale."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation
from enum import StrEnum

from chatbot.crm.leads import normalize_phone
from chatbot.domain.text import fold

OFFERED_STATUS = "ACTIVATE"  # any other platform status: the product is kept, inactive, and never offered
# Orders that are not (yet, or any more) a sale: they convert nothing.
NOT_A_SALE = frozenset({"UNPAID", "CANCELLED"})
_TAGS = re.compile(r"<[^>]+>")
_SPACES = re.compile(r"[ \t]+")
_DIGITS = re.compile(r"\D+")
MAX_DESCRIPTION = 4000


class ProductSource(StrEnum):
    MANUAL = "manual"
    CSV = "csv"
    TIKTOK_SHOP = "tiktok_shop"


@dataclass(frozen=True)
class SkuFacts:
    seller_sku: str
    price: str  # decimal string as the platform sends it
    currency: str
    stock: int
    attributes: tuple[str, ...]  # the variant's values, "Azul", "M"


@dataclass(frozen=True)
class CatalogEntry:
    """One synced product as the bot's catalog holds it (one entry per product, its SKUs as variants)."""

    sku: str
    name: str
    description: str
    price: Decimal
    currency: str
    stock: int
    variants: tuple[str, ...]
    active: bool


def plain_text(description: str) -> str:
    """The platform's HTML description as the text a buyer reads."""
    text = _TAGS.sub(" ", description.replace("<br>", "\n").replace("</p>", "\n"))
    lines = [_SPACES.sub(" ", line).strip() for line in html.unescape(text).splitlines()]
    return "\n".join(line for line in lines if line)[:MAX_DESCRIPTION]


def _price(raw: str) -> Decimal | None:
    try:
        value = Decimal(raw)
    except (InvalidOperation, ValueError):
        return None
    return value.quantize(Decimal("0.01")) if value.is_finite() and value >= 0 else None


def catalog_entry(product_id: str, title: str, description: str, status: str, skus: list[SkuFacts]) -> CatalogEntry:
    """The price the bot quotes is the lowest of the SKUs in stock (of all when none is); the stock is their sum;
    each SKU's attribute values ("Azul / M") are a variant the buyer picks."""
    priced = [(p, s) for s in skus if (p := _price(s.price)) is not None]
    in_stock = [(p, s) for p, s in priced if s.stock > 0] or priced
    price, cheapest = min(in_stock, key=lambda pair: pair[0]) if in_stock else (Decimal("0.00"), None)
    variants = tuple(dict.fromkeys(" / ".join(s.attributes) for s in skus if s.attributes))
    first_sku = next((s.seller_sku for s in skus if s.seller_sku), "")
    return CatalogEntry(
        sku=(first_sku or f"tts-{product_id}")[:64], name=(title.strip() or product_id)[:200],
        description=plain_text(description), price=price,
        currency=((cheapest.currency if cheapest else "") or "BRL").upper()[:3],
        stock=sum(max(0, s.stock) for s in skus), variants=variants[:50], active=status == OFFERED_STATUS)


def buyer_phone(raw: str) -> str:
    """The buyer's phone as digits with the country code; "" when the platform masked it ("(+55)11*****1234"):
    a masked number is never matched against a contact."""
    return "" if "*" in raw else normalize_phone(raw)


@dataclass(frozen=True)
class Buyer:
    """Who is asking, as the chatbot knows them: the CRM contact, the phone of the channel, a platform handle."""

    contact_ref: str = ""
    phone: str = ""
    handle: str = ""


def owns_order(buyer: Buyer, order_contact_ref: str, order_phone: str, order_handle: str) -> bool:
    """Whether the order is this buyer's: linked to their contact, or the platform's buyer phone or handle is theirs."""
    return bool((buyer.contact_ref and buyer.contact_ref == order_contact_ref)
                or (buyer.phone and buyer.phone == order_phone)
                or (buyer.handle and buyer.handle == order_handle))


def proves_order(text: str, buyer_name: str, cep: str) -> bool:
    """The buyer's confirmation of an order that is not on their contact: the order's CEP, or the buyer's name
    as the order has it (first and last name; a one-word name whole)."""
    digits = _DIGITS.sub("", cep)
    if len(digits) == 8 and digits in _DIGITS.sub("", text.replace(" ", "")):
        return True
    name = [w for w in fold(buyer_name).split() if len(w) > 1]
    words = set(fold(text).split())
    if not name:
        return False
    return {name[0], name[-1]} <= words


def attributed(order_at: datetime, last_buyer_message_at: datetime | None, window_days: int) -> bool:
    """An order is the conversation's conversion when the buyer wrote to the bot within the window before it
    was placed (`last_buyer_message_at`: their last message at or before `order_at`). Talking only after the
    order ("where is my order?") converts nothing."""
    if last_buyer_message_at is None or window_days <= 0 or last_buyer_message_at > order_at:
        return False
    return order_at - timedelta(days=window_days) <= last_buyer_message_at
