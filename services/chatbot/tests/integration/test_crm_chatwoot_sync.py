"""Sync out to Chatwoot, end to end: the chatbot's CRM publishes ContactChanged on real NATS, the real
channel-adapter writes it to the Chatwoot fake over HTTP (custom attributes and labels, Chatwoot's wire
format, an agent's own labels kept), retrying a failed call; an erased person's attributes and labels are
taken off; a contact that never wrote through Chatwoot is not synced."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from chatbot.main import ChatbotService
from sellerbot.chatbot.v1 import crm_pb2 as crm
from sellerbot.events.v1 import conversation_events_pb2 as ev
from sellerbot_fakes import chatwoot_fake
from sellerbot_fakes.platform_fake import ServedFake
from sellerbot_messaging import Subjects

from ..conftest import EventTap, eventually
from .test_crm import CrmClient

TOKEN = "cw-agent-token"


@pytest.fixture
async def chatwoot() -> AsyncIterator[ServedFake]:
    fake = await ServedFake.start(chatwoot_fake.create_app())
    yield fake
    await fake.stop()


@pytest.fixture
async def adapter(chatwoot: ServedFake, channel_adapter_factory: Any) -> Any:
    return await channel_adapter_factory(chatwoot_url=chatwoot.url, chatwoot_api_token=TOKEN,
                                         outbound_backoff_initial_seconds=0.05)


async def _writes_through_chatwoot(tap: EventTap, user_id: str, contact_id: str, text: str) -> None:
    assert tap.bus is not None
    event = ev.InboundMessage(
        event_id=f"chatwoot:{uuid.uuid4().hex}", user_id=user_id, channel=ev.CHANNEL_CHATWOOT, account_id="7",
        contact_id=contact_id, contact_name="Bia Lima", conversation_id="88", text=text)
    await tap.bus.publish(Subjects.inbound("chatwoot", user_id, contact_id), event, event.event_id, user_id)


def _calls(fake: ServedFake, method: str, path: str) -> list[Any]:
    return [r for r in fake.state.requests if r.method == method and r.path == path]


async def test_a_chatwoot_contacts_stage_tags_and_owner_reach_the_chatwoot_contact(
    chatbot: ChatbotService, tap: EventTap, chatwoot: ServedFake, adapter: Any
) -> None:
    user_id = f"shop-{uuid.uuid4().hex[:8]}"
    crm_client = CrmClient(chatbot.port, user_id)
    contact_path, labels_path = "/api/v1/accounts/7/contacts/4242", "/api/v1/accounts/7/contacts/4242/labels"
    async with httpx.AsyncClient(base_url=chatwoot.url, headers={"api_access_token": TOKEN}) as cw:

        async def chatwoot_contact() -> tuple[dict[str, Any], list[str]]:
            shown = (await cw.get(contact_path)).json()["payload"]["custom_attributes"]
            return shown, (await cw.get(labels_path)).json()["payload"]

        for title in ("vip", "atacado", "cliente-antigo"):  # Chatwoot keeps only labels the account has
            assert (await cw.post("/api/v1/accounts/7/labels", json={"title": title})).status_code == 200
        await _writes_through_chatwoot(tap, user_id, "chatwoot:4242", "quanto custa a camiseta?")
        await eventually(lambda: _calls(chatwoot, "GET", labels_path), timeout=20)
        first = _calls(chatwoot, "PUT", contact_path)[0]
        assert first.headers["api_access_token"] == TOKEN
        assert first.body["custom_attributes"]["sellerbot_last_intent"] == "price"
        await cw.post(labels_path, json={"labels": ["cliente-antigo"]})  # an agent's own label, set in Chatwoot

        await eventually(lambda: _calls(chatwoot, "POST", "/api/v1/accounts/7/conversations/88/messages"), timeout=20)
        contact = await crm_client.only_contact()
        chatwoot.fail(kind="status", status=503, times=1)  # the next call fails once and is retried
        await crm_client.UpdateContact(crm.UpdateContactRequest(
            id=contact.id, fields=["stage", "tags", "owner"], stage="purchase_intent",
            tags=["VIP", "Atacado", "sem-label"], owner="member-1"))
        # the fault takes the next request of any kind: read the fake only after the PUT met it
        await eventually(lambda: [r for r in _calls(chatwoot, "PUT", contact_path) if r.status == 503], timeout=20)

        async def synced(labels: list[str]) -> Any:
            shown, found = await chatwoot_contact()
            return shown if found == labels and shown.get("sellerbot_owner") == "member-1" else None

        attributes = await eventually(lambda: synced(["cliente-antigo", "vip", "atacado"]), timeout=20)
        assert attributes == {"sellerbot_stage": "purchase_intent", "sellerbot_last_intent": "price",
                              "sellerbot_owner": "member-1", "sellerbot_lead_score": attributes["sellerbot_lead_score"]}
        puts = _calls(chatwoot, "PUT", contact_path)
        assert [r.status for r in puts[-2:]] == [503, 200]  # retried after the 503
        assert puts[-1].body == {"custom_attributes": attributes}
        assert _calls(chatwoot, "POST", labels_path)[-1].body == {
            "labels": ["cliente-antigo", "vip", "atacado", "sem-label"]}

        # a tag the seller removes leaves Chatwoot too; the agent's label stays
        await crm_client.UpdateContact(crm.UpdateContactRequest(id=contact.id, fields=["tags"], tags=["atacado"]))
        await eventually(lambda: synced(["cliente-antigo", "atacado"]), timeout=20)

        # a contact who only wrote on WhatsApp has no Chatwoot contact to write to
        other = CrmClient(chatbot.port, f"shop-{uuid.uuid4().hex[:8]}")
        before = len(chatwoot.state.requests)
        from ..conftest import Client

        bot = Client(chatbot.port, other.user_id)
        await bot.message("whatsapp:5511955554444", "oi")
        whatsapp_only = await other.only_contact()
        await other.UpdateContact(crm.UpdateContactRequest(id=whatsapp_only.id, fields=["tags"], tags=["vip"]))

        # erased (LGPD): the Chatwoot contact loses the CRM's attributes and labels, keeps the agent's label
        await crm_client.EraseContact(crm.EraseContactRequest(id=contact.id))

        async def forgotten() -> bool:
            return await chatwoot_contact() == ({}, ["cliente-antigo"])

        await eventually(forgotten, timeout=20)
        assert _calls(chatwoot, "POST", contact_path + "/destroy_custom_attributes")[-1].body == {
            "custom_attributes": list(attributes)}
        assert all(r.path.startswith(contact_path) for r in chatwoot.state.requests[before:] if "/contacts/" in r.path)
    for client in (crm_client, other, bot):
        await client.channel.close()


async def test_a_sync_chatwoot_refuses_is_a_dead_letter_that_a_retry_delivers(
    chatbot: ChatbotService, tap: EventTap, chatwoot: ServedFake, adapter: Any
) -> None:
    from sellerbot.channels.v1 import channel_adapter_pb2 as ca
    from sellerbot.channels.v1 import channel_adapter_pb2_grpc
    from sellerbot_grpc import open_channel, user_metadata

    user_id = f"shop-{uuid.uuid4().hex[:8]}"
    crm_client = CrmClient(chatbot.port, user_id)
    channel = open_channel(f"127.0.0.1:{adapter.port}")
    adapter_stub = channel_adapter_pb2_grpc.ChannelAdapterServiceStub(channel)
    labels_path = "/api/v1/accounts/7/contacts/5151/labels"
    await _writes_through_chatwoot(tap, user_id, "chatwoot:5151", "oi")
    await eventually(lambda: _calls(chatwoot, "GET", labels_path), timeout=20)
    await eventually(lambda: _calls(chatwoot, "POST", "/api/v1/accounts/7/conversations/88/messages"), timeout=20)
    contact = await crm_client.only_contact()
    chatwoot.fail(kind="status", status=404, times=1)  # "Resource could not be found": not worth retrying
    await crm_client.UpdateContact(crm.UpdateContactRequest(id=contact.id, fields=["tags"], tags=["vip"]))

    async def dead_letter() -> Any:
        letters = (await adapter_stub.ListDeadLetters(ca.ListDeadLettersRequest(), metadata=user_metadata(user_id),
                                                      timeout=10)).dead_letters
        return next((d for d in letters if d.contact_id == "chatwoot:5151"), None)

    letter = await eventually(dead_letter, timeout=20)
    assert letter.status == "dead" and letter.text.startswith("Chatwoot contact sync") and "404" in letter.error
    await adapter_stub.RetryDeadLetter(ca.RetryDeadLetterRequest(id=letter.id), metadata=user_metadata(user_id),
                                       timeout=10)
    await eventually(lambda: [r for r in _calls(chatwoot, "POST", labels_path) if r.body == {"labels": ["vip"]}],
                     timeout=20)

    async def delivered() -> bool:
        found = await dead_letter()
        return found is not None and found.status == "delivered"

    await eventually(delivered)
    await crm_client.channel.close()
    await channel.close()
