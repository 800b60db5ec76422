"""The replica's products and orders pages (Products > Manage, Orders, order detail), for the shop sync's
browser fallback. Same data shapes as the fake Open API (sellerbot_fakes.tiktok_shop), rendered as Seller
Center shows them: localized labels, times in `<time datetime>`, rows keyed by the platform id."""

from __future__ import annotations

import random
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from html import escape
from typing import Any

from sellerbot_fakes.seller_center.pages import Renderer
from sellerbot_fakes.tiktok_shop.state import make_order, make_product

PAGE_SIZE = 20
STRINGS: dict[str, dict[str, str]] = {
    "en": {
        "products_title": "Manage products", "products_table": "Products", "col_product": "Product",
        "col_status": "Status", "col_updated": "Updated", "description": "Description", "variants_table": "Variants",
        "col_sku": "SKU", "col_variation": "Variation", "col_price": "Price", "col_stock": "Stock",
        "attributes": "Attributes", "orders_title": "Orders", "orders_table": "Orders", "col_order": "Order",
        "col_buyer": "Buyer", "col_total": "Total", "order_title": "Order", "f_status": "Status", "f_buyer": "Buyer",
        "f_phone": "Phone", "f_handle": "Buyer username", "f_total": "Total", "f_carrier": "Carrier",
        "f_tracking": "Tracking number", "f_last_event": "Latest tracking event", "f_created": "Created",
        "f_updated": "Updated", "items_table": "Items", "col_quantity": "Quantity", "pagination": "Pagination",
        "next_page": "Next page",
    },
    "pt-BR": {
        "products_title": "Gerenciar produtos", "products_table": "Produtos", "col_product": "Produto",
        "col_status": "Status", "col_updated": "Atualizado em", "description": "Descrição",
        "variants_table": "Variações", "col_sku": "SKU", "col_variation": "Variação", "col_price": "Preço",
        "col_stock": "Estoque", "attributes": "Atributos", "orders_title": "Pedidos", "orders_table": "Pedidos",
        "col_order": "Pedido", "col_buyer": "Comprador", "col_total": "Total", "order_title": "Pedido",
        "f_status": "Status", "f_buyer": "Comprador", "f_phone": "Telefone", "f_handle": "Usuário do comprador",
        "f_total": "Total", "f_carrier": "Transportadora", "f_tracking": "Código de rastreio",
        "f_last_event": "Último evento de rastreio", "f_created": "Criado em", "f_updated": "Atualizado em",
        "items_table": "Itens", "col_quantity": "Quantidade", "pagination": "Paginação", "next_page": "Próxima página",
    },
}
STATUS_LABELS: dict[str, dict[str, str]] = {
    "en": {"ACTIVATE": "Live", "SELLER_DEACTIVATED": "Deactivated", "PLATFORM_DEACTIVATED": "Suspended",
           "DELETED": "Deleted", "FREEZE": "Frozen", "DRAFT": "Draft", "UNPAID": "Unpaid",
           "AWAITING_SHIPMENT": "To ship", "AWAITING_COLLECTION": "Awaiting collection", "IN_TRANSIT": "In transit",
           "DELIVERED": "Delivered", "COMPLETED": "Completed", "CANCELLED": "Cancelled"},
    "pt-BR": {"ACTIVATE": "Ativo", "SELLER_DEACTIVATED": "Desativado", "PLATFORM_DEACTIVATED": "Suspenso",
              "DELETED": "Excluído", "FREEZE": "Congelado", "DRAFT": "Rascunho", "UNPAID": "Não pago",
              "AWAITING_SHIPMENT": "A enviar", "AWAITING_COLLECTION": "Aguardando coleta",
              "IN_TRANSIT": "Em trânsito", "DELIVERED": "Entregue", "COMPLETED": "Concluído",
              "CANCELLED": "Cancelado"},
}


