"""The bot's order lookup port (`usecases.orders.OrderLookup`) answered from the CRM's orders: a customer asking
about order 576461413038785752 hears its status and tracking code when the shop's orders hold it (TikTok Shop
orders land there by external id)."""

from __future__ import annotations

import structlog

from chatbot.adapters.repository.crm import CrmStore
from chatbot.crm.metrics import CRM_ERRORS
from chatbot.domain.orders import OrderInfo

log = structlog.get_logger(__name__)

# The status as the customer should read it (the CRM's own and TikTok Shop's).
STATUS_WORDS = {
    "draft": "em confirmação pela loja", "confirmed": "confirmado", "dropped": "cancelado",
    "UNPAID": "aguardando pagamento", "ON_HOLD": "em análise", "AWAITING_SHIPMENT": "aguardando envio",
    "AWAITING_COLLECTION": "aguardando coleta pela transportadora", "IN_TRANSIT": "enviado",
    "DELIVERED": "entregue", "COMPLETED": "entregue", "CANCELLED": "cancelado",
}


class CrmOrderLookup:
    def __init__(self, store: CrmStore) -> None:
        self._store = store

    async def find(self, user_id: str, order_number: str) -> OrderInfo:
        try:
            row = await self._store.order_by_number(user_id, order_number)
        except Exception as exc:  # no lookup: the bot says it cannot tell and offers a person
            CRM_ERRORS.labels("order_lookup").inc()
            log.warning("crm_order_lookup_failed", error=str(exc))
            return OrderInfo(number=order_number, known=False)
        if row is None:
            return OrderInfo(number=order_number, known=False)
        tracking = row.tracking or {}
        return OrderInfo(number=order_number, known=True, status=STATUS_WORDS.get(row.status, row.status.lower()),
                         tracking_code=str(tracking.get("tracking_number", "")),
                         estimated_delivery=str(tracking.get("estimated_delivery", "")))
