"""LGPD erasure and merges, checked in the databases: an erasure takes the whole merge tree, the Instagram
window rows in channel-adapter and the FAQ answers learned from the person's bursts (and the FAQ cache);
a merge is undoable only on its day, and its snapshot and merged contact are purged after."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
import grpc
import pytest
from google.protobuf import struct_pb2
from sellerbot.chatbot.v1 import chatbot_pb2 as pb
from sellerbot.chatbot.v1 import crm_pb2 as crm
from sellerbot_fakes.openai_fake import OpenAIFake

from ..conftest import Client, EventTap, eventually
from .test_crm import CrmClient


def _patch(data: dict[str, Any]) -> pb.UpdateConfigRequest:
    patch = struct_pb2.Struct()
    patch.update(data)
    return pb.UpdateConfigRequest(patch=patch)


@pytest.fixture
async def db(postgres_url: str) -> AsyncIterator[asyncpg.Connection]:
    conn = await asyncpg.connect(postgres_url)
    yield conn
    await conn.close()


async def _contact_of(crm_client: CrmClient, address: str) -> crm.Contact:
    contacts = (await crm_client.ListContacts(crm.ListContactsRequest())).contacts
    return next(c for c in contacts if address in [i.contact_id for i in c.identities])


async def test_erasing_after_chained_merges_leaves_nothing_of_any_merged_contact(
    chatbot_factory: Any, channel_adapter_factory: Any, db: asyncpg.Connection
) -> None:
    adapter = await channel_adapter_factory()
    service = await chatbot_factory(channel_adapter_grpc_addr=f"127.0.0.1:{adapter.port}")
    user_id = f"shop-{uuid.uuid4().hex[:8]}"
    bot, crm_client = Client(service.port, user_id), CrmClient(service.port, user_id)
    igsid = f"17840{uuid.uuid4().int % 10**9}"
    await bot.message(f"instagram:{igsid}", "oi, sou a Carla", channel="instagram")
    await bot.message("telegram:998877", "sou eu no telegram", channel="telegram")
    await bot.message("whatsapp:5511933334444", "e aqui no zap")
    a = await _contact_of(crm_client, f"instagram:{igsid}")
    b = await _contact_of(crm_client, "telegram:998877")
    c = await _contact_of(crm_client, "whatsapp:5511933334444")
    await crm_client.UpdateContact(crm.UpdateContactRequest(id=a.id, fields=["notes"], notes="Carla, ig"))
    await crm_client.MergeContacts(crm.MergeContactsRequest(id=b.id, other_id=a.id))  # A into B
    await crm_client.MergeContacts(crm.MergeContactsRequest(id=c.id, other_id=b.id))  # B into C
    for account, contact in (("ig-account-1", f"instagram:{igsid}"), ("ig-account-1", "instagram:someone-else")):
        await db.execute("INSERT INTO channel_adapter_instagram_contacts (account_key, contact_id, "
                         "last_inbound_at) VALUES ($1, $2, now())", account, contact)

    erased = await crm_client.EraseContact(crm.EraseContactRequest(id=c.id))
    assert erased.erased["contacts"] == 3 and erased.erased["instagram_windows"] == 1
    refs = [a.id, b.id, c.id]
    assert await db.fetchval("SELECT count(*) FROM chatbot_contacts WHERE id = ANY($1::text[])", refs) == 0
    assert await db.fetchval("SELECT count(*) FROM chatbot_contact_merges WHERE user_id = $1", user_id) == 0
    assert await db.fetchval("SELECT count(*) FROM chatbot_contact_identities WHERE user_id = $1", user_id) == 0
    assert await db.fetchval("SELECT count(*) FROM chatbot_conversations WHERE user_id = $1", user_id) == 0
    windows = await db.fetch("SELECT contact_id FROM channel_adapter_instagram_contacts WHERE account_key = $1",
                             "ig-account-1")
    assert [w["contact_id"] for w in windows] == ["instagram:someone-else"]
    await db.execute("DELETE FROM channel_adapter_instagram_contacts WHERE account_key = 'ig-account-1'")
    await bot.channel.close()
    await crm_client.channel.close()


async def test_a_merge_undo_expires_with_the_shops_day_and_is_purged_after(
    chatbot_factory: Any, db: asyncpg.Connection
) -> None:
    service = await chatbot_factory(crm_merge_purge_seconds=0.2)
    user_id = f"shop-{uuid.uuid4().hex[:8]}"
    bot, crm_client = Client(service.port, user_id), CrmClient(service.port, user_id)
    await bot.UpdateConfig(_patch({"business_hours": {"timezone": "America/Sao_Paulo"}}))
    for address, channel in (("whatsapp:5511922221111", "whatsapp"), ("telegram:5550001", "telegram"),
                             ("telegram:5550002", "telegram")):
        await bot.message(address, "oi", channel=channel)
    kept = await _contact_of(crm_client, "whatsapp:5511922221111")
    old = await _contact_of(crm_client, "telegram:5550001")
    today = await _contact_of(crm_client, "telegram:5550002")
    expired = await crm_client.MergeContacts(crm.MergeContactsRequest(id=kept.id, other_id=old.id))
    fresh = await crm_client.MergeContacts(crm.MergeContactsRequest(id=kept.id, other_id=today.id))
    deadline = fresh.undo_until.ToDatetime(tzinfo=UTC)
    assert deadline.astimezone(UTC).hour == 3 and deadline.minute == 0  # local midnight in São Paulo (UTC-3)
    # the first merge was made yesterday (local): its undo window closed at midnight
    yesterday = deadline - timedelta(days=1, minutes=1)
    await db.execute("UPDATE chatbot_contact_merges SET created_at = $1 WHERE id = $2", yesterday,
                     expired.merge_id)
    with pytest.raises(grpc.aio.AioRpcError) as late:
        await crm_client.UndoMerge(crm.UndoMergeRequest(merge_id=expired.merge_id))
    assert late.value.code() == grpc.StatusCode.FAILED_PRECONDITION and "day" in (late.value.details() or "")
    assert await db.fetchval("SELECT merged_into FROM chatbot_contacts WHERE id = $1", old.id) == kept.id

    # older than any day's window: the snapshot and the hidden merged contact are purged by the sweep
    delivery = str(uuid.uuid4())  # a webhook payload about the merged contact (name, phone) outlives it...
    await db.execute("INSERT INTO chatbot_crm_webhook_deliveries (id, user_id, contact_ref, kind, payload, status, "
                     "attempts, last_error, created_at, updated_at) VALUES ($1, $2, $3, 'lead.created', "
                     "'{\"contact\": {\"phone\": \"5550001\"}}', 'delivered', 1, '', now(), now())",
                     delivery, user_id, old.id)
    long_ago = datetime.now(UTC) - timedelta(hours=26)  # aged only now: the sweep (every 0.2 s) may run at once
    await db.execute("UPDATE chatbot_contacts SET updated_at = $1 WHERE id = $2", long_ago, old.id)
    await db.execute("UPDATE chatbot_contact_merges SET created_at = $1 WHERE id = $2", long_ago, expired.merge_id)

    async def purged() -> bool:
        return not await db.fetchval("SELECT count(*) FROM chatbot_contact_merges WHERE id = $1", expired.merge_id)

    await eventually(purged)
    assert await db.fetchval("SELECT count(*) FROM chatbot_contacts WHERE id = $1", old.id) == 0
    # ... on the contact it was merged into, where that contact's erasure finds it
    moved = await db.fetchval("SELECT contact_ref FROM chatbot_crm_webhook_deliveries WHERE id = $1", delivery)
    assert moved == kept.id
    undone = await crm_client.UndoMerge(crm.UndoMergeRequest(merge_id=fresh.merge_id))  # today's still can
    assert undone.merge_id == fresh.merge_id
    assert await db.fetchval("SELECT merged_into FROM chatbot_contacts WHERE id = $1", today.id) is None
    await bot.channel.close()
    await crm_client.channel.close()


async def test_erasing_a_person_forgets_the_faq_answers_learned_from_their_bursts(
    chatbot_factory: Any, fake_llm: OpenAIFake, db: asyncpg.Connection, nats_url: str, nats_namespace: str
) -> None:
    service = await chatbot_factory(openai_base_url=fake_llm.base_url, openai_api_key="test-key",
                                    openai_model="fake-model")
    user_id = f"shop-{uuid.uuid4().hex[:8]}"
    bot, crm_client = Client(service.port, user_id), CrmClient(service.port, user_id)
    await bot.UpdateConfig(_patch({"policies": {"shipping": "Enviamos em até 2 dias úteis pelos Correios."},
                                   "debounce": {"window_seconds": 0.5, "max_wait_seconds": 5}}))
    fake_llm.configure(reply="Enviamos em até 2 dias úteis pelos Correios.")
    tap = await EventTap(nats_namespace).start(nats_url)
    try:
        burst = ["vocês enviam pelos correios?", "em quanto tempo chega?"]
        for text in burst:  # one burst, one answer: the bot learns the two messages joined
            await tap.inbound(user_id, "whatsapp:5511977776666", text)

        async def learned() -> Any:
            return await db.fetchval("SELECT question FROM chatbot_faq_learned WHERE user_id = $1", user_id)

        assert await eventually(learned, timeout=15) == "\n".join(burst)
        calls = len(fake_llm.requests)
        served = await bot.message("whatsapp:5511955550001", "\n".join(burst))  # another customer: from the cache
        assert served.reply == "Enviamos em até 2 dias úteis pelos Correios." and len(fake_llm.requests) == calls

        person = await _contact_of(crm_client, "whatsapp:5511977776666")
        erased = await crm_client.EraseContact(crm.EraseContactRequest(id=person.id))
        assert erased.erased["learned_answers"] == 1
        left = await db.fetch("SELECT question FROM chatbot_faq_learned WHERE user_id = $1", user_id)
        assert [r["question"] for r in left if any(t in r["question"] for t in burst)] == []
        await bot.message("whatsapp:5511955550002", "\n".join(burst))  # the cache forgot it too: the LLM answers
        assert len(fake_llm.requests) == calls + 1
    finally:
        await tap.close()
        await bot.channel.close()
        await crm_client.channel.close()
