"""The outbound CRM webhook against a local receiver that checks the HMAC signature and records deliveries:
lead created, stage changed, order drafted and confirmed, handoff, erasure; a receiver that fails first
gets the delivery on a retry; one that keeps failing leaves a dead letter that a retry sends again."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiohttp import web
from chatbot.crm.webhooks import SIGNATURE_HEADER, TIMESTAMP_HEADER
from chatbot.main import ChatbotService
from google.protobuf import struct_pb2
from sellerbot.chatbot.v1 import chatbot_pb2 as pb
from sellerbot.chatbot.v1 import crm_pb2 as crm

from ..conftest import Client, eventually
from .test_crm import CrmClient

SECRET = "segredo-do-crm-da-loja"


class Receiver:
    """A shop's CRM endpoint: answers `fail_next` requests with 503, then 200; refuses bad signatures."""

    def __init__(self) -> None:
        self.deliveries: list[dict[str, Any]] = []
        self.refused = 0
        self.fail_next = 0
        self.url = ""
        self._runner: web.AppRunner | None = None

    async def handle(self, request: web.Request) -> web.Response:
        body = await request.read()
        timestamp = request.headers[TIMESTAMP_HEADER]
        expected = "sha256=" + hmac.new(SECRET.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
        if not hmac.compare_digest(expected, request.headers[SIGNATURE_HEADER]) or \
                abs(time.time() - int(timestamp)) > 300:
            self.refused += 1
            return web.Response(status=401)
        if self.fail_next > 0:
            self.fail_next -= 1
            return web.Response(status=503)
        self.deliveries.append(json.loads(body))
        return web.Response(status=204)

    def kinds(self) -> list[str]:
        return [d["type"] for d in self.deliveries]

    async def start(self) -> Receiver:
        app = web.Application()
        app.router.add_post("/crm", self.handle)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.url = f"http://127.0.0.1:{port}/crm"
        return self

    async def stop(self) -> None:
        if self._runner:
            await self._runner.cleanup()


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    found = await Receiver().start()
    yield found
    await found.stop()


@pytest.fixture
async def webhook_shop(chatbot_factory, receiver: Receiver) -> AsyncIterator[tuple[Client, CrmClient]]:
    service: ChatbotService = await chatbot_factory(crm_webhook_backoff_seconds=0.05,
                                                    crm_webhook_backoff_max_seconds=0.1, crm_webhook_max_attempts=3)
    user_id = f"shop-{uuid.uuid4().hex[:8]}"
    bot, crm_client = Client(service.port, user_id), CrmClient(service.port, user_id)
    patch = struct_pb2.Struct()
    patch.update({"crm_webhook": {"url": receiver.url, "secret": SECRET},
                  "policies": {"payment_methods": ["pix"]}})
    config = await bot.UpdateConfig(pb.UpdateConfigRequest(patch=patch))
    assert config.settings["crm_webhook"]["secret"] == "********"
    yield bot, crm_client
    await bot.channel.close()
    await crm_client.channel.close()


async def test_crm_events_reach_the_shops_webhook_signed_and_retried(webhook_shop, receiver: Receiver) -> None:
    bot, crm_client = webhook_shop
    receiver.fail_next = 1  # the first delivery fails once and recovers on the retry
    await bot.add_product(sku="CAM", name="Camiseta Básica", price=39.90, stock=8, variants=["P", "M", "G"])
    for text in ("quero comprar 2 camisetas", "M", "meu cep é 01310-100", "pix"):
        await bot.message("whatsapp:5511922223333", text)
    await eventually(lambda: {"lead.created", "lead.stage_changed", "order.drafted", "conversation.handoff"}
                     <= set(receiver.kinds()))
    created = next(d for d in receiver.deliveries if d["type"] == "lead.created")
    assert created["contact"]["phone"] == "5511922223333" and created["data"] == {"channel": "whatsapp"}
    drafted = next(d for d in receiver.deliveries if d["type"] == "order.drafted")
    assert drafted["data"]["total"] == "79.80" and drafted["data"]["line_items"][0]["variant"] == "M"
    handoff = next(d for d in receiver.deliveries if d["type"] == "conversation.handoff")
    assert handoff["data"]["origin"] == "bot" and handoff["contact"]["id"] == created["contact"]["id"]
    assert receiver.refused == 0

    order = (await crm_client.ListOrders(crm.ListOrdersRequest())).orders[0]
    await crm_client.UpdateOrder(crm.UpdateOrderRequest(id=order.id, fields=["status"], status="confirmed"))
    await eventually(lambda: "order.confirmed" in receiver.kinds())
    confirmed = next(d for d in receiver.deliveries if d["type"] == "order.confirmed")
    assert confirmed["contact"]["stage"] == "converted" and confirmed["data"]["order_id"] == order.id

    delivered = (await crm_client.ListWebhookDeliveries(crm.ListWebhookDeliveriesRequest(status="delivered")))
    assert max(d.attempts for d in delivered.deliveries) == 2  # the one that failed once

    await crm_client.EraseContact(crm.EraseContactRequest(id=created["contact"]["id"]))
    await eventually(lambda: "contact.erased" in receiver.kinds())
    erased = next(d for d in receiver.deliveries if d["type"] == "contact.erased")
    assert erased["contact"] == {"id": created["contact"]["id"]}  # nothing personal in the erase event

    async def only_the_erasure_left() -> bool:  # the person's payloads went with them
        remaining = await crm_client.ListWebhookDeliveries(crm.ListWebhookDeliveriesRequest(status="delivered"))
        return [d.kind for d in remaining.deliveries] == ["contact.erased"]

    await eventually(only_the_erasure_left)


async def test_a_receiver_that_keeps_failing_leaves_a_dead_letter_that_a_retry_delivers(
    webhook_shop, receiver: Receiver
) -> None:
    bot, crm_client = webhook_shop
    receiver.fail_next = 3  # every attempt of the first delivery
    await bot.message("whatsapp:5511944445555", "oi")

    async def dead() -> list[crm.WebhookDelivery]:
        return list((await crm_client.ListWebhookDeliveries(crm.ListWebhookDeliveriesRequest())).deliveries)

    letters = await eventually(dead)
    assert letters[0].kind == "lead.created" and letters[0].attempts == 3 and letters[0].last_error == "HTTP 503"
    assert receiver.deliveries == []
    await crm_client.RetryWebhookDelivery(crm.RetryWebhookDeliveryRequest(id=letters[0].id))
    await eventually(lambda: receiver.kinds() == ["lead.created"])
    assert await dead() == []
