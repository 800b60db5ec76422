"""The chatbot's read models of the shop, kept from the SHOP events: synced products in the catalog table (by
TikTok Shop id) and synced orders in the CRM's orders table (by external order id), linked to the contact whose
phone or handle is the buyer's; and the reads the order answers and the attribution need."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import and_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from chatbot.adapters.crm_tables import ContactIdentityRow, ContactRow, OrderRow
from chatbot.adapters.repository.base import Store, aware, utcnow
from chatbot.adapters.tables import ConversationRow, MessageRow, ProductRow
from chatbot.crm.leads import OrderSource
from chatbot.domain.shop import Buyer, CatalogEntry, ProductSource

TIKTOK_HANDLE_CHANNEL = "tiktok_shop"  # a Seller Center inbox contact is `tiktok_shop:<buyer id>`


@dataclass(frozen=True)
class SyncedOrder:
    """One `OrderUpdated`, in the CRM's order columns."""

    external_id: str
    status: str
    line_items: list[dict[str, Any]]
    product_ids: list[str]  # TikTok Shop product ids of the line items (mapped to catalog ids on write)
    buyer_name: str
    buyer_phone: str  # normalised digits, "" when masked
    buyer_handle: str
    total: Decimal
    currency: str
    tracking: dict[str, Any] = field(default_factory=dict)
    created_at: datetime | None = None
    updated_at: datetime | None = None  # the platform's update_time


@dataclass(frozen=True)
class AppliedOrder:
    row: OrderRow
    became_sale: bool  # this event made it a sale (first seen as one): the attribution looks at it once


def _newer(read_at: datetime, applied_at: datetime | None) -> bool:
    """The latest read of the shop wins; a redelivered event (same read time) applies the same state again."""
    return applied_at is None or read_at >= (aware(applied_at) or read_at)


