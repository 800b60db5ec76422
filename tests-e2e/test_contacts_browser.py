"""The Contatos tab against the whole running stack (the make run launcher, fake Evolution API) in Debian's
Chromium: a WhatsApp message creates a contact, the tab lists it and its search finds it, tags and notes are
edited, its page shows the timeline (messages, the handoff, an order), two contacts are merged and the merge
undone, and the LGPD erasure, once confirmed, removes the contact from the tab and from the API. The shop's CRM
webhook (a local receiver that fails until told otherwise) leaves a dead letter that Chatbot IA → Configuração
sends again, signed.

With SCREENSHOTS_DIR set (`make screenshots`) it also saves contatos.png and chatbot-configuracao.png."""

from __future__ import annotations

import hashlib
import hmac
import threading
import uuid
from collections.abc import Iterator
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import pytest
from playwright.async_api import expect

from .browser import dashboard, evolution_message, post_webhook, shot, texts_sent_to, wait_until
from .conftest import RunningStack

pytestmark = pytest.mark.browser
CRM_SECRET = "e2e-crm-webhook-secret-0123"


class CrmReceiver:
    """The shop's own CRM: answers 500 until `accepting`, and keeps every POST (headers, body)."""

    def __init__(self) -> None:
        self.accepting = False
        self.received: list[tuple[Message, bytes]] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.received.append((self.headers, body))
                self.send_response(200 if receiver.accepting else 500)
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/crm"

    def signed_deliveries(self, event: str) -> list[bytes]:
        """Bodies of the event's POSTs whose signature is HMAC-SHA256 over "{timestamp}.{body}" with the secret."""
        def signed(headers: Message, body: bytes) -> bool:
            mac = hmac.new(CRM_SECRET.encode(), f"{headers['X-SellerBot-Timestamp']}.".encode() + body,
                           hashlib.sha256).hexdigest()
            return headers["X-SellerBot-Signature"] == f"sha256={mac}"
        return [body for headers, body in self.received
                if headers["X-SellerBot-Event"] == event and signed(headers, body)]


@pytest.fixture
def crm_receiver() -> Iterator[CrmReceiver]:
    receiver = CrmReceiver()
    thread = threading.Thread(target=receiver.server.serve_forever, daemon=True)
    thread.start()
    yield receiver
    receiver.server.shutdown()
    receiver.server.server_close()


class Crm:
    """The CRM's routes as the test reads them back (the browser's changes must be the server's)."""

    def __init__(self, stack: RunningStack) -> None:
        self.url = stack.url
        self.headers = {"Authorization": f"Bearer {stack.token()}"}

    def find(self, q: str) -> list[dict[str, Any]]:
        response = httpx.get(f"{self.url}/seller-bot/contacts", params={"q": q}, headers=self.headers)
        response.raise_for_status()
        return list(response.json()["contacts"])

    def get(self, contact_id: str) -> httpx.Response:
        return httpx.get(f"{self.url}/seller-bot/contacts/{contact_id}", headers=self.headers)

    def order(self, contact_id: str, confirm: bool = False) -> dict[str, Any]:
        response = httpx.post(f"{self.url}/seller-bot/orders", headers=self.headers, json={
            "contact": contact_id, "cep": "01310-100", "payment": "pix", "confirm": confirm,
            "line_items": [{"name": "Camiseta Azul", "variant": "M", "quantity": 2, "unit_price": "49.90"}]})
        assert response.status_code == 201, response.text
        return dict(response.json())

    def use_webhook(self, url: str) -> None:
        response = httpx.patch(f"{self.url}/seller-bot/config", headers=self.headers, json={
            "crm_webhook": {"url": url, "secret": CRM_SECRET, "events": ["order.confirmed"]}})
        assert response.status_code == 200, response.text

    def dead_deliveries(self) -> list[dict[str, Any]]:
        response = httpx.get(f"{self.url}/seller-bot/crm-webhook/deliveries", headers=self.headers)
        response.raise_for_status()
        return list(response.json())


async def a_whatsapp_contact(stack: RunningStack, crm: Crm, name: str, *texts: str) -> dict[str, Any]:
    """The buyer writes from WhatsApp (each text answered by the bot before the next); the CRM's contact."""
    phone = f"55119{uuid.uuid4().int % 10**8:08d}"
    for sent, text in enumerate(texts, start=1):
        post_webhook(stack, evolution_message(phone, name, text))
        await wait_until(lambda n=sent: len(texts_sent_to(stack, phone)) >= n, what=f"the bot's answer {sent}")
    found = await wait_until(lambda: crm.find(phone), what=f"a contact for {phone}")
    assert [c["name"] for c in found] == [name]
    return {**found[0], "phone_number": phone}


