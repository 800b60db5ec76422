"""The bot's order lookup port (`usecases.orders.OrderLookup`) answered from the CRM's orders (TikTok Shop orders
land there by external id from the SHOP events): a buyer asking about order 576461413038785752 hears its status,
last tracking event, carrier, tracking code and link when the order is theirs (their contact, phone or TikTok
handle) or once they confirmed its CEP or buyer name; another buyer's order is never described."""

from __future__ import annotations

import contextlib
from datetime import datetime
from typing import Any

import structlog

from chatbot.adapters.crm_tables import OrderRow
from chatbot.adapters.repository.base import aware
from chatbot.adapters.repository.shop import ShopStore
from chatbot.crm.leads import phone_of
from chatbot.crm.metrics import CRM_ERRORS
from chatbot.domain.orders import OrderAccess, OrderInfo, withheld
from chatbot.domain.shop import owns_order, proves_order

log = structlog.get_logger(__name__)

# The status as the customer should read it (the CRM's own and TikTok Shop's).
STATUS_WORDS = {
    "draft": "em confirmação pela loja", "confirmed": "confirmado", "dropped": "cancelado",
    "UNPAID": "aguardando pagamento", "ON_HOLD": "em análise", "AWAITING_SHIPMENT": "aguardando envio",
    "AWAITING_COLLECTION": "aguardando coleta pela transportadora", "IN_TRANSIT": "enviado (a caminho)",
    "DELIVERED": "entregue", "COMPLETED": "entregue", "CANCELLED": "cancelado",
}


def _when(raw: str) -> str:
    """"2026-12-05T14:30:00+00:00" -> "05/12 às 14:30" (as the platform gave it; UTC when it says so)."""
    try:
        at = datetime.fromisoformat(raw)
    except ValueError:
        return ""
    return at.strftime("%d/%m às %H:%M")


def shown(number: str, row: OrderRow, other_orders: int = 0, proof_turn: bool = False) -> OrderInfo:
    tracking: dict[str, Any] = row.tracking or {}
    last = tracking.get("last_event") or {}
    return OrderInfo(
        number=number, known=True, status=STATUS_WORDS.get(row.status, row.status.lower().replace("_", " ")),
        tracking_code=str(tracking.get("tracking_number", "")),
        estimated_delivery=str(tracking.get("estimated_delivery", "")), carrier=str(tracking.get("carrier", "")),
        tracking_url=str(tracking.get("tracking_url", "")), last_event=str(last.get("description", "")),
        last_event_at=_when(str(last.get("at", ""))), other_orders=other_orders, proof_turn=proof_turn)


class CrmOrderLookup:
    def __init__(self, store: ShopStore) -> None:
        self._store = store

    async def find(self, user_id: str, order_number: str, contact_id: str = "", proof: str | None = None,
                   trusted: bool = False) -> OrderInfo:
        try:
            row = await self._store.order_by_number(user_id, order_number)
            if row is None:
                return OrderInfo(number=order_number, known=False)
            buyer = await self._store.buyer(user_id, contact_id, phone_of(contact_id))
        except Exception as exc:  # no lookup: the bot says it cannot tell and offers a person
            CRM_ERRORS.labels("order_lookup").inc()
            log.warning("crm_order_lookup_failed", error=str(exc))
            return OrderInfo(number=order_number, known=False)
        if trusted or owns_order(buyer, row.contact_ref or "", row.buyer_phone, row.buyer_handle):
            return shown(order_number, row, proof_turn=proof is not None)
        if proof is None:
            return withheld(order_number, OrderAccess.NEEDS_PROOF)
        if proves_order(proof, row.buyer_name, row.cep):
            return shown(order_number, row, proof_turn=True)
        return withheld(order_number, OrderAccess.PROOF_FAILED, proof_turn=True)

    async def newest_of(self, user_id: str, contact_id: str) -> OrderInfo | None:
        try:
            buyer = await self._store.buyer(user_id, contact_id, phone_of(contact_id))
            rows = await self._store.orders_of_buyer(user_id, buyer)
        except Exception as exc:
            CRM_ERRORS.labels("order_lookup").inc()
            log.warning("crm_order_lookup_failed", error=str(exc))
            return None
        if not rows:
            return None
        return shown(rows[0].external_order_id or rows[0].id, rows[0], other_orders=len(rows) - 1)


def shop_order_fields(message: Any, row: OrderRow) -> None:
    """A synced order's tracking and buyer on its `sellerbot.chatbot.v1.Order` (the orders route)."""
    tracking: dict[str, Any] = row.tracking or {}
    last = tracking.get("last_event") or {}
    message.tracking_url = str(tracking.get("tracking_url", ""))
    message.last_tracking_event = str(last.get("description", ""))
    with contextlib.suppress(ValueError, TypeError):
        message.last_tracking_at.FromDatetime(datetime.fromisoformat(str(last.get("at", ""))))
    message.buyer_name, message.buyer_phone = row.buyer_name or "", row.buyer_phone or ""
    if row.synced_at:
        message.synced_at.FromDatetime(aware(row.synced_at) or row.synced_at)
