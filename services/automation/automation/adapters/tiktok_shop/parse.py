"""TikTok Shop 202309 JSON → the sync's products and orders (domain/shop.py)."""

from __future__ import annotations

from typing import Any

from automation.domain.shop import Attribute, LineItem, Order, Package, Product, Sku, TrackingEvent, tracking_url


def product(raw: dict[str, Any]) -> Product:
    return Product(
        id=str(raw["id"]), title=str(raw.get("title", "")), description=str(raw.get("description", "")),
        status=str(raw.get("status", "")), skus=tuple(_sku(s) for s in raw.get("skus") or []),
        attributes=tuple(Attribute(str(a.get("name", "")), ", ".join(str(v.get("name", "")) for v in a.get("values")
                                                                    or []))
                         for a in raw.get("product_attributes") or []),
        create_time=int(raw.get("create_time") or 0), update_time=int(raw.get("update_time") or 0),
    )


def _sku(raw: dict[str, Any]) -> Sku:
    price = raw.get("price") or {}
    return Sku(
        id=str(raw.get("id", "")), seller_sku=str(raw.get("seller_sku", "")),
        price=str(price.get("sale_price") or price.get("tax_exclusive_price") or ""),
        currency=str(price.get("currency", "")),
        stock=sum(int(i.get("quantity") or 0) for i in raw.get("inventory") or []),
        attributes=tuple(Attribute(str(a.get("name", "")), str(a.get("value_name", "")))
                         for a in raw.get("sales_attributes") or []),
    )


def order(raw: dict[str, Any], last_event: TrackingEvent | None = None) -> Order:
    items = [_line_item(i) for i in raw.get("line_items") or []]
    carrier = str(raw.get("shipping_provider", ""))
    number = str(raw.get("tracking_number", ""))
    packages: list[Package] = []
    for pkg in raw.get("packages") or []:
        item: dict[str, Any] = next(
            (i for i in raw.get("line_items") or [] if i.get("package_id") == pkg.get("id")), {})
        pkg_carrier = str(item.get("shipping_provider_name") or carrier)
        pkg_number = str(item.get("tracking_number") or number)
        packages.append(Package(str(pkg.get("id", "")), pkg_carrier, pkg_number, tracking_url(pkg_carrier, pkg_number),
                                last_event if not packages else None))
    address = raw.get("recipient_address") or {}
    payment = raw.get("payment") or {}
    return Order(
        id=str(raw["id"]), status=str(raw.get("status", "")), line_items=tuple(_merge_units(items)),
        buyer_name=str(address.get("name", "")), buyer_phone=str(address.get("phone_number", "")),
        buyer_handle=str(raw.get("user_id", "")), buyer_message=str(raw.get("buyer_message", "")),
        total_amount=str(payment.get("total_amount", "")), currency=str(payment.get("currency", "")),
        packages=tuple(packages), create_time=int(raw.get("create_time") or 0),
        update_time=int(raw.get("update_time") or 0),
    )


def _line_item(raw: dict[str, Any]) -> LineItem:
    return LineItem(
        id=str(raw.get("id", "")), product_id=str(raw.get("product_id", "")),
        product_name=str(raw.get("product_name", "")), sku_id=str(raw.get("sku_id", "")),
        sku_name=str(raw.get("sku_name", "")), seller_sku=str(raw.get("seller_sku", "")),
        quantity=int(raw.get("quantity") or 1), sale_price=str(raw.get("sale_price", "")),
        currency=str(raw.get("currency", "")), package_id=str(raw.get("package_id", "")),
    )


def _merge_units(items: list[LineItem]) -> list[LineItem]:
    """TikTok lists each unit bought as its own line item: fold equal SKUs of one package into a quantity."""
    merged: dict[tuple[str, str, str], LineItem] = {}
    for item in items:
        key = (item.sku_id, item.package_id, item.sale_price)
        if key in merged:
            first = merged[key]
            merged[key] = LineItem(first.id, first.product_id, first.product_name, first.sku_id, first.sku_name,
                                   first.seller_sku, first.quantity + item.quantity, first.sale_price, first.currency,
                                   first.package_id)
        else:
            merged[key] = item
    return list(merged.values())


def tracking_event(events: list[dict[str, Any]]) -> TrackingEvent | None:
    """The newest of the package's tracking events (the API lists them newest first)."""
    if not events:
        return None
    newest = max(events, key=lambda e: int(e.get("update_time_millis") or 0))
    return TrackingEvent(str(newest.get("description", "")), int(newest.get("update_time_millis") or 0) // 1000)
