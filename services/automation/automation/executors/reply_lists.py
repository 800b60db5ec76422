"""`reply_comments` and `reply_reviews` in the browser: answer unreplied rows, page by page, once each."""

from __future__ import annotations

from functools import partial

from automation.adapters.browser.pages.reply_list import ListedItem, ReplyListPage
from automation.domain.errors import AlreadyDone
from automation.domain.model import TaskOutcome
from automation.domain.task_configs import ReplyCommentsConfig, ReplyReviewsConfig, ReplyWithTemplateOrAi
from automation.domain.templates import render_reply
from automation.executors.base import ExecutionContext


class BrowserReplyListExecutor:
    needs_browser = True

    def __init__(self, kind: str) -> None:
        self.kind = kind  # "comments" | "reviews"

    def _eligible(self, item: ListedItem, cfg: ReplyWithTemplateOrAi, handled: set[str]) -> bool:
        if not item.can_reply or item.id in handled:
            return False
        if isinstance(cfg, ReplyCommentsConfig) and cfg.skip_replied and item.replied:
            return False
        if isinstance(cfg, ReplyReviewsConfig):
            return cfg.min_rating <= item.rating <= cfg.max_rating
        return True

    async def _compose(self, ctx: ExecutionContext, item: ListedItem, cfg: ReplyWithTemplateOrAi) -> str:
        if cfg.use_ai:
            answer = await ctx.step(lambda: ctx.chatbot.answer(
                ctx.task.user_id, f"{ctx.profile.id}:{self.kind}:{item.id}", item.text, item.author))
            return answer.reply[:500]
        buyer = item.author if self.kind == "comments" else ""
        product = item.author if self.kind == "reviews" else ""
        return render_reply(cfg.reply_template or "", buyer=buyer, product=product, text=item.text)[:500]

    async def run(self, ctx: ExecutionContext) -> TaskOutcome:
        cfg = ctx.config
        assert isinstance(cfg, ReplyWithTemplateOrAi)
        page = ReplyListPage(ctx.browser_page, ctx.base_url, ctx.names, ctx.timeout_ms, kind=self.kind)
        only_unreplied = self.kind == "reviews" or (isinstance(cfg, ReplyCommentsConfig) and cfg.skip_replied)
        ratings = set(range(cfg.min_rating, cfg.max_rating + 1)) if isinstance(cfg, ReplyReviewsConfig) else None
        handled = await ctx.handled_ids()
        done, already, page_number, skipped_ai = 0, 0, 1, 0

        async def reopen() -> None:
            await page.open(only_unreplied, ratings)
            await page.show_page(page_number)

        await ctx.step(reopen)
        await ctx.report_progress(0, ctx.limit)
        exhausted = False
        while done < ctx.limit:
            items = await ctx.step(page.items, reopen)
            actionable = [i for i in items if self._eligible(i, cfg, handled)]
            if not actionable:
                if not await ctx.step(page.next_page_of_items, reopen):
                    exhausted = True
                    break
                page_number += 1
                continue
            for item in actionable[: ctx.limit - done]:
                await ctx.checkpoint()
                text = await self._compose(ctx, item, cfg)
                if not text:
                    skipped_ai += 1  # the chatbot handed the conversation to a human: leave it to them
                    handled.add(item.id)
                    continue
                try:
                    await ctx.step(partial(page.reply_to, item, text), reopen)
                except AlreadyDone:
                    already += 1
                    await ctx.remember(item.id, "already answered on Seller Center")
                    handled.add(item.id)
                    continue
                await ctx.remember(item.id, text)
                handled.add(item.id)
                done += 1
                await ctx.report_progress(done, ctx.limit)
                await ctx.pause()
            if done < ctx.limit:
                await ctx.step(partial(page.refresh, page_number), reopen)
        total = done if exhausted else ctx.limit
        return TaskOutcome(done, total, {"replied": done, "already_answered": already,
                                         "left_to_human": skipped_ai, "no_more_items": exhausted})
