"""The whole story of issue 13 on the running stack: automation syncs the shop from the fake TikTok Shop Open API
(signed calls), the SHOP events build the chatbot's catalog and orders, and a buyer asking on WhatsApp (an
Evolution webhook) gets the order's real status, carrier and tracking number through the fake Evolution API."""

from __future__ import annotations

import time
import uuid
from typing import Any

import httpx

from .browser import evolution_message, post_webhook, texts_sent_to
from .conftest import RunningStack
from .test_stack_as_a_new_user import auth, poll

TRACKING = "BR555000111BR"


def _seed_shop(stack: RunningStack, phone: str) -> tuple[str, str, str]:
    """A shop with one product and one order in transit to this buyer's phone (shop id, auth code, order id)."""
    shop_id, code = f"7{uuid.uuid4().int % 10**15:015d}", f"code-{uuid.uuid4().hex[:10]}"
    fake = httpx.Client(base_url=stack.tiktok_shop_url, timeout=10)
    fake.post("/__test__/seed", json={"shop_id": shop_id, "auth_code": code, "products": 1, "orders": 1,
                                      "shop_name": "Loja E2E", "reset": True}).raise_for_status()
    order_id = "570000000000000000"  # the fake's first generated order
    order = fake.post(f"/__test__/orders/{order_id}", json={
        "status": "IN_TRANSIT", "tracking_number": TRACKING, "shipping_provider": "Correios",
        "recipient_address": {"name": "Joana Lima", "phone_number": f"+{phone[:2]} ({phone[2:4]}) {phone[4:]}"},
        "packages": [{"id": "pkg-e2e-1"}],
        "tracking_events": [{"description": "Objeto saiu para entrega ao destinatário",
                             "update_time_millis": int(time.time() * 1000)}]}).json()
    items = [{**item, "package_id": "pkg-e2e-1", "tracking_number": TRACKING, "shipping_provider_name": "Correios"}
             for item in order["line_items"]]
    fake.post(f"/__test__/orders/{order_id}", json={"line_items": items}).raise_for_status()
    fake.close()
    return shop_id, code, order_id


def _run(api: httpx.Client, task_type: str, profile_id: str) -> dict[str, Any]:
    created = api.post("/bot/tasks", json={"task_type": task_type, "profile_id": profile_id, "config": {}})
    assert created.status_code == 201, created.text
    task_id = created.json()["id"]
    return dict(poll(lambda: (t := api.get(f"/bot/tasks/{task_id}").json())["status"] in
                     ("completed", "failed", "needs_attention") and t, 90))


def test_a_buyer_asking_on_whatsapp_hears_the_synced_orders_real_status_and_tracking(stack: RunningStack) -> None:
    phone = f"55219{uuid.uuid4().int % 10**8:08d}"
    shop_id, code, order_id = _seed_shop(stack, phone)
    api = httpx.Client(base_url=stack.url, headers=auth(stack.token()), timeout=30)
    profile = api.post("/bot/profiles", json={"name": "Loja E2E", "login": "e2e@example.com", "password": "unused"})
    assert profile.status_code == 201, profile.text
    profile_id = profile.json()["id"]
    connected = api.post(f"/bot/profiles/{profile_id}/shop-authorization", json={"auth_code": code})
    assert connected.status_code == 200 and connected.json()["shop_id"] == shop_id, connected.text
    assert api.post("/bot/start").status_code in (200, 409)
    for task_type in ("sync_catalog", "sync_orders"):
        finished = _run(api, task_type, profile_id)
        assert finished["status"] == "completed", finished

    orders = poll(lambda: [o for o in api.get("/seller-bot/orders", params={"source": "tiktok_shop"}).json()["orders"]
                           if o["external_order_id"] == order_id], 30)
    assert orders[0]["status"] == "IN_TRANSIT" and orders[0]["tracking_number"] == TRACKING
    assert orders[0]["carrier"] == "Correios" and orders[0]["buyer_phone"] == phone
    products = poll(lambda: [p for p in api.get("/seller-bot/products").json()
                             if p["source"] == "tiktok_shop" and p["external_id"] == "1700000000000000000"], 30)
    assert products[0]["active"] and products[0]["synced_at"], products[0]

    post_webhook(stack, evolution_message(phone, "Joana Lima", f"oi, meu pedido {order_id} ainda não chegou"))
    replies = poll(lambda: texts_sent_to(stack, phone), 30)
    reply = replies[-1]
    for fact in (order_id, "enviado", "Correios", TRACKING, "Objeto saiu para entrega", "rastreamento.correios"):
        assert fact in reply, reply
    api.post("/bot/stop")
    api.close()
