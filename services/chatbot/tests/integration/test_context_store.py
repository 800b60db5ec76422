"""Contexts in Redis: the seed's keys and TTLs scoped per seller, SCAN listing, and the in-memory fallback
while Redis is down, written back when it returns."""

from __future__ import annotations

import redis.asyncio as aioredis
from chatbot.adapters.context_store import ContextStore
from chatbot.metrics import CONTEXT_STORE_DEGRADED
from sellerbot.chatbot.v1 import chatbot_pb2 as pb
from sellerbot_devstack.servers import start_redis

from ..conftest import eventually


async def test_keys_ttls_and_listing_are_scoped_per_seller(redis_url: str) -> None:
    store = ContextStore.from_url(redis_url)
    raw = aioredis.Redis.from_url(redis_url)
    try:
        await store.set_context("seller-a", "whatsapp:5511", {"last_message": "oi"})
        await store.set_context("seller-b", "whatsapp:5511", {"last_message": "outro"})
        await store.set_session("conv-1", {"conversation_id": "conv-1"})
        assert 1790 <= await raw.ttl("chatbot:context:seller-a:whatsapp:5511") <= 1800
        assert 3590 <= await raw.ttl("chatbot:session:conv-1") <= 3600
        listed = await store.get_all_contexts("seller-a")
        assert listed == [{"last_message": "oi", "contact_id": "whatsapp:5511"}]
        assert await store.delete_all_contexts("seller-a") == 1
        assert await store.get_context("seller-b", "whatsapp:5511") == {"last_message": "outro"}
    finally:
        await raw.delete("chatbot:context:seller-b:whatsapp:5511", "chatbot:session:conv-1")
        await raw.aclose()
        await store.close()


async def test_turn_reads_and_writes_both_keys_at_once_and_listing_picks_the_newest(redis_url: str) -> None:
    store = ContextStore.from_url(redis_url)
    raw = aioredis.Redis.from_url(redis_url)
    try:
        assert await store.get_context_and_session("seller-t", "whatsapp:1", "conv-t") == (None, None)
        await store.set_context_and_session("seller-t", "whatsapp:1", {"stage": "price_asked"}, "conv-t",
                                            {"history": [{"role": "user", "text": "oi"}]})
        assert await store.get_context_and_session("seller-t", "whatsapp:1", "conv-t") == (
            {"stage": "price_asked"}, {"history": [{"role": "user", "text": "oi"}]})
        assert 1790 <= await raw.ttl("chatbot:context:seller-t:whatsapp:1") <= 1800
        assert 3590 <= await raw.ttl("chatbot:session:conv-t") <= 3600
        for i in range(30):  # more keys than the single-command packing threshold
            await store.set_context("seller-t", f"whatsapp:{i + 2}", {"updated_at": f"2026-01-01T00:00:{i:02d}"})
        newest, live = await store.recent_contexts("seller-t", 3)
        assert live == 31
        assert [c["contact_id"] for c in newest] == ["whatsapp:31", "whatsapp:30", "whatsapp:29"]
        assert await store.delete_all_contexts("seller-t") == 31
    finally:
        await raw.delete("chatbot:session:conv-t")
        await raw.aclose()
        await store.close()


async def test_redis_outage_falls_back_to_memory_and_syncs_back_on_recovery() -> None:
    server = start_redis()
    port = int(server.url.rsplit(":", 1)[1].split("/")[0])
    store = ContextStore.from_url(server.url, probe_seconds=0.1)
    try:
        await store.set_context("s", "c1", {"n": 1})
        server.stop()
        await store.set_context("s", "c2", {"n": 2})  # Redis is gone: kept in memory
        assert store.degraded and CONTEXT_STORE_DEGRADED._value.get() == 1
        assert await store.get_context("s", "c2") == {"n": 2}
        assert [c["contact_id"] for c in await store.get_all_contexts("s")] == ["c2"]
        server = start_redis(port)
        await eventually(lambda: not store.degraded)
        raw = aioredis.Redis.from_url(server.url)
        assert await raw.get("chatbot:context:s:c2") == b'{"n": 2}'
        assert 0 < await raw.ttl("chatbot:context:s:c2") <= 1800
        await raw.aclose()
        assert CONTEXT_STORE_DEGRADED._value.get() == 0
    finally:
        await store.close()
        server.stop()


async def test_the_service_keeps_answering_through_a_redis_outage(chatbot_factory) -> None:
    from grpc_health.v1 import health_pb2, health_pb2_grpc

    from ..conftest import Client

    server = start_redis()
    port = int(server.url.rsplit(":", 1)[1].split("/")[0])
    try:
        service = await chatbot_factory(redis_url=server.url)
        client = Client(service.port, "seller-outage")
        health = health_pb2_grpc.HealthStub(client.channel)

        async def context_store_status() -> int:
            request = health_pb2.HealthCheckRequest(service="chatbot.context_store")
            return (await health.Check(request, timeout=5)).status

        await client.add_product(sku="X1", name="Produto X", price=49.90, stock=2)
        server.stop()
        during = await client.message("whatsapp:5511900000001", "qual o preço do produto X?")
        assert "R$ 49,90" in during.reply
        listed = (await client.ListConversations(pb.ListConversationsRequest())).conversations
        assert [c.contact_id for c in listed] == ["whatsapp:5511900000001"]
        await eventually(lambda: _is(context_store_status(), health_pb2.HealthCheckResponse.NOT_SERVING))
        server = start_redis(port)
        await eventually(lambda: _is(context_store_status(), health_pb2.HealthCheckResponse.SERVING), timeout=15)
        raw = aioredis.Redis.from_url(server.url)
        assert await raw.exists("chatbot:context:seller-outage:whatsapp:5511900000001") == 1
        await raw.aclose()
        await client.channel.close()
    finally:
        server.stop()


async def _is(status: object, expected: int) -> bool:
    return await status == expected  # type: ignore[misc]
