"""Publishes the shop's products and orders (SHOP stream) for the chatbot's read models.

Unlike task events these must not be lost: a failed publish fails the page, so the cursor does not move and
the next run publishes it again (ids are stable, JetStream drops the copies it already has).
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from google.protobuf.timestamp_pb2 import Timestamp
from sellerbot.events.v1 import shop_events_pb2 as ev
from sellerbot_messaging import EventBus, Subjects

from automation.domain.errors import DependencyUnavailable
from automation.domain.shop import MISSING, Attribute, Order, Package, Product, TrackingEvent


def _stamp(unix: int | None = None) -> Timestamp:
    stamp = Timestamp()
    if unix is None:
        stamp.FromDatetime(datetime.now(UTC))
    else:
        stamp.FromSeconds(unix)
    return stamp


def _attributes(attributes: tuple[Attribute, ...]) -> list[ev.ProductAttribute]:
    return [ev.ProductAttribute(name=a.name, value=a.value) for a in attributes]


def product_message(product: Product) -> ev.CatalogProduct:
    return ev.CatalogProduct(
        id=product.id, title=product.title, description=product.description, status=product.status,
        skus=[ev.ProductSku(id=s.id, seller_sku=s.seller_sku, price=s.price, currency=s.currency, stock=s.stock,
                            attributes=_attributes(s.attributes)) for s in product.skus],
        attributes=_attributes(product.attributes), source=product.source.value,
        create_time=_stamp(product.create_time), update_time=_stamp(product.update_time),
    )


def _tracking(event: TrackingEvent | None) -> ev.TrackingEvent | None:
    return ev.TrackingEvent(description=event.description, at=_stamp(event.at)) if event else None


def _package(package: Package) -> ev.OrderPackage:
    return ev.OrderPackage(id=package.id, carrier=package.carrier, tracking_number=package.tracking_number,
                           tracking_url=package.tracking_url,
                           last_tracking_event=_tracking(package.last_tracking_event))


def order_message(order: Order) -> ev.ShopOrder:
    first = order.first_package
    return ev.ShopOrder(
        id=order.id, status=order.status,
        line_items=[ev.OrderLineItem(id=i.id, product_id=i.product_id, product_name=i.product_name, sku_id=i.sku_id,
                                     sku_name=i.sku_name, seller_sku=i.seller_sku, quantity=i.quantity,
                                     sale_price=i.sale_price, currency=i.currency, package_id=i.package_id)
                    for i in order.line_items],
        buyer_name=order.buyer_name, buyer_phone=order.buyer_phone, buyer_handle=order.buyer_handle,
        buyer_message=order.buyer_message, total_amount=order.total_amount, currency=order.currency,
        packages=[_package(p) for p in order.packages],
        carrier=first.carrier if first else "", tracking_number=first.tracking_number if first else "",
        tracking_url=first.tracking_url if first else "",
        last_tracking_event=_tracking(first.last_tracking_event if first else None),
        source=order.source.value, create_time=_stamp(order.create_time), update_time=_stamp(order.update_time),
    )


class ShopEventPublisher:
    def __init__(self, bus: EventBus | None) -> None:
        self.bus = bus

    async def _publish_all(self, batch: list[tuple[str, object, str]], user_id: str) -> None:
        if self.bus is None:
            raise DependencyUnavailable("NATS is not connected: shop events cannot be published")
        bus = self.bus
        try:
            await asyncio.gather(*(bus.publish(subject, message, msg_id, user_id)  # type: ignore[arg-type]
                                   for subject, message, msg_id in batch))
        except Exception as exc:
            raise DependencyUnavailable(f"publishing shop events failed: {exc}") from exc

    async def products(self, user_id: str, profile_id: str, shop_id: str, upserted: list[Product],
                       deactivated: list[tuple[str, str, int, str]]) -> None:
        """`deactivated`: (product_id, status, update_time, reason)."""
        batch: list[tuple[str, object, str]] = []
        for product in upserted:
            event_id = f"product:{shop_id}:{product.id}:{product.update_time}:{product.fingerprint}"
            batch.append((Subjects.PRODUCT_UPSERTED, ev.ProductUpserted(
                event_id=event_id, user_id=user_id, profile_id=profile_id, shop_id=shop_id,
                product=product_message(product), at=_stamp()), event_id))
        for product_id, status, update_time, reason in deactivated:
            event_id = f"product-gone:{shop_id}:{product_id}:{update_time}:{status if status != MISSING else 'missing'}"
            batch.append((Subjects.PRODUCT_DEACTIVATED, ev.ProductDeactivated(
                event_id=event_id, user_id=user_id, profile_id=profile_id, shop_id=shop_id, product_id=product_id,
                status=status, reason=reason, update_time=_stamp(update_time), at=_stamp()), event_id))
        await self._publish_all(batch, user_id)

    async def orders(self, user_id: str, profile_id: str, shop_id: str, orders: list[Order]) -> None:
        batch: list[tuple[str, object, str]] = []
        for order in orders:
            event_id = f"order:{shop_id}:{order.id}:{order.update_time}:{order.fingerprint}"
            batch.append((Subjects.ORDER_UPDATED, ev.OrderUpdated(
                event_id=event_id, user_id=user_id, profile_id=profile_id, shop_id=shop_id,
                order=order_message(order), at=_stamp()), event_id))
        await self._publish_all(batch, user_id)
