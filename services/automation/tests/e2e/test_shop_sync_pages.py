"""The shop sync's browser fallback: a profile without API authorisation reads Products and Orders pages of
the Seller Center replica in real Chromium, and publishes the same events (source = seller_center_page)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import httpx
import nats
import pytest
from automation.main import AutomationApp
from sellerbot.events.v1 import shop_events_pb2 as ev


@pytest.fixture
async def published(automation: AutomationApp, nats_url: str) -> AsyncIterator[dict[str, list[Any]]]:
    namespace = automation.components.settings.nats_namespace
    seen: dict[str, list[Any]] = {"upserted": [], "orders": []}
    nc = await nats.connect(nats_url)

    async def on_product(msg: Any) -> None:
        seen["upserted"].append(ev.ProductUpserted.FromString(msg.data))

    async def on_order(msg: Any) -> None:
        seen["orders"].append(ev.OrderUpdated.FromString(msg.data))

    await nc.subscribe(f"{namespace}.catalog.product_upserted", cb=on_product)
    await nc.subscribe(f"{namespace}.orders.order_updated", cb=on_order)
    await nc.flush()
    yield seen
    await nc.close()


async def until(check: Callable[[], bool], timeout: float = 10) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "condition not reached in time"
        await asyncio.sleep(0.05)


async def test_without_api_authorisation_the_sync_reads_the_seller_center_pages(
        new_user: Callable[[], Awaitable[httpx.AsyncClient]], fresh_replica: Any, h: Any,
        published: dict[str, list[Any]]) -> None:
    client = await new_user()
    seller = h.seller()
    profile = await h.verified_profile(client, fresh_replica, seller, comments=0, reviews=0, conversations=0,
                                       creators=0)
    fresh_replica.http.post("/__test__/catalog", json={"seller": seller, "products": 21, "orders": 4,
                                                      "reset": True}).raise_for_status()
    assert (await client.post("/bot/start")).status_code in (200, 409)

    async def sync(task_type: str) -> dict[str, Any]:
        created = await client.post("/bot/tasks", json={"task_type": task_type, "profile_id": profile["id"]})
        assert created.status_code == 201, created.text
        return await h.wait_task(client, created.json()["id"], h.finished, timeout=120)

    first = await sync("sync_catalog")
    assert first["status"] == "completed", first
    assert first["result"]["products_upserted"] == 21 and first["result"]["source"] == "pages"
    await until(lambda: len(published["upserted"]) == 21)
    product = next(e.product for e in published["upserted"] if e.product.id == "1800000000000000000")
    assert product.title == "Produto da loja 0" and product.source == "seller_center_page"
    assert product.status == "ACTIVATE" and "tecido leve" in product.description
    assert len(product.skus) == 4 and product.skus[0].currency == "BRL" and product.skus[0].price
    assert [a.name for a in product.skus[0].attributes] == ["Cor", "Tamanho"]
    assert product.attributes[0].name == "Material" and product.update_time.seconds > 0

    published["upserted"].clear()
    changed = fresh_replica.http.post("/__test__/catalog", json={"seller": seller, "touch": 2}).json()["changed"]
    second = await sync("sync_catalog")
    assert second["result"]["products_upserted"] == 2, second
    await until(lambda: len(published["upserted"]) == 2)
    assert {e.product.id for e in published["upserted"]} == set(changed)

    orders = await sync("sync_orders")
    assert orders["status"] == "completed" and orders["result"]["orders_updated"] == 4, orders
    await until(lambda: len(published["orders"]) == 4)
    order = published["orders"][0].order
    assert order.source == "seller_center_page" and order.buyer_name.startswith("Cliente")
    assert order.line_items[0].product_name.startswith("Produto da loja") and order.total_amount
    shipped = [o.order for o in published["orders"] if o.order.tracking_number]
    for one in shipped:
        assert one.carrier and one.last_tracking_event.description == "Objeto em trânsito"
