"""Real conversions: an order (synced from TikTok Shop, or confirmed in the CRM) from a buyer who wrote to the
bot within the shop's attribution window (`attribution.window_days`, default 7) converts that conversation, so
the funnel, the A/B variants and the stats count orders instead of a hand-typed amount."""

from __future__ import annotations

from datetime import datetime

import structlog

from chatbot.adapters.crm_tables import OrderRow
from chatbot.adapters.repository.base import aware, utcnow
from chatbot.adapters.repository.crm import CrmStore
from chatbot.adapters.repository.shop import ShopStore
from chatbot.adapters.tables import ConversationRow
from chatbot.crm.leads import later_stage
from chatbot.domain.funnel import Stage
from chatbot.domain.shop import attributed
from chatbot.metrics import CONVERSIONS_ATTRIBUTED
from chatbot.seller_bot import ProfessionalSellerBot

log = structlog.get_logger(__name__)


class SalesAttribution:
    def __init__(self, bot: ProfessionalSellerBot, shop: ShopStore, crm: CrmStore) -> None:
        self._bot = bot
        self._shop = shop
        self._crm = crm

    async def _window(self, user_id: str) -> int:
        return (await self._bot.profiles.get(user_id)).settings.attribution.window_days

    async def synced_order(self, row: OrderRow) -> bool:
        """A TikTok Shop order that just became a sale, from a buyer the CRM knows."""
        if not row.contact_ref:
            return False
        placed_at = aware(row.created_at) or utcnow()
        found = await self._shop.last_buyer_message(row.user_id, row.contact_ref, placed_at)
        if found is None or not attributed(placed_at, found[1], await self._window(row.user_id)):
            CONVERSIONS_ATTRIBUTED.labels("tiktok_shop", "outside_window").inc()
            return False
        await self._convert(found[0], row.external_order_id or row.id, float(row.total), "tiktok_shop")
        contact = await self._crm.contact(row.user_id, row.contact_ref)
        if contact is not None:
            await self._crm.update_contact(row.user_id, contact.id,
                                           {"stage": later_stage(contact.stage, Stage.CONVERTED.value)})
        return True

    async def placed_order(self, user_id: str, contact_id: str, order_id: str, amount: float,
                           placed_at: datetime | None) -> bool:
        """`OrderPlaced` (an order confirmed in the CRM, or any order integration) for a channel address."""
        conversation = await self._bot.repository.current_conversation(user_id, contact_id)
        if conversation is None:
            log.info("order_without_conversation", contact_id=contact_id, order_id=order_id)
            return False
        at = placed_at or utcnow()
        last = await self._shop.last_message_in(conversation.id, at)
        if not attributed(at, last, await self._window(user_id)):
            CONVERSIONS_ATTRIBUTED.labels("order_placed", "outside_window").inc()
            return False
        await self._convert(conversation, order_id, amount, "order_placed")
        return True

    async def _convert(self, conversation: ConversationRow, order_id: str, amount: float, origin: str) -> None:
        if conversation.converted:  # the first attributed order is the conversation's sale
            return
        await self._bot.convert(conversation, order_id, amount)
        CONVERSIONS_ATTRIBUTED.labels(origin, "converted").inc()
