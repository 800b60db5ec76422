"""The SHOP stream into the chatbot's own read models: `catalog.product_upserted` / `product_deactivated` into the
catalog (source tiktok_shop), `orders.order_updated` into the CRM's orders. Shared durables (each event reaches
one replica); every event carries the whole state, so applying one again changes nothing."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation

import structlog
from google.protobuf.timestamp_pb2 import Timestamp
from sellerbot.events.v1 import shop_events_pb2 as ev
from sellerbot_messaging import EventBus, EventMeta, Subjects
from sellerbot_messaging.streams import SHOP

from chatbot.adapters.repository.shop import ShopStore, SyncedOrder
from chatbot.domain.shop import NOT_A_SALE, SkuFacts, buyer_phone, catalog_entry
from chatbot.metrics import SHOP_EVENTS_APPLIED
from chatbot.profiles import SellerProfiles
from chatbot.usecases.attribution import SalesAttribution

log = structlog.get_logger(__name__)
DURABLES = {"products": "chatbot-shop-products", "deactivations": "chatbot-shop-deactivations",
            "orders": "chatbot-shop-orders"}


def _time(stamp: Timestamp) -> datetime | None:
    return stamp.ToDatetime(tzinfo=UTC) if stamp.seconds or stamp.nanos else None


def _read_at(stamp: Timestamp) -> datetime:
    return _time(stamp) or datetime.now(UTC)


AMOUNT_LIMIT = Decimal("1E10")
NO_AMOUNT = Decimal("0.00")


def _amount(raw: str) -> Decimal:
    try:
        value = Decimal(raw or "0")
    except InvalidOperation:
        return NO_AMOUNT
    # What the orders' Numeric(12, 2) columns cannot hold (below 0, 10^10 or more) is no amount a shop sends.
    return value.quantize(Decimal("0.01")) if value.is_finite() and 0 <= value < AMOUNT_LIMIT else NO_AMOUNT


def _tracking_event(event: ev.TrackingEvent) -> dict[str, str]:
    at = _time(event.at)
    return {"description": event.description, "at": at.isoformat() if at else ""}


def synced_order(order: ev.ShopOrder) -> SyncedOrder:
    """The order as the CRM's columns hold it: tracking (first package, and every package) in `tracking`."""
    tracking = {
        "tracking_number": order.tracking_number, "carrier": order.carrier, "tracking_url": order.tracking_url,
        "last_event": _tracking_event(order.last_tracking_event) if order.HasField("last_tracking_event") else {},
        "packages": [{"id": p.id, "carrier": p.carrier, "tracking_number": p.tracking_number,
                      "tracking_url": p.tracking_url,
                      "last_event": _tracking_event(p.last_tracking_event) if p.HasField("last_tracking_event")
                      else {}} for p in order.packages],
        "source": order.source,
    }
    items = [{"sku": i.seller_sku[:64], "name": i.product_name[:200], "variant": i.sku_name[:100],
              "quantity": max(1, i.quantity), "unit_price": str(_amount(i.sale_price))} for i in order.line_items]
    return SyncedOrder(
        external_id=order.id[:100], status=order.status[:24], line_items=items,
        product_ids=[i.product_id for i in order.line_items], buyer_name=order.buyer_name[:200],
        buyer_phone=buyer_phone(order.buyer_phone), buyer_handle=order.buyer_handle[:100],
        total=_amount(order.total_amount), currency=(order.currency or "BRL")[:3], tracking=tracking,
        created_at=_time(order.create_time), updated_at=_time(order.update_time))


class ShopReadModels:
    def __init__(self, store: ShopStore, profiles: SellerProfiles, attribution: SalesAttribution) -> None:
        self._store = store
        self._profiles = profiles
        self._attribution = attribution

    def consume(self, bus: EventBus) -> None:
        bus.consume(Subjects.PRODUCT_UPSERTED, DURABLES["products"], ev.ProductUpserted, self.on_product,
                    stream=SHOP)
        bus.consume(Subjects.PRODUCT_DEACTIVATED, DURABLES["deactivations"], ev.ProductDeactivated,
                    self.on_deactivated, stream=SHOP)
        bus.consume(Subjects.ORDER_UPDATED, DURABLES["orders"], ev.OrderUpdated, self.on_order, stream=SHOP)

    async def on_product(self, event: ev.ProductUpserted, meta: EventMeta) -> None:
        product = event.product
        if not event.user_id or not product.id:
            return
        skus = [SkuFacts(s.seller_sku, s.price, s.currency, int(s.stock), tuple(a.value for a in s.attributes))
                for s in product.skus]
        entry = catalog_entry(product.id, product.title, product.description, product.status, skus)
        applied = await self._store.apply_product(event.user_id, product.id[:64], entry, product.status[:24],
                                                  _read_at(event.at))
        await self._applied("product", applied, event.user_id)

    async def on_deactivated(self, event: ev.ProductDeactivated, meta: EventMeta) -> None:
        if not event.user_id or not event.product_id:
            return
        applied = await self._store.deactivate_product(event.user_id, event.product_id[:64], event.status[:24],
                                                       _read_at(event.at))
        await self._applied("product_deactivated", applied, event.user_id)

    async def on_order(self, event: ev.OrderUpdated, meta: EventMeta) -> None:
        if not event.user_id or not event.order.id:
            return
        order = synced_order(event.order)
        applied = await self._store.apply_order(event.user_id, order, _read_at(event.at),
                                                is_sale=order.status not in NOT_A_SALE)
        SHOP_EVENTS_APPLIED.labels("order", "applied" if applied else "stale").inc()
        if applied is not None and applied.became_sale:
            await self._attribution.synced_order(applied.row)

    async def _applied(self, kind: str, applied: bool, user_id: str) -> None:
        SHOP_EVENTS_APPLIED.labels(kind, "applied" if applied else "stale").inc()
        if applied:
            await self._profiles.invalidate(user_id)  # the bot offers what the shop sells now
