"""Product ratings (`/product/rating`) and video comments (`/content/comments`): tabs, rows, reply dialog."""

from __future__ import annotations

from dataclasses import dataclass

from playwright.async_api import Locator

from automation.adapters.browser.pages.base import SellerCenterPage

READ_ROWS = """(rows, args) => rows.filter(r => r.querySelector('td') && r.getAttribute('data-row-key')).map(r => {
  const cells = [...r.cells].map(c => c.innerText.trim());
  const action = r.cells[r.cells.length - 1];
  const buttons = [...action.querySelectorAll('button')].map(b => b.innerText.trim());
  const stars = r.cells[1] ? (r.cells[1].innerText.match(/★/g) || []).length : 0;
  return {id: r.getAttribute('data-row-key'), cells, stars,
          replied: action.innerText.includes(args.sellerReply), canReply: buttons.includes(args.reply)};
})"""


@dataclass(frozen=True)
class ListedItem:
    id: str
    text: str
    author: str  # buyer of a comment, product of a review
    rating: int
    replied: bool
    can_reply: bool


class ReplyListPage(SellerCenterPage):
    """`kind` is `reviews` or `comments`; both pages share the same Arco table and reply dialog."""

    def __init__(self, *args: object, kind: str, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.kind = kind

    @property
    def table(self) -> Locator:
        return self.page.get_by_role("table", name=self.n[f"{self.kind}_table"], exact=True)

    async def open(self, only_unreplied: bool, ratings: set[int] | None = None) -> None:
        await self.goto(self.kind)
        await self.wait_loaded(self.table)
        if only_unreplied:
            await self.page.get_by_role("tab", name=self.n["tab_not_replied"], exact=True).click()
            await self.wait_loaded(self.table)
        if ratings and ratings != set(range(1, 6)):
            group = self.page.get_by_role("group", name=self.n["star_group"])
            for stars in sorted(ratings):
                await group.get_by_label(f"{stars} ★", exact=True).check()
                await self.wait_loaded(self.table)

    async def items(self) -> list[ListedItem]:
        rows = await self.table.get_by_role("row").evaluate_all(
            READ_ROWS, {"sellerReply": self.n["seller_reply"], "reply": self.n["reply"]})
        found = []
        for row in rows:
            cells = row["cells"]
            if self.kind == "reviews":
                found.append(ListedItem(row["id"], cells[2], cells[0], int(row["stars"]), row["replied"],
                                        row["canReply"]))
            else:
                found.append(ListedItem(row["id"], cells[2], cells[1], 0, row["replied"], row["canReply"]))
        return found

    def row(self, item_id: str) -> Locator:
        # The row key is the item's platform id (not a styling hash): the one stable handle on a row.
        return self.table.locator(f'tr[data-row-key="{item_id}"]')

    async def reply_to(self, item: ListedItem, text: str) -> None:
        row = self.row(item.id)
        await self.button(row, "reply").click()
        dialog_name = "reply_review_dialog" if self.kind == "reviews" else "reply_comment_dialog"
        dialog = self.page.get_by_role("dialog", name=self.n[dialog_name], exact=True)
        await dialog.get_by_label(self.n["reply_field"], exact=True).fill(text)
        await self.button(dialog, "submit").click()
        await self.await_outcome(row.filter(has_text=text[:60]))

    async def next_page_of_items(self) -> bool:
        return await self.next_page(self.table)

    async def show_page(self, number: int) -> None:
        await self.go_to_page(number, self.table)

    async def refresh(self, number: int) -> None:
        """Load the current page again: answered rows leave the "Not replied" list, new ones move in."""
        nav = self.page.get_by_role("navigation", name=self.n["pagination"])
        await nav.get_by_role("button", name=str(number), exact=True).click()
        await self.wait_loaded(self.table)
