"""The buyer inbox (`/chat`): conversation list, one conversation's log, and the message box."""

from __future__ import annotations

from dataclasses import dataclass

from playwright.async_api import Locator
from playwright.async_api import TimeoutError as PlaywrightTimeout

from automation.adapters.browser.pages.base import SellerCenterPage
from automation.domain.errors import TransientPageError

READ_OPTIONS = """opts => opts.filter(o => o.getAttribute('aria-disabled') !== 'true').map(o => ({
  id: o.getAttribute('data-row-key'), buyer: (o.querySelector('strong') || o).innerText.trim()}))"""
READ_MESSAGES = """arts => arts.map(a => ({key: a.getAttribute('data-row-key') || '',
  sender: a.getAttribute('aria-label'), text: a.innerText.trim()}))"""


@dataclass(frozen=True)
class ConversationItem:
    id: str
    buyer: str


@dataclass(frozen=True)
class ChatLine:
    key: str
    from_buyer: bool
    text: str


class InboxPage(SellerCenterPage):
    @property
    def listbox(self) -> Locator:
        return self.page.get_by_role("listbox", name=self.n["conversations"], exact=True)

    def conversation(self, buyer: str) -> Locator:
        return self.page.get_by_role("region", name=f"{self.n['conversation_with']} {buyer}", exact=True)

    async def open_unreplied(self) -> None:
        await self.goto("inbox")
        await self.wait_loaded(self.listbox)
        await self.page.get_by_role("tab", name=self.n["tab_unreplied"], exact=True).click()
        await self.wait_loaded(self.listbox)

    async def conversations(self) -> list[ConversationItem]:
        options = await self.listbox.get_by_role("option").evaluate_all(READ_OPTIONS)
        return [ConversationItem(o["id"], o["buyer"]) for o in options if o["id"]]

    async def open_conversation(self, item: ConversationItem) -> list[ChatLine]:
        await self.listbox.locator(f'[data-row-key="{item.id}"]').click()  # conversation id, not a hash
        region = self.conversation(item.buyer)
        try:
            await region.or_(self.captcha).or_(self.login_field).first.wait_for(timeout=self.timeout_ms)
        except PlaywrightTimeout as exc:
            await self.raise_if_blocked()
            raise TransientPageError(f"conversation with {item.buyer} did not open") from exc
        await self.raise_if_blocked()
        lines = await region.get_by_role("log").get_by_role("article").evaluate_all(READ_MESSAGES)
        return [ChatLine(m["key"], m["sender"] == self.n["buyer_message"], m["text"]) for m in lines]

    async def send(self, item: ConversationItem, text: str) -> None:
        region = self.conversation(item.buyer)
        await region.get_by_label(self.n["type_message"], exact=True).fill(text)
        await self.button(region, "send").click()
        sent = region.get_by_role("log").get_by_role("article", name=self.n["seller_message"], exact=True)
        await self.await_outcome(sent.filter(has_text=text[:60]).last)
