"""The seller's product catalog: hand-made and CSV products (edited here) beside the synced TikTok Shop ones
(written by the SHOP read model, `adapters/repository/shop.py`)."""

from __future__ import annotations

import uuid

from sqlalchemy import delete, func, select

from chatbot.adapters.repository.base import Store, utcnow
from chatbot.adapters.tables import ProductRow
from chatbot.domain.catalog import Product
from chatbot.domain.shop import ProductSource


class CatalogStore(Store):
    async def products(self, user_id: str, query: str = "", offered_only: bool = False) -> list[ProductRow]:
        """Every product the seller sees (a synced product's placeholder, not yet named, is hidden);
        `offered_only`: what the bot may offer (inactive synced products are kept but never offered)."""
        async with self._sessions() as session:
            statement = select(ProductRow).where(ProductRow.user_id == user_id, ProductRow.name != "")
            if offered_only:
                statement = statement.where(ProductRow.active.is_(True))
            if query:
                like = f"%{query.lower()}%"
                statement = statement.where(func.lower(ProductRow.name).like(like) |
                                            func.lower(ProductRow.sku).like(like))
            rows = await session.execute(statement.order_by(ProductRow.name))
            return list(rows.scalars())

    async def upsert_product(self, user_id: str, product: Product, source: ProductSource = ProductSource.MANUAL
                             ) -> tuple[ProductRow, bool]:
        """Create, or update by id or by SKU; returns (row, created). A new product gets `source`; an edited
        one keeps its own (a synced product edited by hand is overwritten by its next sync)."""
        now = utcnow()
        async with self._sessions.begin() as session:
            row = None
            if product.id:
                row = await session.get(ProductRow, product.id)
                if row is not None and row.user_id != user_id:
                    row = None
                if row is None:
                    raise LookupError(product.id)
            if row is None:
                row = (await session.execute(select(ProductRow).where(
                    ProductRow.user_id == user_id, ProductRow.sku == product.sku))).scalar_one_or_none()
            created = row is None
            if row is None:
                row = ProductRow(id=str(uuid.uuid4()), user_id=user_id, created_at=now, source=source, active=True)
                session.add(row)
            row.sku, row.name, row.description = product.sku, product.name, product.description
            row.price, row.currency, row.stock = product.price, product.currency or "BRL", product.stock
            row.synonyms, row.variants = list(product.synonyms), list(product.variants)
            row.shipping_policy, row.return_policy = product.shipping_policy, product.return_policy
            row.gender = product.gender
            row.updated_at = now
            return row, created

    async def sku_taken(self, user_id: str, sku: str, except_id: str) -> bool:
        async with self._sessions() as session:
            found = (await session.execute(select(ProductRow.id).where(
                ProductRow.user_id == user_id, ProductRow.sku == sku))).scalar_one_or_none()
            return found is not None and found != except_id

    async def delete_product(self, user_id: str, product_id: str) -> bool:
        async with self._sessions.begin() as session:
            result = await session.execute(delete(ProductRow).where(
                ProductRow.user_id == user_id, ProductRow.id == product_id))
            return bool(result.rowcount)  # type: ignore[attr-defined]

