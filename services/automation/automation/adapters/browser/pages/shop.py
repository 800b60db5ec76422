"""Products > Manage, Orders and order detail pages: what the shop sync reads when the shop has no API
authorisation. Lists are newest update first; rows carry the platform id (`data-row-key`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlencode

from playwright.async_api import Locator

from automation.adapters.browser.names import PATHS, status_code
from automation.adapters.browser.pages.base import SellerCenterPage
from automation.domain.errors import TransientPageError
from automation.domain.shop import (
    Attribute,
    LineItem,
    Order,
    Package,
    Product,
    Sku,
    SyncSource,
    TrackingEvent,
    tracking_url,
)

ROWS_JS = """rows => rows.map(r => ({key: r.getAttribute('data-row-key') || '',
  cells: [...r.querySelectorAll('td')].map(c => c.innerText.trim()),
  time: (r.querySelector('time') || {getAttribute: () => ''}).getAttribute('datetime') || ''}))"""


@dataclass(frozen=True)
class ListedRow:
    id: str
    update_time: int
    status: str


def _unix(iso: str) -> int:
    return int(datetime.fromisoformat(iso).timestamp()) if iso else 0


def _money(text: str) -> tuple[str, str]:
    currency, _, amount = text.strip().partition(" ")
    return (currency, amount) if amount else ("", currency)


def _pairs(text: str) -> tuple[Attribute, ...]:
    """`"Cor: Preto; Tamanho: P"` → attributes."""
    found = []
    for part in text.split(";"):
        name, _, value = part.partition(":")
        if name.strip():
            found.append(Attribute(name.strip(), value.strip()))
    return tuple(found)


class ShopPages(SellerCenterPage):
    async def open(self, key: str, **query: str | int) -> None:
        path = PATHS[key] + (f"?{urlencode(query)}" if query else "")
        response = await self.page.goto(self.base_url + path, wait_until="domcontentloaded", timeout=self.timeout_ms)
        if response is not None and response.status >= 500:
            raise TransientPageError(f"{path} answered HTTP {response.status}")
        await self.raise_if_blocked()

    async def _rows(self, table: Locator) -> list[tuple[str, list[str], str]]:
        """(row key, cell texts, the row's `<time datetime>`) of each body row."""
        await table.wait_for(timeout=self.timeout_ms)
        rows = await table.locator("tbody tr").evaluate_all(ROWS_JS)
        return [(str(r["key"]), [str(c) for c in r["cells"]], str(r["time"])) for r in rows]

    async def listed(self, kind: str, page_number: int) -> tuple[list[ListedRow], bool]:
        """One page of the products or orders list (newest update first) and whether a next page exists."""
        await self.open(kind, page=page_number)
        table = self.page.get_by_role("table", name=self.n[f"{kind}_table"])
        rows = [ListedRow(key, _unix(stamp), status_code(self.n, cells[1]))
                for key, cells, stamp in await self._rows(table)]
        nav = self.page.get_by_role("navigation", name=self.n["pagination"])
        more = await nav.get_by_role("link", name=self.n["next_page"], exact=True).count() > 0
        return rows, more

    async def _field(self, key: str) -> Locator:
        return self.page.get_by_label(self.n[key], exact=True)

    async def _time(self, key: str) -> int:
        stamp = (await self._field(key)).locator("time")
        return _unix(await stamp.get_attribute("datetime") or "") if await stamp.count() else 0

    async def _text(self, key: str) -> str:
        return (await (await self._field(key)).inner_text()).strip()

    async def product(self, product_id: str) -> Product:
        await self.open("product", product_id=product_id)
        title = (await self.page.get_by_role("heading", level=1).inner_text()).strip()
        description = await self.page.get_by_role("region", name=self.n["description"]).inner_html()
        variants = self.page.get_by_role("table", name=self.n["variants_table"])
        skus = []
        for key, cells, _ in await self._rows(variants):
            sku_code, variation, price, stock = cells[:4]
            currency, amount = _money(price)
            skus.append(Sku(key, sku_code, amount, currency, int(stock or 0), _pairs(variation)))
        attributes = tuple(Attribute(a.name, a.value) for a in _pairs(await self._text("attributes")))
        return Product(product_id, title, description.strip(), status_code(self.n, await self._text("f_status")),
                       tuple(skus), attributes, await self._time("f_created"), await self._time("f_updated"),
                       SyncSource.PAGES)

    async def order(self, order_id: str) -> Order:
        await self.open("order", order_no=order_id)
        items_table = self.page.get_by_role("table", name=self.n["items_table"])
        items = []
        for key, cells, _ in await self._rows(items_table):
            name, seller_sku, variation, quantity, price = cells[:5]
            currency, amount = _money(price)
            items.append(LineItem(key, "", name, "", variation, seller_sku, int(quantity or 1), amount, currency))
        carrier, number = await self._text("f_carrier"), await self._text("f_tracking")
        last_text = await self._text("f_last_event")
        last = TrackingEvent(last_text.rsplit(" ", 2)[0].strip() if last_text else "", await self._time("f_last_event"))
        packages = (Package("", carrier, number, tracking_url(carrier, number), last if last_text else None),) \
            if number else ()
        currency, total = _money(await self._text("f_total"))
        return Order(
            id=order_id, status=status_code(self.n, await self._text("f_status")), line_items=tuple(items),
            buyer_name=await self._text("f_buyer"), buyer_phone=await self._text("f_phone"),
            buyer_handle=await self._text("f_handle"), buyer_message="", total_amount=total, currency=currency,
            packages=packages, create_time=await self._time("f_created"), update_time=await self._time("f_updated"),
            source=SyncSource.PAGES,
        )
