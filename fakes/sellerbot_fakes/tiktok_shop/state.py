"""In-memory shops of the fake TikTok Shop Open API: catalog, orders, tracking, tokens and injected faults."""

from __future__ import annotations

import random
import secrets
import threading
import time
from dataclasses import dataclass, field
from typing import Any

PRODUCT_STATUSES_GONE = ("SELLER_DEACTIVATED", "PLATFORM_DEACTIVATED", "DELETED", "FREEZE")
ORDER_STATUSES = ("UNPAID", "AWAITING_SHIPMENT", "AWAITING_COLLECTION", "IN_TRANSIT", "DELIVERED", "COMPLETED",
                  "CANCELLED")
CARRIERS = ("Correios", "J&T Express", "Loggi")
COLORS = ("Preto", "Branco", "Azul", "Rosa")
SIZES = ("P", "M", "G")


@dataclass
class ShopData:
    id: str
    name: str
    cipher: str
    region: str = "BR"
    auth_code: str = ""
    products: dict[str, dict[str, Any]] = field(default_factory=dict)
    orders: dict[str, dict[str, Any]] = field(default_factory=dict)
    tracking: dict[str, list[dict[str, Any]]] = field(default_factory=dict)


@dataclass
class Token:
    shop_id: str
    expires_at: int


@dataclass
class Fault:
    kind: str  # rate_limit | server_error
    after: int  # data requests that still succeed before this fault fires
    times: int


class TikTokShopState:
    def __init__(self, apps: dict[str, str]) -> None:
        self.apps = dict(apps)
        self.shops: dict[str, ShopData] = {}
        self.access: dict[str, Token] = {}
        self.refresh: dict[str, Token] = {}
        self.access_ttl_seconds = 7 * 24 * 3600
        self.faults: list[Fault] = []
        self.counts: dict[str, int] = {}
        self._lock = threading.Lock()

    # ----- seeding ----------------------------------------------------------------------------------
    def shop(self, shop_id: str, name: str = "", auth_code: str = "") -> ShopData:
        shop = self.shops.get(shop_id)
        if shop is None:
            shop = ShopData(id=shop_id, name=name or f"Loja {shop_id}", cipher=f"ROW_{secrets.token_urlsafe(18)}")
            self.shops[shop_id] = shop
        if auth_code:
            shop.auth_code = auth_code
        return shop

    def shop_by_cipher(self, cipher: str) -> ShopData | None:
        return next((s for s in self.shops.values() if s.cipher == cipher), None)

    def generate(self, shop: ShopData, products: int, orders: int, seed: int = 7) -> None:
        rng = random.Random(seed)  # noqa: S311 - test data
        base = int(time.time()) - 30 * 24 * 3600
        for n in range(products):
            pid = f"17{n:017d}"
            shop.products[pid] = make_product(pid, f"Produto {n}", base + n * 60, rng)
        ids = list(shop.products) or ["1700000000000000000"]
        for n in range(orders):
            oid = f"57{n:016d}"
            shop.orders[oid] = make_order(oid, shop.products.get(ids[n % len(ids)]), base + n * 30, rng)
            if shop.orders[oid]["tracking_number"]:
                shop.tracking[oid] = [{"description": "Objeto postado", "update_time_millis": (base + n * 30) * 1000}]

    def touch_products(self, shop: ShopData, count: int, status: str = "") -> list[str]:
        """Change `count` products now (price + 1); with `status`, set it (e.g. SELLER_DEACTIVATED)."""
        now = int(time.time())
        changed = []
        for pid in list(shop.products)[:count]:
            product = shop.products[pid]
            for sku in product["skus"]:
                sku["price"]["sale_price"] = f"{float(sku['price']['sale_price']) + 1:.2f}"
                sku["price"]["tax_exclusive_price"] = sku["price"]["sale_price"]
            if status:
                product["status"] = status
            product["update_time"] = now
            changed.append(pid)
        return changed

    # ----- tokens -----------------------------------------------------------------------------------
    def issue_tokens(self, shop_id: str) -> dict[str, Any]:
        now = int(time.time())
        access, refresh = f"TTP_{secrets.token_urlsafe(24)}", f"TTP_{secrets.token_urlsafe(24)}"
        self.access[access] = Token(shop_id, now + self.access_ttl_seconds)
        self.refresh[refresh] = Token(shop_id, now + 365 * 24 * 3600)
        return {"access_token": access, "access_token_expire_in": now + self.access_ttl_seconds,
                "refresh_token": refresh, "refresh_token_expire_in": now + 365 * 24 * 3600,
                "open_id": f"open-{shop_id}", "seller_name": self.shops[shop_id].name, "seller_base_region": "BR",
                "user_type": 0, "granted_scopes": ["seller.product.basic", "seller.order.info",
                                                    "seller.fulfillment.basic"]}

    def expire_access_tokens(self) -> None:
        for token in self.access.values():
            token.expires_at = 0

    # ----- faults and counters ----------------------------------------------------------------------
    def next_fault(self) -> Fault | None:
        with self._lock:
            for fault in self.faults:
                if fault.after > 0:
                    fault.after -= 1
                    return None
                fault.times -= 1
                if fault.times <= 0:
                    self.faults.remove(fault)
                return fault
            return None

    def count(self, key: str) -> None:
        with self._lock:
            self.counts[key] = self.counts.get(key, 0) + 1


