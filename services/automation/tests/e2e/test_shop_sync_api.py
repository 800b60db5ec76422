"""sync_catalog / sync_orders through the real TikTok Shop client against the fake Open API (signatures,
tokens, page tokens and faults checked by the fake), with the events observed on real NATS."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
import nats
import pytest
from automation.main import AutomationApp
from sellerbot.events.v1 import shop_events_pb2 as ev
from sqlalchemy import text


@dataclass
class ShopEvents:
    upserted: list[ev.ProductUpserted] = field(default_factory=list)
    deactivated: list[ev.ProductDeactivated] = field(default_factory=list)
    orders: list[ev.OrderUpdated] = field(default_factory=list)
    msg_ids: list[str] = field(default_factory=list)

    def clear(self) -> None:
        self.upserted.clear()
        self.deactivated.clear()
        self.orders.clear()
        self.msg_ids.clear()


@pytest.fixture
async def shop_events(automation: AutomationApp, nats_url: str) -> AsyncIterator[ShopEvents]:
    """Every catalog.* and orders.* event automation publishes (core NATS sees JetStream publishes too)."""
    seen = ShopEvents()
    namespace = automation.components.settings.nats_namespace
    nc = await nats.connect(nats_url)

    async def on_message(msg: Any) -> None:
        subject = msg.subject.removeprefix(f"{namespace}.")
        seen.msg_ids.append((msg.headers or {}).get("Nats-Msg-Id", ""))
        if subject == "catalog.product_upserted":
            seen.upserted.append(ev.ProductUpserted.FromString(msg.data))
        elif subject == "catalog.product_deactivated":
            seen.deactivated.append(ev.ProductDeactivated.FromString(msg.data))
        elif subject == "orders.order_updated":
            seen.orders.append(ev.OrderUpdated.FromString(msg.data))

    await nc.subscribe(f"{namespace}.catalog.>", cb=on_message)
    await nc.subscribe(f"{namespace}.orders.>", cb=on_message)
    await nc.flush()
    yield seen
    await nc.close()


async def eventually(check: Callable[[], bool], timeout: float = 10) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "condition not reached in time"
        await asyncio.sleep(0.05)


async def connected_profile(client: httpx.AsyncClient, shop_api: Any, products: int = 0, orders: int = 0,
                            **seed: Any) -> tuple[str, str]:
    """A profile whose shop authorised the app (no Seller Center login needed for the API sync)."""
    shop_id, code = f"7{uuid.uuid4().int % 10**15:015d}", f"code-{uuid.uuid4().hex[:10]}"
    shop_api.seed(shop_id, auth_code=code, products=products, orders=orders, shop_name="Loja API", **seed)
    created = await client.post("/bot/profiles", json={"name": "Loja API", "login": "api@example.com",
                                                       "password": "unused-here"})
    assert created.status_code == 201, created.text
    profile_id = created.json()["id"]
    connected = await client.post(f"/bot/profiles/{profile_id}/shop-authorization", json={"auth_code": code})
    assert connected.status_code == 200, connected.text
    assert connected.json()["connected"] is True and connected.json()["shop_id"] == shop_id
    assert (await client.post("/bot/start")).status_code in (200, 409)
    return profile_id, shop_id


async def run_task(client: httpx.AsyncClient, h: Any, task_type: str, profile_id: str,
                   **config: Any) -> dict[str, Any]:
    created = await client.post("/bot/tasks", json={"task_type": task_type, "profile_id": profile_id,
                                                    "config": config})
    assert created.status_code == 201, created.text
    return await h.wait_task(client, created.json()["id"], h.finished, timeout=90)


async def test_catalog_sync_publishes_every_product_then_only_changes_and_deactivations(
        new_user: Callable[[], Awaitable[httpx.AsyncClient]], shop_api: Any, shop_events: ShopEvents, h: Any,
) -> None:
    client = await new_user()
    profile_id, shop_id = await connected_profile(client, shop_api, products=150)
    bad_signatures = shop_api.stats().get("bad_signature", 0)

    first = await run_task(client, h, "sync_catalog", profile_id, page_size=50)
    assert first["status"] == "completed", first
    assert first["result"]["products_upserted"] == 150 and first["result"]["source"] == "api"
    await eventually(lambda: len(shop_events.upserted) == 150)
    product = next(e for e in shop_events.upserted if e.product.id == "1700000000000000000")
    assert product.shop_id == shop_id and product.profile_id == profile_id and product.user_id
    assert product.product.title == "Produto 0" and "tecido leve" in product.product.description
    assert product.product.source == "tiktok_shop_api" and product.product.status == "ACTIVATE"
    assert len(product.product.skus) == 4 and product.product.skus[0].currency == "BRL"
    assert {a.name for a in product.product.skus[0].attributes} == {"Cor", "Tamanho"}
    assert product.product.attributes[0].name == "Material"
    assert shop_api.stats().get("bad_signature", 0) == bad_signatures  # the fake checked every signature

    shop_events.clear()
    changes = shop_api.post("/__test__/touch", shop_id=shop_id, products=3)
    shop_api.post("/__test__/touch", shop_id=shop_id, products=0, remove=2)  # gone from every listing
    deactivate = [p for p in changes["changed"]][:1]
    again = await run_task(client, h, "sync_catalog", profile_id)
    assert again["status"] == "completed", again
    assert again["result"]["products_upserted"] == 3 and again["result"]["products_deactivated"] == 2
    await eventually(lambda: len(shop_events.upserted) == 3 and len(shop_events.deactivated) == 2)
    assert {e.product.id for e in shop_events.upserted} == set(changes["changed"])
    assert {e.status for e in shop_events.deactivated} == {"MISSING"}

    shop_events.clear()
    shop_api.post("/__test__/touch", shop_id=shop_id, products=1, status="SELLER_DEACTIVATED")
    third = await run_task(client, h, "sync_catalog", profile_id)
    assert third["result"]["products_deactivated"] == 1 and third["result"]["products_upserted"] == 0
    await eventually(lambda: len(shop_events.deactivated) == 1)
    assert shop_events.deactivated[0].product_id == deactivate[0]
    assert shop_events.deactivated[0].status == "SELLER_DEACTIVATED"

    shop_events.clear()
    unchanged = await run_task(client, h, "sync_catalog", profile_id)
    assert unchanged["result"]["products_upserted"] == 0 and unchanged["result"]["products_deactivated"] == 0
    assert shop_events.upserted == [] and shop_events.deactivated == []


async def test_a_429_and_a_5xx_mid_sync_are_retried_and_a_failed_run_resumes_from_the_cursor(
        new_user: Callable[[], Awaitable[httpx.AsyncClient]], shop_api: Any, shop_events: ShopEvents, h: Any,
) -> None:
    client = await new_user()
    profile_id, shop_id = await connected_profile(client, shop_api, products=40)
    assert (await run_task(client, h, "sync_catalog", profile_id))["status"] == "completed"
    shop_events.clear()
    touched = shop_api.post("/__test__/touch", shop_id=shop_id, products=30)["changed"]

    before = shop_api.stats()
    shop_api.post("/__test__/faults", kind="rate_limit", after=2)
    shop_api.post("/__test__/faults", kind="server_error", after=4)
    retried = await run_task(client, h, "sync_catalog", profile_id, page_size=10)
    assert retried["status"] == "completed", retried
    assert retried["result"]["products_upserted"] == 30
    stats = shop_api.stats()
    assert stats.get("rate_limit", 0) == before.get("rate_limit", 0) + 1
    assert stats.get("server_error", 0) == before.get("server_error", 0) + 1

    shop_events.clear()
    touched = shop_api.post("/__test__/touch", shop_id=shop_id, products=30)["changed"]
    # page 1 (its search, the prefetched page 2 search, 10 details) succeeds, then the API fails for longer
    # than the client retries
    shop_api.post("/__test__/faults", kind="server_error", after=12, times=1000)
    failed = await run_task(client, h, "sync_catalog", profile_id, page_size=10)
    assert failed["status"] == "failed" and "500" in failed["error"], failed
    await eventually(lambda: len(shop_events.upserted) == 10)
    shop_api.http.delete("/__test__/faults").raise_for_status()
    resumed = await run_task(client, h, "sync_catalog", profile_id, page_size=10)
    assert resumed["status"] == "completed", resumed
    assert resumed["result"]["products_upserted"] == 20  # only what the failed run had not published
    await eventually(lambda: len(shop_events.upserted) == 30)
    assert {e.product.id for e in shop_events.upserted} == set(touched)


async def test_tokens_are_refreshed_before_expiry_and_after_the_platform_expires_them(
        new_user: Callable[[], Awaitable[httpx.AsyncClient]], shop_api: Any, h: Any, automation: AutomationApp,
) -> None:
    client = await new_user()
    profile_id, _ = await connected_profile(client, shop_api, products=5, access_ttl_seconds=120)
    shop_api.seed("unused", access_ttl_seconds=7 * 24 * 3600)  # tokens issued from now on live a week
    first_expiry = (await client.get(f"/bot/profiles/{profile_id}/shop-authorization")).json()["access_expires_at"]
    before = shop_api.stats()
    assert (await run_task(client, h, "sync_catalog", profile_id))["status"] == "completed"
    after = shop_api.stats()
    assert after.get("token_refresh", 0) == before.get("token_refresh", 0) + 1  # 120 s left < the margin
    assert after.get("expired_token", 0) == before.get("expired_token", 0)
    stored = (await client.get(f"/bot/profiles/{profile_id}/shop-authorization")).json()
    assert stored["access_expires_at"] > first_expiry  # the refreshed tokens were saved
    async with automation.components.engine.connect() as connection:
        sealed = (await connection.execute(text(
            "SELECT tokens_enc FROM automation_shop_connections WHERE profile_id = :p"), {"p": profile_id})).scalar()
    assert sealed and "TTP_" not in sealed  # the fake's tokens all start with TTP_: stored sealed, never plain
    assert automation.components.secrets.open(sealed)["access_token"].startswith("TTP_")

    shop_api.post("/__test__/expire_tokens")  # the platform revokes early: 105002, refresh once, go on
    assert (await run_task(client, h, "sync_catalog", profile_id, full=True))["status"] == "completed"
    final = shop_api.stats()
    assert final.get("expired_token", 0) >= after.get("expired_token", 0) + 1
    assert final.get("token_refresh", 0) >= after.get("token_refresh", 0) + 1


async def test_order_sync_carries_buyer_items_and_tracking_and_republishes_only_changed_orders(
        new_user: Callable[[], Awaitable[httpx.AsyncClient]], shop_api: Any, shop_events: ShopEvents, h: Any,
) -> None:
    client = await new_user()
    profile_id, shop_id = await connected_profile(client, shop_api, products=10, orders=60)
    done = await run_task(client, h, "sync_orders", profile_id, page_size=25)
    assert done["status"] == "completed" and done["result"]["orders_updated"] == 60, done
    await eventually(lambda: len(shop_events.orders) == 60)
    shipped = next(e.order for e in shop_events.orders if e.order.status == "IN_TRANSIT")
    assert shipped.carrier and shipped.tracking_number and shipped.tracking_url.startswith("https://")
    assert shipped.last_tracking_event.description == "Objeto postado"
    assert shipped.buyer_name.startswith("Cliente") and shipped.buyer_phone and shipped.buyer_handle
    assert shipped.line_items[0].product_name.startswith("Produto") and shipped.line_items[0].quantity == 1
    assert shipped.packages[0].tracking_number == shipped.tracking_number
    assert shipped.create_time.seconds < shipped.update_time.seconds

    shop_events.clear()
    shop_api.post(f"/__test__/orders/{shipped.id}", status="DELIVERED",
                  tracking_events=[{"description": "Entregue ao destinatário",
                                    "update_time_millis": int(time.time() * 1000)}])
    again = await run_task(client, h, "sync_orders", profile_id)
    assert again["result"]["orders_updated"] == 1, again
    await eventually(lambda: len(shop_events.orders) == 1)
    assert shop_events.orders[0].order.status == "DELIVERED"
    assert shop_events.orders[0].order.last_tracking_event.description == "Entregue ao destinatário"
    assert shop_events.msg_ids[0].startswith(f"order:{shop_id}:{shipped.id}:")


async def test_shop_authorization_refuses_a_bad_code_and_unknown_profiles(
        new_user: Callable[[], Awaitable[httpx.AsyncClient]], h: Any,
) -> None:
    client = await new_user()
    created = await client.post("/bot/profiles", json={"name": "X", "login": "x@example.com", "password": "p"})
    profile_id = created.json()["id"]
    bad = await client.post(f"/bot/profiles/{profile_id}/shop-authorization", json={"auth_code": "nope"})
    assert bad.status_code == 422, bad.text
    assert any(f["field"] == "auth_code" for f in bad.json()["fields"])
    assert (await client.post("/bot/profiles/nope/shop-authorization", json={"auth_code": "x"})).status_code == 404
    status = await client.get(f"/bot/profiles/{profile_id}/shop-authorization")
    assert status.status_code == 200 and status.json()["connected"] is False
