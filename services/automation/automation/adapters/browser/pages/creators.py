"""Affiliate creator search (`/connection/creator`): weekly quota banner, filters, rows and invite dialog."""

from __future__ import annotations

import re
from dataclasses import dataclass

from playwright.async_api import Locator

from automation.adapters.browser.pages.base import SellerCenterPage

READ_ROWS = """(rows, invite) => rows.filter(r => r.querySelector('td') && r.getAttribute('data-row-key')).map(r => {
  const button = r.cells[r.cells.length - 1].querySelector('button');
  return {id: r.getAttribute('data-row-key'), handle: r.cells[1].innerText.trim(),
          invitable: !!button && !button.disabled && button.innerText.trim() === invite};
})"""


@dataclass(frozen=True)
class CreatorItem:
    id: str
    handle: str
    invitable: bool


@dataclass(frozen=True)
class Invitation:
    name: str
    message: str
    commission_rate: float


class CreatorSearchPage(SellerCenterPage):
    @property
    def table(self) -> Locator:
        return self.page.get_by_role("table", name=self.n["creators_table"], exact=True)

    async def search(self, category: str, min_followers: int, max_followers: int) -> None:
        await self.goto("creators")
        await self.wait_loaded(self.table)
        if category:
            await self.page.get_by_label(self.n["category"], exact=True).select_option(category)
        if min_followers:
            await self.page.get_by_label(self.n["min_followers"], exact=True).fill(str(min_followers))
        if max_followers:
            await self.page.get_by_label(self.n["max_followers"], exact=True).fill(str(max_followers))
        await self.button(self.page, "search").click()
        await self.wait_loaded(self.table)

    async def quota_left(self) -> int:
        banner = await self.page.get_by_role("note").filter(has_text=self.n["quota_banner"]).inner_text()
        match = re.search(r"(\d+)", banner)
        return int(match.group(1)) if match else 0

    async def items(self) -> list[CreatorItem]:
        rows = await self.table.get_by_role("row").evaluate_all(READ_ROWS, self.n["invite"])
        return [CreatorItem(r["id"], r["handle"], r["invitable"]) for r in rows]

    async def invite(self, item: CreatorItem, invitation: Invitation) -> None:
        row = self.table.locator(f'tr[data-row-key="{item.id}"]')  # the creator id: the row's stable handle
        await self.button(row, "invite").click()
        dialog = self.page.get_by_role("dialog", name=self.n["invite_dialog"], exact=True)
        await dialog.get_by_label(self.n["invitation_name"], exact=True).fill(invitation.name)
        if invitation.message:
            await dialog.get_by_label(self.n["message"], exact=True).fill(invitation.message)
        await dialog.get_by_label(self.n["commission_rate"], exact=True).fill(f"{invitation.commission_rate:g}")
        await self.button(dialog, "send_invitation").click()
        await self.await_outcome(self.button(row, "invited"))

    async def next_page_of_items(self) -> bool:
        return await self.next_page(self.table)