def make_product(pid: str, title: str, update_time: int, rng: random.Random) -> dict[str, Any]:
    price = rng.randrange(1990, 29990) / 100
    skus = []
    for i, (color, size) in enumerate([(c, s) for c in COLORS[:2] for s in SIZES[:2]]):
        skus.append({
            "id": f"{pid}{i}", "seller_sku": f"SKU-{pid[-6:]}-{i}",
            "price": {"currency": "BRL", "sale_price": f"{price:.2f}", "tax_exclusive_price": f"{price:.2f}"},
            "inventory": [{"warehouse_id": "7001", "quantity": rng.randrange(0, 40)}],
            "sales_attributes": [{"id": "100000", "name": "Cor", "value_id": str(i), "value_name": color},
                                 {"id": "100001", "name": "Tamanho", "value_id": str(i), "value_name": size}],
        })
    return {"id": pid, "title": title, "description": f"<p>{title}: tecido leve, entrega para todo o Brasil.</p>",
            "status": "ACTIVATE", "skus": skus,
            "product_attributes": [{"id": "200000", "name": "Material", "values": [{"id": "1", "name": "Algodão"}]}],
            "create_time": update_time, "update_time": update_time}


def make_order(oid: str, product: dict[str, Any] | None, update_time: int, rng: random.Random) -> dict[str, Any]:
    status = ORDER_STATUSES[rng.randrange(len(ORDER_STATUSES))]
    shipped = status in ("AWAITING_COLLECTION", "IN_TRANSIT", "DELIVERED", "COMPLETED")
    carrier = CARRIERS[rng.randrange(len(CARRIERS))] if shipped else ""
    tracking = f"BR{rng.randrange(10**9, 10**10)}BR" if shipped else ""
    package_id = f"11{oid[2:]}" if shipped else ""
    product = product or {}
    sku = product.get("skus", [{}])[0]
    return {
        "id": oid, "status": status, "create_time": update_time - 600, "update_time": update_time,
        "user_id": f"buyer{oid[-5:]}", "buyer_email": "", "buyer_message": "",
        "recipient_address": {"name": f"Cliente {oid[-4:]}", "phone_number": "(+55)11*****1234"},
        "payment": {"currency": "BRL", "total_amount": sku.get("price", {}).get("sale_price", "10.00")},
        "line_items": [{
            "id": f"{oid}1", "product_id": product.get("id", ""), "product_name": product.get("title", ""),
            "sku_id": sku.get("id", ""), "sku_name": "Preto, P", "seller_sku": sku.get("seller_sku", ""),
            "sale_price": sku.get("price", {}).get("sale_price", "10.00"), "currency": "BRL",
            "package_id": package_id, "tracking_number": tracking, "shipping_provider_name": carrier,
        }],
        "packages": [{"id": package_id}] if package_id else [],
        "tracking_number": tracking, "shipping_provider": carrier,
    }
