"""Tenant and actor metadata: what the gateway sends is what a servicer reads, over a real gRPC call."""

from __future__ import annotations

from collections.abc import AsyncIterator

import grpc
import pytest
from sellerbot_devstack.servers import free_port
from sellerbot_grpc import caller_actor_id, caller_user_id, tenant_metadata, user_metadata

METHOD = "/test.Identity/Who"


async def _who(request: bytes, context: grpc.aio.ServicerContext) -> bytes:
    return f"{await caller_user_id(context)}|{caller_actor_id(context)}".encode()


@pytest.fixture
async def channel() -> AsyncIterator[grpc.aio.Channel]:
    server = grpc.aio.server()
    handler = grpc.method_handlers_generic_handler("test.Identity", {
        "Who": grpc.unary_unary_rpc_method_handler(_who)})
    server.add_generic_rpc_handlers((handler,))
    port = free_port()
    server.add_insecure_port(f"127.0.0.1:{port}")
    await server.start()
    async with grpc.aio.insecure_channel(f"127.0.0.1:{port}") as open_channel:
        yield open_channel
    await server.stop(None)


async def test_the_member_is_the_actor_and_the_shop_the_tenant(channel: grpc.aio.Channel) -> None:
    who = channel.unary_unary(METHOD)
    assert await who(b"", metadata=tenant_metadata("shop-1", "member-7")) == b"shop-1|member-7"


async def test_a_call_between_services_acts_as_its_tenant(channel: grpc.aio.Channel) -> None:
    who = channel.unary_unary(METHOD)
    assert await who(b"", metadata=user_metadata("shop-1")) == b"shop-1|shop-1"


async def test_a_call_without_tenant_is_unauthenticated(channel: grpc.aio.Channel) -> None:
    with pytest.raises(grpc.aio.AioRpcError) as refused:
        await channel.unary_unary(METHOD)(b"")
    assert refused.value.code() is grpc.StatusCode.UNAUTHENTICATED
