"""`reply_messages` in the browser: answer unreplied buyer chats with chatbot-service's reply."""

from __future__ import annotations

from functools import partial

from automation.adapters.browser.pages.inbox import ChatLine, ConversationItem, InboxPage
from automation.domain.model import TaskOutcome
from automation.executors.base import ExecutionContext

MAX_MESSAGE = 2000


def _pending_question(lines: list[ChatLine]) -> tuple[str, str]:
    """The buyer's messages after the seller's last one, and the key of the newest (empty when none)."""
    pending: list[ChatLine] = []
    for line in reversed(lines):
        if not line.from_buyer:
            break
        pending.append(line)
    if not pending:
        return "", ""
    pending.reverse()
    return "\n".join(p.text for p in pending), pending[-1].key


class BrowserInboxExecutor:
    needs_browser = True

    async def run(self, ctx: ExecutionContext) -> TaskOutcome:
        page = InboxPage(ctx.browser_page, ctx.base_url, ctx.names, ctx.timeout_ms)
        handled = await ctx.handled_ids()
        await ctx.step(page.open_unreplied)
        conversations = await ctx.step(page.conversations, page.open_unreplied)
        await ctx.report_progress(0, min(ctx.limit, len(conversations)))
        done, handed_off = 0, 0
        for conv in conversations:
            if done >= ctx.limit:
                break
            await ctx.checkpoint()
            lines = await ctx.step(partial(page.open_conversation, conv), page.open_unreplied)
            question, last_key = _pending_question(lines)
            item_id = f"{conv.id}:{last_key}"
            if not question or item_id in handled:
                continue
            answer = await ctx.step(partial(
                ctx.chatbot.answer, ctx.task.user_id, f"{ctx.profile.id}:{conv.id}", question, conv.buyer))
            if not answer.reply:
                handed_off += 1
                continue
            await ctx.step(partial(page.send, conv, answer.reply[:MAX_MESSAGE]), partial(self._reopen, page, conv))
            await ctx.remember(item_id, answer.reply)
            handled.add(item_id)
            done += 1
            await ctx.report_progress(done, min(ctx.limit, len(conversations)))
            await ctx.pause()
        return TaskOutcome(done, done if done < ctx.limit else ctx.limit,
                           {"replied": done, "handed_off": handed_off, "conversations_seen": len(conversations)})

    async def _reopen(self, page: InboxPage, conv: ConversationItem) -> None:
        await page.open_unreplied()
        await page.open_conversation(conv)
