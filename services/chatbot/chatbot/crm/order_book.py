"""The shop's orders in one model: drafts the bot collected by slot filling, orders typed in by the seller,
TikTok Shop orders (by external id). Confirming one publishes `OrderPlaced`, which converts the contact's
conversation, so the funnel and the A/B variants count real orders."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

import structlog
from sellerbot.events.v1 import conversation_events_pb2 as ev
from sellerbot_messaging import EventBus, Subjects

from chatbot.adapters.crm_tables import OrderRow
from chatbot.adapters.repository.base import utcnow
from chatbot.adapters.repository.crm import CrmStore
from chatbot.crm.contact_book import contact_fields
from chatbot.crm.events import CrmEvent, CrmEventKind
from chatbot.crm.leads import OrderSource, OrderStatus, later_stage
from chatbot.domain.funnel import Stage
from chatbot.events.publisher import timestamp

log = structlog.get_logger(__name__)
MAX_ITEMS = 50
MAX_QUANTITY = 10_000
MAX_UNIT_PRICE = Decimal("10000000")
# The orders' total is a Numeric(12, 2) (below 10^10); 50 items of 10,000 at the top price would not fit.
MAX_TOTAL = Decimal("1000000000")
# A draft may become confirmed or dropped, a dropped one a draft again; a confirmed order stays confirmed.
TRANSITIONS: dict[str, set[str]] = {OrderStatus.DRAFT: {OrderStatus.CONFIRMED, OrderStatus.DROPPED},
               OrderStatus.DROPPED: {OrderStatus.DRAFT}}


class OrderInvalid(ValueError):
    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class LineItem:
    product_id: str
    sku: str
    name: str
    variant: str
    quantity: int
    unit_price: Decimal

    def to_dict(self) -> dict[str, Any]:
        return {"product_id": self.product_id, "sku": self.sku, "name": self.name, "variant": self.variant,
                "quantity": self.quantity, "unit_price": str(self.unit_price)}


def line_item(raw: dict[str, Any], index: int) -> LineItem:
    try:
        price = Decimal(str(raw.get("unit_price") or "0"))
    except InvalidOperation as exc:
        raise OrderInvalid(f"line_items[{index}].unit_price", "a decimal number") from exc
    if not price.is_finite() or not Decimal(0) <= price <= MAX_UNIT_PRICE:
        raise OrderInvalid(f"line_items[{index}].unit_price", f"between 0 and {MAX_UNIT_PRICE}")
    quantity = int(raw.get("quantity") or 0)
    if not 1 <= quantity <= MAX_QUANTITY:
        raise OrderInvalid(f"line_items[{index}].quantity", f"between 1 and {MAX_QUANTITY}")
    name = str(raw.get("name", "")).strip()[:200]
    if not name and not raw.get("product_id") and not raw.get("sku"):
        raise OrderInvalid(f"line_items[{index}]", "needs a name, product_id or sku")
    return LineItem(str(raw.get("product_id", ""))[:64], str(raw.get("sku", ""))[:64], name,
                    str(raw.get("variant", ""))[:100], quantity, price.quantize(Decimal("0.01")))


def line_items(raw: list[dict[str, Any]]) -> list[LineItem]:
    if not raw or len(raw) > MAX_ITEMS:
        raise OrderInvalid("line_items", f"between 1 and {MAX_ITEMS} items")
    parsed = [line_item(item, i) for i, item in enumerate(raw)]
    if total_of(parsed) > MAX_TOTAL:
        raise OrderInvalid("line_items", f"the order's total (quantity times unit_price) is at most {MAX_TOTAL:,}")
    return parsed


def total_of(items: list[LineItem]) -> Decimal:
    return sum((i.unit_price * i.quantity for i in items), Decimal(0))


class OrderBook:
    def __init__(self, store: CrmStore, bus: EventBus | None, publish: Callable[[CrmEvent], None]) -> None:
        self._store = store
        self._bus = bus
        self._publish = publish

    async def create(self, user_id: str, contact_ref: str, items: list[dict[str, Any]], cep: str, payment: str,
                     notes: str, confirm: bool) -> OrderRow:
        if contact_ref and await self._store.contact(user_id, contact_ref) is None:
            raise OrderInvalid("contact", "no such contact in this shop")
        parsed = line_items(items)
        now = utcnow()
        row = OrderRow(
            id=str(uuid.uuid4()), user_id=user_id, contact_ref=contact_ref or None, conversation_id="",
            source=OrderSource.MANUAL, status=OrderStatus.DRAFT, external_order_id=None,
            line_items=[i.to_dict() for i in parsed], cep=cep[:9], payment=payment[:40], total=total_of(parsed),
            currency="BRL", tracking={}, notes=notes[:4000], created_at=now, updated_at=now)
        await self._store.add_order(row)
        if confirm:
            confirmed = await self.update(user_id, row.id, {"status": OrderStatus.CONFIRMED})
            assert confirmed is not None
            return confirmed
        return row

    async def update(self, user_id: str, order_id: str, changes: dict[str, Any]) -> OrderRow | None:
        current = await self._store.order(user_id, order_id)
        if current is None:
            return None
        values: dict[str, Any] = {}
        status = changes.get("status")
        if status and status != current.status:
            if status not in TRANSITIONS.get(current.status, set()):  # str keys: StrEnum members hash as str
                raise OrderInvalid("status", f"a {current.status} order cannot become {status}")
            values["status"] = status
            if status == OrderStatus.CONFIRMED:
                values["confirmed_at"] = utcnow()
        editing = {k: v for k, v in changes.items() if k != "status"}
        if editing and current.status != OrderStatus.DRAFT:
            raise OrderInvalid("status", "only a draft order can be edited")
        if "line_items" in editing:
            parsed = line_items(editing["line_items"])
            values["line_items"], values["total"] = [i.to_dict() for i in parsed], total_of(parsed)
        for key, limit in (("cep", 9), ("payment", 40), ("notes", 4000)):
            if key in editing:
                values[key] = str(editing[key])[:limit]
        row = await self._store.update_order(user_id, order_id, values)
        if row is not None and values.get("status") == OrderStatus.CONFIRMED:
            await self._confirmed(row)
        return row

    async def _confirmed(self, row: OrderRow) -> None:
        address = ""
        fields: dict[str, Any] = {}
        if row.contact_ref:
            contact = await self._store.contact(row.user_id, row.contact_ref)
            if contact is not None:
                updated = await self._store.update_contact(
                    row.user_id, contact.id, {"stage": later_stage(contact.stage, Stage.CONVERTED.value)})
                fields = contact_fields(updated or contact)
            address = await self._store.address_for_order(row)
        self._publish(CrmEvent(CrmEventKind.ORDER_CONFIRMED, row.user_id, row.contact_ref or "", {
            "order_id": row.id, "total": f"{row.total:.2f}", "currency": row.currency, "source": row.source,
            "line_items": row.line_items}, fields))
        if self._bus is None or not address:
            return
        event = ev.OrderPlaced(event_id=f"order:{row.id}", user_id=row.user_id, contact_id=address,
                               order_id=row.id, amount=float(row.total), currency=row.currency,
                               placed_at=timestamp(row.confirmed_at or utcnow()))
        await self._bus.publish(Subjects.ORDER_PLACED, event, event.event_id, row.user_id)

    async def list(self, user_id: str, **filters: Any) -> list[OrderRow]:
        return await self._store.orders(user_id, **filters)
