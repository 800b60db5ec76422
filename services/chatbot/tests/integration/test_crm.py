"""The CRM through gRPC as the gateway calls it: contacts kept by the turns, draft orders from slot filling,
confirmation converting the funnel, merge and undo, opt-out, erasure that leaves nothing, shop isolation."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import AsyncIterator, Callable
from typing import Any

import asyncpg
import grpc
import pytest
import redis.asyncio as redis
from chatbot.main import ChatbotService
from google.protobuf import struct_pb2
from google.protobuf.message import Message
from sellerbot.chatbot.v1 import chatbot_pb2 as pb
from sellerbot.chatbot.v1 import crm_pb2 as crm
from sellerbot.chatbot.v1 import crm_pb2_grpc
from sellerbot.events.v1 import conversation_events_pb2 as ev
from sellerbot_grpc import open_channel, user_metadata
from sellerbot_messaging import Subjects

from ..conftest import Client, EventTap, eventually


class CrmClient:
    def __init__(self, port: int, user_id: str) -> None:
        self.channel = open_channel(f"127.0.0.1:{port}")
        self.stub = crm_pb2_grpc.CrmServiceStub(self.channel)
        self.user_id = user_id

    def __getattr__(self, name: str) -> Any:
        method = getattr(self.stub, name)

        async def call(request: Message) -> Any:
            return await method(request, metadata=user_metadata(self.user_id), timeout=10)

        return call

    async def only_contact(self) -> crm.Contact:
        contacts = (await self.ListContacts(crm.ListContactsRequest())).contacts
        assert len(contacts) == 1, contacts
        return contacts[0]


@pytest.fixture
async def shop(chatbot: ChatbotService, client_for: Callable[[str], Client]) -> AsyncIterator[tuple[Client, CrmClient]]:
    user_id = f"shop-{uuid.uuid4().hex[:8]}"
    crm_client = CrmClient(chatbot.port, user_id)
    yield client_for(user_id), crm_client
    await crm_client.channel.close()


def _patch(data: dict[str, Any]) -> pb.UpdateConfigRequest:
    patch = struct_pb2.Struct()
    patch.update(data)
    return pb.UpdateConfigRequest(patch=patch)


async def _order_by_bot(bot: Client, contact_id: str) -> pb.ProcessMessageResponse:
    await bot.UpdateConfig(_patch({"policies": {"payment_methods": ["pix"]}}))
    await bot.add_product(sku="CAM", name="Camiseta Básica", price=39.90, stock=8, variants=["P", "M", "G"])
    for text in ("quero comprar 2 camisetas", "M", "meu cep é 01310-100"):
        await bot.message(contact_id, text)
    return await bot.message(contact_id, "pix")


async def test_turns_of_one_new_person_at_once_make_one_contact_that_counts_every_turn(
        shop, chatbot: ChatbotService) -> None:
    bot, crm_client = shop
    contact_id = "whatsapp:5511977776666"
    answers = await asyncio.gather(*(bot.message(contact_id, text) for text in ("oi", "aceita pix?", "qual o prazo?")))
    # Three turns at once; one that loads after another's message was stored answers both (the other then
    # finds nothing pending and replies ""), so every message is answered but not always by its own call.
    assert any(answer.reply for answer in answers)
    assert (await chatbot.bot.repository.load_turn(bot.user_id, contact_id=contact_id)).pending == []
    contact = await crm_client.only_contact()
    assert contact.message_count == 3 and [i.contact_id for i in contact.identities] == [contact_id]
    await bot.message(contact_id, "obrigado")  # a returning turn: the same contact, counted once more
    assert (await crm_client.only_contact()).message_count == 4


async def test_a_turn_keeps_the_lead_with_stage_intents_and_an_explained_score(shop) -> None:
    bot, crm_client = shop
    await bot.add_product(sku="FONE", name="Fone Bluetooth", price=120, stock=3)
    await bot.message("whatsapp:5511988887777", "oi, quanto custa o fone bluetooth?")
    contact = await crm_client.only_contact()
    assert contact.phone == "5511988887777" and contact.stage == "price_asked"
    assert "price" in contact.last_intents and contact.message_count == 1
    signals = {s.signal: s.points for s in contact.score_signals}
    assert signals["stage_price_asked"] == 15 and contact.score == sum(signals.values())
    assert [i.contact_id for i in contact.identities] == ["whatsapp:5511988887777"]


async def test_the_same_phone_is_one_contact_but_other_channels_are_never_guessed(shop) -> None:
    bot, crm_client = shop
    await bot.message("whatsapp:5511977776666", "oi")
    await bot.message("whatsapp:5511977776666@s.whatsapp.net", "tudo bem?")
    await bot.message("telegram:5511977776666", "oi de novo", channel="telegram")
    contacts = (await crm_client.ListContacts(crm.ListContactsRequest(sort="created"))).contacts
    assert len(contacts) == 2
    by_phone = next(c for c in contacts if c.phone)
    assert {i.contact_id for i in by_phone.identities} == {
        "whatsapp:5511977776666", "whatsapp:5511977776666@s.whatsapp.net"}


async def test_slot_filling_leaves_a_draft_order_whose_confirmation_converts_the_funnel(shop) -> None:
    bot, crm_client = shop
    done = await _order_by_bot(bot, "whatsapp:5511966665555")
    assert done.handoff_state == "waiting_human"
    drafts = (await crm_client.ListOrders(crm.ListOrdersRequest(status="draft"))).orders
    assert len(drafts) == 1
    draft = drafts[0]
    assert draft.source == "bot_draft" and draft.total == "79.80" and draft.cep == "01310-100"
    assert draft.payment == "pix" and draft.line_items[0].variant == "M" and draft.line_items[0].quantity == 2
    contact = await crm_client.only_contact()
    assert "draft_order" in {s.signal for s in contact.score_signals} and draft.contact == contact.id

    edited = await crm_client.UpdateOrder(crm.UpdateOrderRequest(id=draft.id, fields=["cep"], cep="04538-132"))
    assert edited.cep == "04538-132"
    confirmed = await crm_client.UpdateOrder(crm.UpdateOrderRequest(id=draft.id, fields=["status"],
                                                                    status="confirmed"))
    assert confirmed.status == "confirmed" and confirmed.HasField("confirmed_at")

    async def converted() -> bool:
        funnel = await bot.GetFunnel(pb.GetFunnelRequest(period="24h"))
        return any(s.stage == "converted" and s.count == 1 for s in funnel.stages)

    await eventually(converted)
    assert (await crm_client.only_contact()).stage == "converted"
    with pytest.raises(grpc.aio.AioRpcError) as refused:
        await crm_client.UpdateOrder(crm.UpdateOrderRequest(id=draft.id, fields=["cep"], cep="01000-000"))
    assert refused.value.code() == grpc.StatusCode.INVALID_ARGUMENT


async def test_a_manual_order_needs_valid_items(shop) -> None:
    bot, crm_client = shop
    await bot.message("whatsapp:5511955554444", "oi")
    contact = await crm_client.only_contact()
    with pytest.raises(grpc.aio.AioRpcError) as bad:
        await crm_client.CreateOrder(crm.CreateOrderRequest(contact=contact.id, line_items=[
            crm.LineItem(name="Bolsa", quantity=0, unit_price="10")]))
    assert bad.value.code() == grpc.StatusCode.INVALID_ARGUMENT and "quantity" in str(bad.value.trailing_metadata())
    with pytest.raises(grpc.aio.AioRpcError) as too_much:  # each item valid, the sum beyond the total's column
        await crm_client.CreateOrder(crm.CreateOrderRequest(line_items=[
            crm.LineItem(name="Bolsa", quantity=8052), crm.LineItem(product_id="p1", quantity=1),
            crm.LineItem(name="Joia", quantity=3287, unit_price="4591006")]))
    assert too_much.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "total" in str(too_much.value.trailing_metadata())
    order = await crm_client.CreateOrder(crm.CreateOrderRequest(contact=contact.id, line_items=[
        crm.LineItem(name="Bolsa", quantity=2, unit_price="150.5")], payment="pix"))
    assert order.source == "manual" and order.status == "draft" and order.total == "301.00"


async def test_merge_moves_identities_and_orders_and_undo_puts_them_back(shop) -> None:
    bot, crm_client = shop
    await bot.message("whatsapp:5511944443333", "oi")
    await bot.message("instagram:1784000", "oi, sou eu no insta", channel="instagram")
    contacts = {c.identities[0].contact_id: c for c in
                (await crm_client.ListContacts(crm.ListContactsRequest())).contacts}
    kept, other = contacts["whatsapp:5511944443333"], contacts["instagram:1784000"]
    await crm_client.UpdateContact(crm.UpdateContactRequest(id=other.id, fields=["tags"], tags=["VIP"]))
    merged = await crm_client.MergeContacts(crm.MergeContactsRequest(id=kept.id, other_id=other.id))
    assert {i.contact_id for i in merged.contact.identities} == {"whatsapp:5511944443333", "instagram:1784000"}
    assert list(merged.contact.tags) == ["vip"]
    assert [c.id for c in (await crm_client.ListContacts(crm.ListContactsRequest())).contacts] == [kept.id]
    # the next message on Instagram lands on the kept contact
    await bot.message("instagram:1784000", "e o frete?", channel="instagram")
    assert (await crm_client.only_contact()).message_count == 3

    await crm_client.UndoMerge(crm.UndoMergeRequest(merge_id=merged.merge_id))
    after = {c.id: c for c in (await crm_client.ListContacts(crm.ListContactsRequest())).contacts}
    assert set(after) == {kept.id, other.id}
    assert [i.contact_id for i in after[other.id].identities] == ["instagram:1784000"]
    assert list(after[kept.id].tags) == [] and list(after[other.id].tags) == ["vip"]
    with pytest.raises(grpc.aio.AioRpcError) as twice:
        await crm_client.UndoMerge(crm.UndoMergeRequest(merge_id=merged.merge_id))
    assert twice.value.code() == grpc.StatusCode.FAILED_PRECONDITION


async def test_a_customer_who_says_stop_is_told_once_and_then_left_alone(shop) -> None:
    bot, crm_client = shop
    await bot.message("whatsapp:5511933332222", "oi")
    notice = await bot.message("whatsapp:5511933332222", "Parar!")
    assert "não vai mais receber mensagens" in notice.reply
    contact = await crm_client.only_contact()
    assert contact.opted_out and contact.score == 0
    after = await bot.message("whatsapp:5511933332222", "oi de novo")
    assert after.reply == ""
    not_opt_out = await bot.message("whatsapp:5511900001111", "para que serve essa capa?")
    assert "não vai mais receber" not in not_opt_out.reply


async def test_search_filters_and_cursor_pages(shop) -> None:
    bot, crm_client = shop
    for i in range(5):
        await bot.message(f"whatsapp:55119100000{i:02d}", "oi")
    page = await crm_client.ListContacts(crm.ListContactsRequest(limit=2, sort="created"))
    second = await crm_client.ListContacts(crm.ListContactsRequest(limit=2, sort="created", cursor=page.next_cursor))
    third = await crm_client.ListContacts(crm.ListContactsRequest(limit=2, sort="created", cursor=second.next_cursor))
    ids = [c.id for c in [*page.contacts, *second.contacts, *third.contacts]]
    assert len(ids) == len(set(ids)) == 5 and third.next_cursor == ""
    target = page.contacts[0]
    await crm_client.UpdateContact(crm.UpdateContactRequest(id=target.id, fields=["tags", "owner", "name"],
                                                            tags=["Atacado"], owner="agent-1", name="Zé Ninguém"))
    assert [c.id for c in (await crm_client.ListContacts(crm.ListContactsRequest(tag="atacado"))).contacts] == [
        target.id]
    assert [c.id for c in (await crm_client.ListContacts(crm.ListContactsRequest(q="ze ning"))).contacts] == [
        target.id]
    assert [c.id for c in (await crm_client.ListContacts(crm.ListContactsRequest(owner="agent-1"))).contacts] == [
        target.id]
    by_phone = await crm_client.ListContacts(crm.ListContactsRequest(q="(11) 91000-0003"))
    assert [c.phone for c in by_phone.contacts] == ["5511910000003"]
    with pytest.raises(grpc.aio.AioRpcError) as bad:
        await crm_client.ListContacts(crm.ListContactsRequest(cursor="garbage!", sort="bogus"))
    assert bad.value.code() == grpc.StatusCode.INVALID_ARGUMENT


async def test_import_reports_a_dry_run_then_creates_and_updates_and_export_streams_csv(shop) -> None:
    bot, crm_client = shop
    await bot.message("whatsapp:5511922221111", "oi")
    data = (b"name;phone;tags;stage\nAna;(11) 92222-1111;vip;\nBeto;11 93333-0000;atacado|vip;price_asked\n"
            b"Caio;123;;\nDora;;;nowhere\n")
    dry = await crm_client.ImportContacts(crm.ImportContactsRequest(csv=data, dry_run=True))
    assert (dry.created, dry.updated, dry.dry_run) == (1, 1, True)
    assert [e.split(":")[0] for e in dry.errors] == ["line 4", "line 5"]
    assert len((await crm_client.ListContacts(crm.ListContactsRequest())).contacts) == 1
    done = await crm_client.ImportContacts(crm.ImportContactsRequest(csv=data))
    assert (done.created, done.updated) == (1, 1)
    contacts = {c.phone: c for c in (await crm_client.ListContacts(crm.ListContactsRequest())).contacts}
    assert contacts["5511922221111"].name == "Ana" and list(contacts["5511922221111"].tags) == ["vip"]
    assert contacts["5511933330000"].stage == "price_asked"

    chunks = [c.data async for c in crm_client.stub.ExportContacts(
        crm.ExportContactsRequest(), metadata=user_metadata(crm_client.user_id))]
    lines = b"".join(chunks).decode().splitlines()
    assert lines[0].startswith("id,name,phone,stage,tags") and len(lines) == 3
    with pytest.raises(grpc.aio.AioRpcError) as bad:
        await crm_client.ImportContacts(crm.ImportContactsRequest(csv=b"email\nx@y"))
    assert bad.value.code() == grpc.StatusCode.INVALID_ARGUMENT


async def test_erasing_a_contact_leaves_nothing_in_the_database_or_redis(
    shop, chatbot: ChatbotService, postgres_url: str, redis_url: str
) -> None:
    bot, crm_client = shop
    done = await _order_by_bot(bot, "whatsapp:5511911110000")
    await bot.message("whatsapp:5511999990000", "oi, eu fico")  # another customer stays
    contact = next(c for c in (await crm_client.ListContacts(crm.ListContactsRequest())).contacts
                   if c.phone == "5511911110000")
    exported = json.loads((await crm_client.ExportPerson(crm.ExportPersonRequest(id=contact.id))).json)
    assert exported["contact"]["phone"] == "5511911110000" and len(exported["messages"]) == 8
    assert exported["orders"][0]["cep"] == "01310-100" and exported["redis_contexts"]

    erased = await crm_client.EraseContact(crm.EraseContactRequest(id=contact.id))
    assert erased.erased["messages"] == 8 and erased.erased["contacts"] == 1 and erased.erased["draft_orders"] == 1

    conn = await asyncpg.connect(postgres_url)
    try:
        for table, column in (("chatbot_contacts", "phone"), ("chatbot_contact_identities", "contact_id"),
                              ("chatbot_conversations", "contact_id"), ("chatbot_crm_audit", "counts::text")):
            leftovers = await conn.fetchval(
                f"SELECT count(*) FROM {table} WHERE user_id = $1 AND {column} LIKE '%5511911110000%'",
                crm_client.user_id)
            assert leftovers == 0, table
        messages = await conn.fetchval("SELECT count(*) FROM chatbot_messages WHERE conversation_id = $1",
                                       done.conversation_id)
        orders = await conn.fetchval("SELECT count(*) FROM chatbot_orders WHERE user_id = $1", crm_client.user_id)
        audit = await conn.fetch("SELECT action, contact_ref, actor, counts::text AS counts FROM chatbot_crm_audit "
                                 "WHERE user_id = $1 ORDER BY id", crm_client.user_id)
        assert messages == 0 and orders == 0
        # the export and the erasure are both audited, with counts only
        assert [(a["action"], a["contact_ref"]) for a in audit] == [("exported", contact.id), ("erased", contact.id)]
        assert '"messages": 8' in audit[0]["counts"] and "Rita" not in audit[0]["counts"]
    finally:
        await conn.close()
    client = redis.from_url(redis_url)
    try:
        keys = [k async for k in client.scan_iter(f"chatbot:*{crm_client.user_id}*5511911110000*")]
        assert keys == [] and not await client.exists(f"chatbot:session:{done.conversation_id}")
        assert [k async for k in client.scan_iter(f"chatbot:context:{crm_client.user_id}:*5511999990000*")]
    finally:
        await client.aclose()
    assert [c.phone for c in (await crm_client.ListContacts(crm.ListContactsRequest())).contacts] == [
        "5511999990000"]
    with pytest.raises(grpc.aio.AioRpcError) as gone:
        await crm_client.GetContact(crm.GetContactRequest(id=contact.id))
    assert gone.value.code() == grpc.StatusCode.NOT_FOUND


async def test_shops_never_see_or_touch_each_others_contacts(shop, chatbot: ChatbotService, client_for) -> None:
    bot, crm_client = shop
    await bot.message("whatsapp:5511988880000", "oi")
    contact = await crm_client.only_contact()
    other = CrmClient(chatbot.port, f"shop-{uuid.uuid4().hex[:8]}")
    try:
        assert list((await other.ListContacts(crm.ListContactsRequest())).contacts) == []
        for call in (other.GetContact(crm.GetContactRequest(id=contact.id)),
                     other.EraseContact(crm.EraseContactRequest(id=contact.id)),
                     other.UpdateContact(crm.UpdateContactRequest(id=contact.id, fields=["notes"], notes="x"))):
            with pytest.raises(grpc.aio.AioRpcError) as refused:
                await call
            assert refused.value.code() == grpc.StatusCode.NOT_FOUND
    finally:
        await other.channel.close()
    assert (await crm_client.only_contact()).notes == ""


async def _chatwoot_message(tap: EventTap, user_id: str, chatwoot_id: str, phone: str, text: str) -> None:
    assert tap.bus is not None
    event = ev.InboundMessage(
        event_id=f"chatwoot:{uuid.uuid4().hex}", user_id=user_id, channel=ev.CHANNEL_CHATWOOT, account_id="3",
        contact_id=chatwoot_id, contact_name="Ana Souza", conversation_id="1577", text=text,
        alternate_contact_id=f"phone:{phone}")
    await tap.bus.publish(Subjects.inbound("chatwoot", user_id, chatwoot_id), event, event.event_id, user_id)


async def test_the_same_phone_on_whatsapp_and_chatwoot_is_one_contact(shop, tap: EventTap) -> None:
    bot, crm_client = shop
    await bot.message("whatsapp:5511912345678", "oi, quanto custa?")
    await _chatwoot_message(tap, crm_client.user_id, "chatwoot:912", "5511912345678", "oi pelo site")

    async def joined() -> bool:
        contacts = (await crm_client.ListContacts(crm.ListContactsRequest())).contacts
        return len(contacts) == 1 and {i.contact_id for i in contacts[0].identities} == {
            "whatsapp:5511912345678", "chatwoot:912"}

    await eventually(joined)
    # a Chatwoot contact the turn saw before its phone: joined to the phone's contact by an undoable merge
    await bot.message("chatwoot:913", "oi", channel="chatwoot")
    await bot.message("whatsapp:5511955550000", "oi")
    await _chatwoot_message(tap, crm_client.user_id, "chatwoot:913", "5511955550000", "sou eu")

    async def merged() -> bool:
        contacts = (await crm_client.ListContacts(crm.ListContactsRequest())).contacts
        return len(contacts) == 2

    await eventually(merged)
    contact = next(c for c in (await crm_client.ListContacts(crm.ListContactsRequest())).contacts
                   if c.phone == "5511955550000")
    assert {i.contact_id for i in contact.identities} == {"whatsapp:5511955550000", "chatwoot:913"}


async def test_erasing_a_contact_deletes_their_dead_letters_in_the_channel_adapter(
    chatbot_factory, channel_adapter_factory, postgres_url: str
) -> None:
    adapter = await channel_adapter_factory()
    service = await chatbot_factory(channel_adapter_grpc_addr=f"127.0.0.1:{adapter.port}")
    user_id = f"shop-{uuid.uuid4().hex[:8]}"
    bot, crm_client = Client(service.port, user_id), CrmClient(service.port, user_id)
    await bot.message("whatsapp:5511977770000", "oi")
    conn = await asyncpg.connect(postgres_url)
    try:
        for contact_id in ("whatsapp:5511977770000", "whatsapp:5511977770000", "whatsapp:5511900000009"):
            await conn.execute(
                "INSERT INTO channel_adapter_dead_letters (id, user_id, channel, contact_id, reply_id, text, "
                "error, attempts, status, manual_retries, failed_at, reply) "
                "VALUES ($1, $2, 'whatsapp', $3, $1, 'sua encomenda', 'timeout', 3, 'dead', 0, now(), '')",
                str(uuid.uuid4()), user_id, contact_id)
        contact = await crm_client.only_contact()
        erased = await crm_client.EraseContact(crm.EraseContactRequest(id=contact.id))
        assert erased.erased["dead_letters"] == 2
        left = await conn.fetch("SELECT contact_id FROM channel_adapter_dead_letters WHERE user_id = $1", user_id)
        assert [r["contact_id"] for r in left] == ["whatsapp:5511900000009"]
    finally:
        await conn.close()
    await adapter.stop()
    await bot.message("whatsapp:5511966660000", "oi")
    other = await crm_client.only_contact()
    with pytest.raises(grpc.aio.AioRpcError) as unavailable:  # channel-adapter down: nothing is erased
        await crm_client.EraseContact(crm.EraseContactRequest(id=other.id))
    assert unavailable.value.code() == grpc.StatusCode.UNAVAILABLE
    assert (await crm_client.only_contact()).id == other.id
    await bot.channel.close()
    await crm_client.channel.close()


async def test_an_opted_out_contact_gets_no_automatic_handoff_notice(shop, tap: EventTap) -> None:
    bot, _ = shop
    await bot.message("whatsapp:5511900002222", "oi")
    await bot.message("whatsapp:5511900003333", "oi")
    await bot.message("whatsapp:5511900002222", "parar")
    for contact_id in ("whatsapp:5511900002222", "whatsapp:5511900003333"):
        await bot.HandoffConversation(pb.HandoffConversationRequest(id=contact_id, reason="seller"))
    await eventually(lambda: tap.replies("whatsapp:5511900003333"))  # the notice reached the other contact
    assert tap.replies("whatsapp:5511900002222") == []