class ShopStore(Store):
    # --- catalog -----------------------------------------------------------------------------------
    async def apply_product(self, user_id: str, product_id: str, entry: CatalogEntry, status: str,
                            read_at: datetime) -> bool:
        """Insert or update the synced product; False when a later read was already applied."""
        async with self._sessions.begin() as session:
            row = await self._synced_product(session, user_id, product_id)
            fresh = row is None or _newer(read_at, row.synced_at)
            if row is not None and not fresh and row.name:
                return False
            now = utcnow()
            own_id = row.id if row is not None else str(uuid.uuid4())
            sku = await self._free_sku(session, user_id, entry.sku, own_id, product_id)
            if row is None:
                row = ProductRow(id=own_id, user_id=user_id, source=ProductSource.TIKTOK_SHOP,
                                 external_id=product_id, created_at=now, synonyms=[], shipping_policy="",
                                 return_policy="", gender="")
                session.add(row)
            row.sku = sku
            row.name, row.description, row.price = entry.name, entry.description, entry.price
            row.currency, row.stock, row.variants = entry.currency, entry.stock, list(entry.variants)
            if fresh:  # an older read only fills a placeholder's content; its state stays the later one's
                row.active, row.platform_status, row.synced_at = entry.active, status, read_at
            row.updated_at = now
            return True

    async def deactivate_product(self, user_id: str, product_id: str, status: str, read_at: datetime) -> bool:
        """Mark the synced product inactive (kept, never offered). A product not seen yet gets a nameless
        placeholder (hidden from listings) so that an older upsert delivered after it cannot revive it."""
        async with self._sessions.begin() as session:
            row = await self._synced_product(session, user_id, product_id)
            now = utcnow()
            if row is None:
                session.add(ProductRow(
                    id=str(uuid.uuid4()), user_id=user_id, source=ProductSource.TIKTOK_SHOP, external_id=product_id,
                    sku=f"tts-{product_id}"[:64], name="", description="", price=Decimal("0"), currency="BRL",
                    stock=0, synonyms=[], variants=[], shipping_policy="", return_policy="", gender="", active=False,
                    platform_status=status, synced_at=read_at, created_at=now, updated_at=now))
                return True
            if not _newer(read_at, row.synced_at):
                return False
            row.active, row.platform_status, row.synced_at, row.updated_at = False, status, read_at, now
            return True

    async def _synced_product(self, session: AsyncSession, user_id: str, product_id: str) -> ProductRow | None:
        return (await session.execute(select(ProductRow).where(
            ProductRow.user_id == user_id, ProductRow.source == ProductSource.TIKTOK_SHOP,
            ProductRow.external_id == product_id).with_for_update())).scalar_one_or_none()

    async def _free_sku(self, session: AsyncSession, user_id: str, sku: str, own_id: str, product_id: str) -> str:
        """The seller's SKU, unless another product (a hand-made or CSV one) already has it."""
        owner = (await session.execute(select(ProductRow.id).where(
            ProductRow.user_id == user_id, ProductRow.sku == sku))).scalar_one_or_none()
        return sku if owner in (None, own_id) else f"tts-{product_id}"[:64]

    # --- orders ------------------------------------------------------------------------------------
    async def apply_order(self, user_id: str, order: SyncedOrder, read_at: datetime,
                          is_sale: bool) -> AppliedOrder | None:
        """Insert or update the synced order (None when a later read was already applied), linked to the
        contact whose phone or TikTok handle is the buyer's (a link once made is kept)."""
        async with self._sessions.begin() as session:
            row = (await session.execute(select(OrderRow).where(
                OrderRow.user_id == user_id, OrderRow.source == OrderSource.TIKTOK_SHOP,
                OrderRow.external_order_id == order.external_id).with_for_update())).scalar_one_or_none()
            if row is not None and not _newer(read_at, row.synced_at):
                return None
            now = utcnow()
            was_sale = row is not None and row.confirmed_at is not None
            catalog_ids = await self._catalog_ids(session, user_id, order.product_ids)
            contact_ref = (row.contact_ref if row is not None else None) or await self._buyer_contact(
                session, user_id, order.buyer_phone, order.buyer_handle)
            if row is None:
                row = OrderRow(id=str(uuid.uuid4()), user_id=user_id, source=OrderSource.TIKTOK_SHOP,
                               external_order_id=order.external_id, conversation_id="", cep="", payment="",
                               notes="", created_at=order.created_at or now)
                session.add(row)
            row.line_items = [{**item, "product_id": catalog_ids.get(pid, "")}
                              for item, pid in zip(order.line_items, order.product_ids, strict=True)]
            row.status, row.total, row.currency = order.status, order.total, order.currency
            row.tracking, row.buyer_name = order.tracking, order.buyer_name
            row.buyer_phone, row.buyer_handle = order.buyer_phone, order.buyer_handle
            row.external_updated_at, row.synced_at, row.updated_at = order.updated_at, read_at, now
            row.contact_ref = contact_ref
            if is_sale and row.confirmed_at is None:
                row.confirmed_at = order.created_at or now  # when it became a sale, for the books
            return AppliedOrder(row, is_sale and not was_sale)

    async def _catalog_ids(self, session: AsyncSession, user_id: str, product_ids: list[str]) -> dict[str, str]:
        wanted = [p for p in set(product_ids) if p]
        if not wanted:
            return {}
        rows = await session.execute(select(ProductRow.external_id, ProductRow.id).where(
            ProductRow.user_id == user_id, ProductRow.source == ProductSource.TIKTOK_SHOP,
            ProductRow.external_id.in_(wanted)))
        return {str(external): str(own) for external, own in rows.all()}

    async def _buyer_contact(self, session: AsyncSession, user_id: str, phone: str, handle: str) -> str | None:
        if phone:
            found = (await session.execute(select(ContactRow.id).where(
                ContactRow.user_id == user_id, ContactRow.phone == phone, ContactRow.merged_into.is_(None),
            ).order_by(ContactRow.created_at).limit(1))).scalar_one_or_none()
            if found:
                return str(found)
        if handle:
            found = (await session.execute(select(ContactIdentityRow.contact_ref).where(
                ContactIdentityRow.user_id == user_id,
                ContactIdentityRow.contact_id == f"{TIKTOK_HANDLE_CHANNEL}:{handle}").limit(1))).scalar_one_or_none()
            if found:
                return str(found)
        return None

    # --- what the bot and the attribution read ---------------------------------------------------
    async def buyer(self, user_id: str, contact_id: str, phone: str) -> Buyer:
        """Who writes from this channel address: their CRM contact (if any), phone and TikTok handle."""
        channel, _, address = contact_id.partition(":")
        async with self._reader.connect() as conn:
            ref = (await conn.execute(select(ContactIdentityRow.contact_ref).where(
                ContactIdentityRow.user_id == user_id, ContactIdentityRow.contact_id == contact_id).limit(1)
            )).scalar_one_or_none()
        return Buyer(str(ref or ""), phone, address if channel == TIKTOK_HANDLE_CHANNEL else "")

    async def order_by_number(self, user_id: str, number: str) -> OrderRow | None:
        """The order a customer names: its platform (external) number, of any source."""
        async with self._sessions() as session:
            return (await session.execute(select(OrderRow).where(
                OrderRow.user_id == user_id, OrderRow.external_order_id == number[:100],
            ).order_by(OrderRow.updated_at.desc()).limit(1))).scalar_one_or_none()

    async def orders_of_buyer(self, user_id: str, buyer: Buyer, limit: int = 5) -> list[OrderRow]:
        """The buyer's own orders, newest first: on their contact, or with their phone or handle."""
        mine = [OrderRow.contact_ref == buyer.contact_ref] if buyer.contact_ref else []
        mine += [OrderRow.buyer_phone == buyer.phone] if buyer.phone else []
        mine += [OrderRow.buyer_handle == buyer.handle] if buyer.handle else []
        if not mine:
            return []
        async with self._sessions() as session:
            return list((await session.execute(select(OrderRow).where(
                OrderRow.user_id == user_id, OrderRow.external_order_id.is_not(None), or_(*mine),
            ).order_by(OrderRow.created_at.desc(), OrderRow.id.desc()).limit(limit))).scalars())

    async def last_buyer_message(self, user_id: str, contact_ref: str, at_or_before: datetime
                                 ) -> tuple[ConversationRow, datetime] | None:
        """The contact's conversation with their last message to the bot at or before the time, and when."""
        async with self._sessions() as session:
            found = (await session.execute(
                select(ConversationRow, MessageRow.created_at)
                .join(MessageRow, MessageRow.conversation_id == ConversationRow.id)
                .join(ContactIdentityRow, and_(ContactIdentityRow.user_id == ConversationRow.user_id,
                                               ContactIdentityRow.contact_id == ConversationRow.contact_id))
                .where(ConversationRow.user_id == user_id, ContactIdentityRow.contact_ref == contact_ref,
                       MessageRow.direction == "in", MessageRow.created_at <= at_or_before)
                .order_by(MessageRow.created_at.desc()).limit(1))).first()
        if found is None:
            return None
        conversation, at = found
        return conversation, aware(at) or at

    async def last_message_in(self, conversation_id: str, at_or_before: datetime) -> datetime | None:
        """When the buyer last wrote in this conversation at or before the time."""
        async with self._reader.connect() as conn:
            found = (await conn.execute(select(MessageRow.created_at).where(
                MessageRow.conversation_id == conversation_id, MessageRow.direction == "in",
                MessageRow.created_at <= at_or_before).order_by(MessageRow.created_at.desc()).limit(1)
            )).scalar_one_or_none()
        return aware(found)
