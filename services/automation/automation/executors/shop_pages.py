"""`sync_catalog` and `sync_orders` in the browser, for shops without an Open API authorisation.

The lists show the newest update first: read pages until the rows are older than the cursor, then open the
changed items oldest first, so the cursor can move after each batch and a failed run resumes where it stopped.
"""

from __future__ import annotations

from functools import partial

from automation.adapters.browser.pages.shop import ListedRow, ShopPages
from automation.domain.model import TaskOutcome
from automation.domain.task_configs import ShopSyncConfig
from automation.executors.base import ExecutionContext
from automation.executors.shop_sync import ORDER, PRODUCT

BATCH = 20


async def _changed_rows(ctx: ExecutionContext, pages: ShopPages, kind: str, list_key: str,
                        cursor: int, cfg: ShopSyncConfig) -> tuple[list[ListedRow], set[str] | None]:
    """Rows updated since the cursor (oldest first), and every listed id when all pages were read."""
    sync = ctx.shop_sync
    rows: list[ListedRow] = []
    listed: set[str] = set()
    number = 1
    while True:
        await ctx.checkpoint()
        found, more = await ctx.step(partial(pages.listed, list_key, number))
        sync.counts.pages += 1
        listed.update(r.id for r in found)
        rows.extend(r for r in found if cfg.full or r.update_time >= cursor)
        reached_cursor = not cfg.full and any(r.update_time < cursor for r in found)
        if not more or reached_cursor or number >= cfg.max_pages:
            complete = not more
            break
        number += 1
        await ctx.pause()
    stale = await sync.stale_ids(kind, {r.id: r.update_time for r in rows}, cfg.full)
    sync.counts.unchanged += len({r.id for r in rows}) - len(stale)
    changed = sorted((r for r in rows if r.id in stale), key=lambda r: (r.update_time, r.id))
    return changed, (listed if complete else None)


async def _sync(ctx: ExecutionContext, kind: str, list_key: str) -> TaskOutcome:
    """List what changed, open each changed item oldest first, publish in batches (the cursor moves per batch)."""
    cfg = ctx.config
    assert isinstance(cfg, ShopSyncConfig)
    sync = ctx.shop_sync
    pages = ShopPages(ctx.browser_page, ctx.base_url, ctx.names, ctx.timeout_ms)
    cursor = 0 if cfg.full else await sync.cursor(kind)
    changed, listed = await _changed_rows(ctx, pages, kind, list_key, cursor, cfg)
    await ctx.report_progress(0, len(changed))
    for start in range(0, len(changed), BATCH):
        batch = changed[start:start + BATCH]
        if kind == PRODUCT:
            await sync.apply_products([await ctx.step(partial(pages.product, row.id)) for row in batch], cfg.full)
        else:
            await sync.apply_orders([await ctx.step(partial(pages.order, row.id)) for row in batch], cfg.full)
        await sync.advance(kind, (r.update_time for r in batch))
        await ctx.report_progress(start + len(batch), len(changed))
        await ctx.checkpoint()
    if kind == PRODUCT and listed is not None:
        await sync.mark_missing(listed)  # every page was read: what is not listed is gone
    return TaskOutcome(len(changed), len(changed), {**sync.counts.as_summary(kind), "source": "pages"})


class BrowserCatalogSyncExecutor:
    needs_browser = True

    async def run(self, ctx: ExecutionContext) -> TaskOutcome:
        return await _sync(ctx, PRODUCT, "products")


class BrowserOrderSyncExecutor:
    needs_browser = True

    async def run(self, ctx: ExecutionContext) -> TaskOutcome:
        return await _sync(ctx, ORDER, "orders")
