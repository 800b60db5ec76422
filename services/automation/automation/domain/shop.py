"""The shop as the sync sees it: products and orders read from TikTok Shop (API or pages), and what changed."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from enum import StrEnum
from functools import cached_property


class SyncSource(StrEnum):
    API = "tiktok_shop_api"
    PAGES = "seller_center_page"


# Product statuses that mean "the buyer can no longer get it": the chatbot must stop offering it.
INACTIVE_PRODUCT_STATUSES = frozenset({"SELLER_DEACTIVATED", "PLATFORM_DEACTIVATED", "DELETED", "FREEZE"})
MISSING = "MISSING"  # a full sync no longer found the product


@dataclass(frozen=True)
class Attribute:
    name: str
    value: str


@dataclass(frozen=True)
class Sku:
    id: str
    seller_sku: str
    price: str
    currency: str
    stock: int
    attributes: tuple[Attribute, ...] = ()


@dataclass(frozen=True)
class Product:
    id: str
    title: str
    description: str
    status: str
    skus: tuple[Sku, ...]
    attributes: tuple[Attribute, ...]
    create_time: int
    update_time: int
    source: SyncSource = SyncSource.API

    @property
    def active(self) -> bool:
        return self.status not in INACTIVE_PRODUCT_STATUSES

    @cached_property
    def fingerprint(self) -> str:
        return content_hash(self)


@dataclass(frozen=True)
class TrackingEvent:
    description: str
    at: int  # unix seconds


@dataclass(frozen=True)
class LineItem:
    id: str
    product_id: str
    product_name: str
    sku_id: str
    sku_name: str
    seller_sku: str
    quantity: int
    sale_price: str
    currency: str
    package_id: str = ""


@dataclass(frozen=True)
class Package:
    id: str
    carrier: str
    tracking_number: str
    tracking_url: str
    last_tracking_event: TrackingEvent | None = None


@dataclass(frozen=True)
class Order:
    id: str
    status: str
    line_items: tuple[LineItem, ...]
    buyer_name: str
    buyer_phone: str
    buyer_handle: str
    buyer_message: str
    total_amount: str
    currency: str
    packages: tuple[Package, ...]
    create_time: int
    update_time: int
    source: SyncSource = SyncSource.API

    @property
    def first_package(self) -> Package | None:
        return self.packages[0] if self.packages else None

    @cached_property
    def fingerprint(self) -> str:
        return content_hash(self)


def content_hash(value: object) -> str:
    """A short stable hash of a product or order: a re-sync of an unchanged item is recognised and skipped.
    The repr of these frozen dataclasses (tuples all the way down) is deterministic and cheap to build."""
    return hashlib.blake2b(repr(value).encode(), digest_size=8).hexdigest()


# Public tracking pages of the carriers TikTok Shop Brazil uses; unknown carriers get no link.
TRACKING_URLS = {
    "correios": "https://rastreamento.correios.com.br/app/index.php?objetos={number}",
    "j&t express": "https://www.jtexpress.com.br/rastreamento?codigo={number}",
    "loggi": "https://www.loggi.com/rastreador/{number}",
}


def tracking_url(carrier: str, number: str) -> str:
    template = TRACKING_URLS.get(carrier.strip().lower())
    return template.format(number=number) if template and number else ""
