"""The part of `sync_catalog` / `sync_orders` that does not care where the data came from (API or pages):
compare a batch with what was last published, publish the changes, record them, move the cursor."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from typing import TypeVar

from automation.adapters.shop_store import MISSING_HASH, SyncStateRepository
from automation.adapters.tiktok_shop.client import ShopSession
from automation.domain.shop import MISSING, Order, Product
from automation.events.shop_publisher import ShopEventPublisher
from automation.metrics import SHOP_ITEMS_SYNCED

PRODUCT, ORDER = "product", "order"
T = TypeVar("T")
R = TypeVar("R")


@dataclass
class SyncCounts:
    upserted: int = 0
    deactivated: int = 0
    unchanged: int = 0
    pages: int = 0

    @property
    def read(self) -> int:
        return self.upserted + self.deactivated + self.unchanged

    def as_summary(self, kind: str) -> dict[str, int]:
        published = "updated" if kind == ORDER else "upserted"
        summary = {f"{kind}s_{published}": self.upserted, f"{kind}s_unchanged": self.unchanged, "pages": self.pages}
        if kind == PRODUCT:
            summary["products_deactivated"] = self.deactivated
        return summary


@dataclass
class ShopSync:
    state: SyncStateRepository
    events: ShopEventPublisher
    user_id: str
    profile_id: str
    shop_id: str
    session: ShopSession | None = None  # None: the shop has no API authorisation, read Seller Center pages
    counts: SyncCounts = field(default_factory=SyncCounts)

    async def cursor(self, kind: str) -> int:
        return await self.state.cursor(self.profile_id, kind)

    async def advance(self, kind: str, items_update_times: Iterable[int]) -> None:
        """Pages come oldest update first: after a page, resume from its newest update_time (inclusive)."""
        newest = max(items_update_times, default=0)
        if newest:
            await self.state.save_cursor(self.profile_id, kind, newest)

    async def stale_ids(self, kind: str, update_times: dict[str, int], full: bool) -> set[str]:
        """Ids that may have changed since they were published (all of them on a full sync). An equal
        update_time counts: times are in seconds, so two changes within one second share it; the content hash
        then decides whether anything is published."""
        if full:
            return set(update_times)
        known = await self.state.known(self.profile_id, kind, list(update_times))
        return {i for i, t in update_times.items() if i not in known or t >= known[i].update_time}

    async def apply_products(self, products: list[Product], full: bool) -> None:
        known = await self.state.known(self.profile_id, PRODUCT, [p.id for p in products])
        upserted: list[Product] = []
        gone: list[tuple[str, str, int, str]] = []
        rows: list[tuple[str, int, str, bool]] = []
        for product in products:
            before, digest = known.get(product.id), product.fingerprint
            rows.append((product.id, product.update_time, digest, product.active))
            if before is not None and before.content_hash == digest and not full:
                self.counts.unchanged += 1
            elif product.active:
                upserted.append(product)
            elif before is None or before.active or full:
                gone.append((product.id, product.status, product.update_time,
                             f"TikTok Shop lists it as {product.status}"))
            else:
                self.counts.unchanged += 1
        await self.events.products(self.user_id, self.profile_id, self.shop_id, upserted, gone)
        await self.state.record(self.profile_id, PRODUCT, rows)
        self._count(PRODUCT, len(upserted), len(gone))

    async def mark_missing(self, listed_ids: set[str]) -> None:
        """A complete listing no longer shows these products: deactivate them (never delete silently)."""
        missing = sorted(await self.state.active_ids(self.profile_id, PRODUCT) - listed_ids)
        for start in range(0, len(missing), 200):
            chunk = missing[start:start + 200]
            gone = [(pid, MISSING, 0, "no longer listed by the shop") for pid in chunk]
            await self.events.products(self.user_id, self.profile_id, self.shop_id, [], gone)
            await self.state.record(self.profile_id, PRODUCT, [(pid, 0, MISSING_HASH, False) for pid in chunk])
            self._count(PRODUCT, 0, len(chunk))

    async def apply_orders(self, orders: list[Order], full: bool) -> None:
        known = await self.state.known(self.profile_id, ORDER, [o.id for o in orders])
        changed = [o for o in orders if full or o.id not in known or known[o.id].content_hash != o.fingerprint]
        self.counts.unchanged += len(orders) - len(changed)
        await self.events.orders(self.user_id, self.profile_id, self.shop_id, changed)
        await self.state.record(self.profile_id, ORDER, [(o.id, o.update_time, o.fingerprint, True) for o in orders])
        self._count(ORDER, len(changed), 0)

    def _count(self, kind: str, upserted: int, deactivated: int) -> None:
        self.counts.upserted += upserted
        self.counts.deactivated += deactivated
        SHOP_ITEMS_SYNCED.labels(kind, "upserted").inc(upserted)
        if deactivated:
            SHOP_ITEMS_SYNCED.labels(kind, "deactivated").inc(deactivated)


async def gather_limited(items: list[T], call: Callable[[T], Awaitable[R]], limit: int) -> list[R]:
    """`call` over `items`, at most `limit` at a time, results in order."""
    gate = asyncio.Semaphore(limit)

    async def one(item: T) -> R:
        async with gate:
            return await call(item)

    return list(await asyncio.gather(*(one(i) for i in items)))
