"""`sync_catalog` and `sync_orders` through the TikTok Shop Open API (the shop authorised the app)."""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

from automation.adapters.tiktok_shop import parse
from automation.adapters.tiktok_shop.client import TikTokShopError
from automation.domain.model import TaskOutcome
from automation.domain.shop import Order, Product
from automation.domain.task_configs import ShopSyncConfig, SyncOrdersConfig
from automation.executors.base import ExecutionContext
from automation.executors.shop_sync import ORDER, PRODUCT, gather_limited

DETAIL_CONCURRENCY = 32
SHIPPED = frozenset({"AWAITING_COLLECTION", "IN_TRANSIT", "DELIVERED"})


class ApiCatalogSyncExecutor:
    needs_browser = False

    async def run(self, ctx: ExecutionContext) -> TaskOutcome:
        cfg = ctx.config
        assert isinstance(cfg, ShopSyncConfig)
        sync = ctx.shop_sync
        session = sync.session
        assert session is not None
        cursor = 0 if cfg.full else await sync.cursor(PRODUCT)
        listed: set[str] | None = set() if cursor == 0 else None  # a complete listing: find removed products

        async def detail(product_id: str) -> Product | None:
            try:
                return parse.product(await session.product(product_id))
            except TikTokShopError as exc:
                if exc.status == 404:
                    return None  # removed between the listing and now: the next full listing deactivates it
                raise

        async def publish(products: list[Product], times: dict[str, int], total: int) -> None:
            await sync.apply_products(products, cfg.full)
            await sync.advance(PRODUCT, times.values())
            await ctx.report_progress(sync.counts.read, max(total, sync.counts.read))

        publishing: asyncio.Task[None] | None = None  # page N is published while page N+1's details load
        try:
            async for page in session.product_pages(cursor, cfg.page_size):
                await ctx.checkpoint()
                times = {str(p["id"]): int(p.get("update_time") or 0) for p in page.items}
                if listed is not None:
                    listed.update(times)
                stale = await sync.stale_ids(PRODUCT, times, cfg.full)
                sync.counts.unchanged += len(times) - len(stale)
                found = await gather_limited(sorted(stale), detail, DETAIL_CONCURRENCY)
                if publishing is not None:
                    await publishing  # pages are recorded in order: the cursor never skips one
                publishing = asyncio.create_task(publish([p for p in found if p is not None], times, page.total))
                sync.counts.pages += 1
                if sync.counts.pages >= cfg.max_pages:
                    break
            if publishing is not None:
                await publishing
        finally:
            if publishing is not None and not publishing.done():
                with contextlib.suppress(Exception):
                    await publishing  # a failure while loading the next page keeps the page already read
        if listed is None and await session.product_count() != await sync.state.count_listed(ctx.profile.id,
                                                                                              PRODUCT):
            listed = await self._all_ids(ctx, cfg.page_size)  # counts differ: something was removed
        if listed is not None:
            await sync.mark_missing(listed)
        return TaskOutcome(sync.counts.read, sync.counts.read, {**sync.counts.as_summary(PRODUCT), "source": "api"})

    async def _all_ids(self, ctx: ExecutionContext, page_size: int) -> set[str]:
        session = ctx.shop_sync.session
        assert session is not None
        ids: set[str] = set()
        async for page in session.product_pages(0, page_size):
            await ctx.checkpoint()
            ids.update(str(p["id"]) for p in page.items)
        return ids


class ApiOrderSyncExecutor:
    needs_browser = False

    async def run(self, ctx: ExecutionContext) -> TaskOutcome:
        cfg = ctx.config
        assert isinstance(cfg, SyncOrdersConfig)
        sync = ctx.shop_sync
        session = sync.session
        assert session is not None
        cursor = 0 if cfg.full else await sync.cursor(ORDER)
        async for page in session.order_pages(cursor, cfg.page_size):
            await ctx.checkpoint()
            times = {str(o["id"]): int(o.get("update_time") or 0) for o in page.items}
            stale = await sync.stale_ids(ORDER, times, cfg.full)
            sync.counts.unchanged += len(times) - len(stale)
            raw_orders = [o for o in page.items if str(o["id"]) in stale]

            async def with_tracking(raw: dict[str, Any]) -> Order:
                track = cfg.fetch_tracking and raw.get("status") in SHIPPED and raw.get("tracking_number")
                events = await session.tracking(str(raw["id"])) if track else []
                return parse.order(raw, parse.tracking_event(events))

            orders = await gather_limited(raw_orders, with_tracking, DETAIL_CONCURRENCY)
            await sync.apply_orders(orders, cfg.full)
            await sync.advance(ORDER, times.values())
            sync.counts.pages += 1
            await ctx.report_progress(sync.counts.read, max(page.total, sync.counts.read))
            if sync.counts.pages >= cfg.max_pages:
                break
        return TaskOutcome(sync.counts.read, sync.counts.read, {**sync.counts.as_summary(ORDER), "source": "api"})