async def test_a_seller_works_a_whatsapp_contact_in_the_contatos_tab(
    stack: RunningStack, crm_receiver: CrmReceiver
) -> None:
    crm = Crm(stack)
    crm.use_webhook(crm_receiver.url)
    suffix = uuid.uuid4().hex[:4]
    ana = await a_whatsapp_contact(stack, crm, f"Ana Contato {suffix}", "Oi! Vocês têm camiseta azul?",
                                   "Quero falar com um atendente")
    bruno = await a_whatsapp_contact(stack, crm, f"Bruno Contato {suffix}", "Boa tarde, qual o horário de vocês?")
    crm.order(ana["id"])
    bruno_order = crm.order(bruno["id"], confirm=True)  # the CRM is down: its webhook delivery will be dead
    tag = f"vip{suffix}"

    async with dashboard(stack) as page:
        await page.get_by_role("tab", name="Contatos").click()
        rows = page.get_by_test_id("contact-row")
        await expect(rows.filter(has_text=ana["name"])).to_be_visible()  # listed, newest first, no search yet

        # Search finds it by name (debounced as the seller types), then it opens on its page.
        search = page.get_by_label("Buscar contatos")
        await search.fill(ana["name"])
        await expect(rows).to_have_count(1)
        await rows.get_by_role("button", name=ana["name"]).click()
        contact = page.locator("section.panel").filter(has=page.get_by_role("heading", name=ana["name"]))
        await expect(contact).to_contain_text(ana["phone_number"])

        # Timeline: the buyer's messages, the bot's answers, the handoff, the order the seller confirms.
        timeline = contact.get_by_role("list", name="Linha do tempo")
        await expect(timeline.locator("[data-kind=message_in]").filter(has_text="camiseta azul")).to_be_visible()
        await expect(timeline.locator("[data-kind=message_out]").first).to_be_visible()
        await expect(timeline.locator("[data-kind=handoff]")).to_have_count(1)
        await expect(timeline.locator("[data-kind=order]")).to_contain_text("rascunho · 2x Camiseta Azul (M)")
        await contact.get_by_test_id("order-row").get_by_role("button", name="Confirmar").click()
        await expect(timeline.locator("[data-kind=order]")).to_contain_text("confirmado · 2x Camiseta Azul (M)")

        # Tags and notes saved on the server; the search then finds the contact by its new tag.
        await contact.get_by_label("Etiquetas").fill(f"{tag}, atacado")
        await contact.get_by_label("Notas").fill("Prefere entrega à tarde")
        await contact.get_by_role("button", name="Salvar", exact=True).click()
        await wait_until(lambda: crm.get(ana["id"]).json()["contact"]["notes"] == "Prefere entrega à tarde",
                         what="the notes saved")
        assert sorted(crm.get(ana["id"]).json()["contact"]["tags"]) == ["atacado", tag]
        await search.fill(tag)
        await expect(rows).to_have_count(1)
        await expect(rows).to_contain_text(ana["name"])
        await expect(rows).to_contain_text("atacado")
        await shot(page, "contatos")

        # Merge Bruno into Ana: his WhatsApp address becomes hers and he leaves the list; undo brings him back.
        bruno_address = next(i["contact_id"] for i in bruno["identities"])
        await contact.get_by_label("Unir com o contato (id)").fill(bruno["id"])
        await contact.get_by_role("button", name="Unir a este").click()
        await expect(contact.get_by_text(bruno_address, exact=False)).to_be_visible()
        assert crm.get(bruno["id"]).status_code == 404
        assert bruno_address in [i["contact_id"] for i in crm.get(ana["id"]).json()["contact"]["identities"]]
        await search.fill(f"Contato {suffix}")
        await expect(rows).to_have_count(1)
        await contact.get_by_role("button", name="Desfazer união").click()
        await expect(rows).to_have_count(2)
        await expect(contact.get_by_text(bruno_address, exact=False)).to_have_count(0)
        assert crm.get(bruno["id"]).status_code == 200
        assert bruno_address not in [i["contact_id"] for i in crm.get(ana["id"]).json()["contact"]["identities"]]

        # LGPD erasure asks first; confirmed, Ana is gone from the tab and from the API, Bruno stays.
        await contact.get_by_role("button", name="Apagar dados (LGPD)").click()
        await expect(contact).to_be_visible()  # nothing erased before the confirmation
        assert crm.get(ana["id"]).status_code == 200
        await contact.get_by_role("button", name="Apagar tudo deste contato").click()
        await expect(contact).to_have_count(0)
        await expect(rows).to_have_count(1)
        await expect(rows).to_contain_text(bruno["name"])
        assert crm.get(ana["id"]).status_code == 404
        assert crm.find(ana["phone_number"]) == []
        assert [c["id"] for c in crm.find(bruno["name"])] == [bruno["id"]]
        assert "horário" in " ".join(t["text"] for t in crm.get(bruno["id"]).json()["timeline"])  # his history stays

        # The CRM webhook: Bruno's confirmed order failed every attempt (Ana's went with her erasure); once the CRM
        # is back, Reenviar in Configuração delivers it, signed.
        dead = await wait_until(lambda: [d for d in crm.dead_deliveries() if d["kind"] == "order.confirmed"],
                                what="the dead CRM webhook delivery")
        assert [(d["payload"]["data"]["order_id"], d["attempts"]) for d in dead] == [(bruno_order["id"], 2)], dead
        await page.get_by_role("tab", name="Chatbot IA").click()
        await page.get_by_role("tablist", name="Seções do chatbot").get_by_role("tab", name="Configuração").click()
        failures = page.locator("section.panel").filter(has_text="Webhook do CRM: falhas de entrega")
        row = failures.get_by_test_id("crm-delivery-row")
        await expect(row).to_have_count(1)
        await expect(row).to_contain_text("Pedido confirmado")
        await expect(row).to_contain_text("HTTP 500")
        await row.scroll_into_view_if_needed()
        await shot(page, "chatbot-configuracao")
        tried = len(crm_receiver.signed_deliveries("order.confirmed"))  # every failed attempt was signed too
        crm_receiver.accepting = True
        await row.get_by_role("button", name="Reenviar").click()
        await expect(failures.get_by_text("Nenhuma entrega do webhook falhou.")).to_be_visible()
        delivered = await wait_until(lambda: crm_receiver.signed_deliveries("order.confirmed")[tried:],
                                     what="the retried delivery")
        assert [bruno_order["id"] in body.decode() for body in delivered] == [True]
        assert crm.dead_deliveries() == []