@dataclass
class ShopCatalog:
    products: dict[str, dict[str, Any]] = field(default_factory=dict)
    orders: dict[str, dict[str, Any]] = field(default_factory=dict)
    tracking: dict[str, dict[str, Any]] = field(default_factory=dict)

    def generate(self, products: int, orders: int, seed: int = 11) -> None:
        rng = random.Random(seed)  # noqa: S311 - test data
        base = int(time.time()) - 10 * 24 * 3600
        for n in range(products):
            pid = f"18{n:017d}"
            self.products[pid] = make_product(pid, f"Produto da loja {n}", base + n * 60, rng)
        ids = list(self.products) or ["1800000000000000000"]
        for n in range(orders):
            oid = f"58{n:016d}"
            order = make_order(oid, self.products.get(ids[n % len(ids)]), base + n * 30, rng)
            self.orders[oid] = order
            if order["tracking_number"]:
                self.tracking[oid] = {"description": "Objeto em trânsito", "at": base + n * 30}

    def touch(self, count: int, status: str = "", remove: int = 0) -> dict[str, list[str]]:
        removed = list(self.products)[-remove:] if remove else []
        for pid in removed:
            del self.products[pid]
        changed = []
        for pid in list(self.products)[:count]:
            product = self.products[pid]
            if status:
                product["status"] = status
            for sku in product["skus"]:
                sku["price"]["sale_price"] = f"{float(sku['price']['sale_price']) + 1:.2f}"
            product["update_time"] = int(time.time())
            changed.append(pid)
        return {"changed": changed, "removed": removed}


def _time(unix: int) -> str:
    moment = datetime.fromtimestamp(unix, UTC)
    return f'<time datetime="{moment.isoformat()}">{moment.strftime("%d/%m/%Y %H:%M")}</time>'


def _pages(items: list[dict[str, Any]], page: int) -> tuple[list[dict[str, Any]], bool]:
    start = (max(1, page) - 1) * PAGE_SIZE
    return items[start:start + PAGE_SIZE], start + PAGE_SIZE < len(items)


def _nav(r: Renderer, path: str, page: int, more: bool) -> str:
    s = STRINGS[r.lang]
    link = f'<a href="{path}?page={page + 1}" {r.attr("next")}>{s["next_page"]}</a>' if more else ""
    return f'<nav aria-label="{s["pagination"]}">{link}</nav>'


def _field(key: str, label: str, value: str) -> str:
    return f'<dt id="f-{key}">{escape(label)}</dt><dd aria-labelledby="f-{key}">{value}</dd>'


def product_list(r: Renderer, shop: str, catalog: ShopCatalog, page: int) -> str:
    s, labels = STRINGS[r.lang], STATUS_LABELS[r.lang]
    newest = sorted(catalog.products.values(), key=lambda p: (-p["update_time"], p["id"]))
    rows, more = _pages(newest, page)
    body = "".join(
        f'<tr data-row-key="{p["id"]}" {r.attr("row")}><td><a href="/product/detail?product_id={p["id"]}">'
        f'{escape(p["title"])}</a></td><td>{labels.get(p["status"], p["status"])}</td>'
        f'<td>{_time(p["update_time"])}</td></tr>' for p in rows)
    table = (f'<table class="arco-table" aria-label="{s["products_table"]}"><thead><tr><th>{s["col_product"]}</th>'
             f'<th>{s["col_status"]}</th><th>{s["col_updated"]}</th></tr></thead><tbody>{body}</tbody></table>')
    return r.shell(shop, s["products_title"], table + _nav(r, "/product/manage", page, more), "products")


def _variation(sku: dict[str, Any]) -> str:
    return "; ".join(f"{a['name']}: {a['value_name']}" for a in sku["sales_attributes"])


