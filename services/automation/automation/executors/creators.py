"""`invite_creators` in the browser: invite matching creators until max_invites or the weekly quota."""

from __future__ import annotations

from functools import partial

from automation.adapters.browser.pages.creators import CreatorSearchPage, Invitation
from automation.domain.errors import AlreadyDone, PlatformLimitReached
from automation.domain.model import TaskOutcome
from automation.domain.task_configs import InviteCreatorsConfig
from automation.executors.base import ExecutionContext


class BrowserCreatorInviteExecutor:
    needs_browser = True

    async def run(self, ctx: ExecutionContext) -> TaskOutcome:
        cfg = ctx.config
        assert isinstance(cfg, InviteCreatorsConfig)
        page = CreatorSearchPage(ctx.browser_page, ctx.base_url, ctx.names, ctx.timeout_ms)
        invitation = Invitation(cfg.invitation_name, cfg.message, cfg.commission_rate)
        handled = await ctx.handled_ids()

        async def reopen() -> None:
            await page.search(cfg.category, cfg.min_followers, cfg.max_followers)

        await ctx.step(reopen)
        await ctx.report_progress(0, ctx.limit)
        done, already, exhausted = 0, 0, False
        quota_hit = await page.quota_left() == 0
        while done < ctx.limit and not quota_hit:
            items = [i for i in await ctx.step(page.items, reopen) if i.invitable and i.id not in handled]
            if not items:
                if not await ctx.step(page.next_page_of_items, reopen):
                    exhausted = True
                    break
                continue
            for item in items[: ctx.limit - done]:
                await ctx.checkpoint()
                try:
                    await ctx.step(partial(page.invite, item, invitation), reopen)
                except PlatformLimitReached:
                    quota_hit = True  # weekly quota: stop now, a retry cannot help until it refreshes
                    break
                except AlreadyDone:
                    already += 1
                    await ctx.remember(item.id, "already invited")
                    handled.add(item.id)
                    continue
                await ctx.remember(item.id, item.handle)
                handled.add(item.id)
                done += 1
                await ctx.report_progress(done, ctx.limit)
                await ctx.pause()
        return TaskOutcome(
            done, done if (exhausted or quota_hit) else ctx.limit,
            {"invited": done, "already_invited": already, "quota_exhausted": quota_hit, "no_more_creators": exhausted},
            partial_reason="quota_exhausted" if quota_hit else "",
        )