def product_detail(r: Renderer, shop: str, product: dict[str, Any]) -> str:
    s, labels = STRINGS[r.lang], STATUS_LABELS[r.lang]
    variants = "".join(
        f'<tr data-row-key="{k["id"]}"><td>{escape(k["seller_sku"])}</td><td>{escape(_variation(k))}</td>'
        f'<td>{k["price"]["currency"]} {k["price"]["sale_price"]}</td>'
        f'<td>{sum(i["quantity"] for i in k["inventory"])}</td></tr>' for k in product["skus"])
    attributes = "; ".join(f"{a['name']}: {', '.join(v['name'] for v in a['values'])}"
                           for a in product.get("product_attributes", []))
    content = (
        f'<dl>{_field("status", s["col_status"], labels.get(product["status"], product["status"]))}'
        f'{_field("attributes", s["attributes"], escape(attributes))}'
        f'{_field("created", s["f_created"], _time(product["create_time"]))}'
        f'{_field("updated", s["f_updated"], _time(product["update_time"]))}</dl>'
        f'<section aria-label="{s["description"]}">{product["description"]}</section>'
        f'<table class="arco-table" aria-label="{s["variants_table"]}"><thead><tr><th>{s["col_sku"]}</th>'
        f'<th>{s["col_variation"]}</th><th>{s["col_price"]}</th><th>{s["col_stock"]}</th></tr></thead>'
        f"<tbody>{variants}</tbody></table>"
    )
    return r.shell(shop, product["title"], content, "product")


def order_list(r: Renderer, shop: str, catalog: ShopCatalog, page: int) -> str:
    s, labels = STRINGS[r.lang], STATUS_LABELS[r.lang]
    newest = sorted(catalog.orders.values(), key=lambda o: (-o["update_time"], o["id"]))
    rows, more = _pages(newest, page)
    body = "".join(
        f'<tr data-row-key="{o["id"]}" {r.attr("row")}><td><a href="/order/detail?order_no={o["id"]}">{o["id"]}'
        f'</a></td><td>{labels.get(o["status"], o["status"])}</td><td>{escape(o["recipient_address"]["name"])}'
        f'</td><td>{_time(o["update_time"])}</td></tr>' for o in rows)
    table = (f'<table class="arco-table" aria-label="{s["orders_table"]}"><thead><tr><th>{s["col_order"]}</th>'
             f'<th>{s["col_status"]}</th><th>{s["col_buyer"]}</th><th>{s["col_updated"]}</th></tr></thead>'
             f"<tbody>{body}</tbody></table>")
    return r.shell(shop, s["orders_title"], table + _nav(r, "/order", page, more), "orders")


def order_detail(r: Renderer, shop: str, order: dict[str, Any], tracking: dict[str, Any] | None) -> str:
    s, labels = STRINGS[r.lang], STATUS_LABELS[r.lang]
    address, payment = order["recipient_address"], order["payment"]
    total = f"{payment['currency']} {payment['total_amount']}"
    last = f'{escape(tracking["description"])} {_time(tracking["at"])}' if tracking else ""
    items = "".join(
        f'<tr data-row-key="{i["id"]}"><td>{escape(i["product_name"])}</td><td>{escape(i["seller_sku"])}</td>'
        f'<td>{escape(i["sku_name"])}</td><td>{i.get("quantity", 1)}</td><td>{i["currency"]} {i["sale_price"]}</td>'
        f"</tr>" for i in order["line_items"])
    content = (
        f'<dl>{_field("status", s["f_status"], labels.get(order["status"], order["status"]))}'
        f'{_field("buyer", s["f_buyer"], escape(address["name"]))}'
        f'{_field("phone", s["f_phone"], escape(address["phone_number"]))}'
        f'{_field("handle", s["f_handle"], escape(order["user_id"]))}'
        f'{_field("total", s["f_total"], total)}'
        f'{_field("carrier", s["f_carrier"], escape(order["shipping_provider"]))}'
        f'{_field("tracking", s["f_tracking"], escape(order["tracking_number"]))}'
        f'{_field("last_event", s["f_last_event"], last)}'
        f'{_field("created", s["f_created"], _time(order["create_time"]))}'
        f'{_field("updated", s["f_updated"], _time(order["update_time"]))}</dl>'
        f'<table class="arco-table" aria-label="{s["items_table"]}"><thead><tr><th>{s["col_product"]}</th>'
        f'<th>{s["col_sku"]}</th><th>{s["col_variation"]}</th><th>{s["col_quantity"]}</th><th>{s["col_price"]}'
        f"</th></tr></thead><tbody>{items}</tbody></table>"
    )
    return r.shell(shop, f'{s["order_title"]} {order["id"]}', content, "order")
