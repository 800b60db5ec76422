"""/seller-bot/webhook/*: answered by WebhookIngress in front of FastAPI, forwarded over real gRPC."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Callable
from typing import Any

import grpc
import httpx
import pytest
from sellerbot.channels.v1 import channel_adapter_pb2 as pb
from sellerbot.channels.v1 import channel_adapter_pb2_grpc

from .conftest import METRICS_AUTH


class EchoingChannelAdapter(channel_adapter_pb2_grpc.ChannelAdapterServiceServicer):
    """A real gRPC ChannelAdapterService that answers each webhook with its own body and records what came."""

    def __init__(self) -> None:
        self.webhooks: list[pb.WebhookRequest] = []
        self.batches: list[int] = []

    async def HandleWebhooks(self, request: pb.WebhookBatch,
                             context: grpc.aio.ServicerContext) -> pb.WebhookBatchResponse:
        self.batches.append(len(request.webhooks))
        self.webhooks.extend(request.webhooks)
        return pb.WebhookBatchResponse(answers=[
            pb.WebhookResponse(status_code=200 if w.method == "POST" else 202, content_type="application/json",
                               body=w.body) for w in request.webhooks])


@pytest.fixture
async def echoing_adapter() -> AsyncIterator[tuple[EchoingChannelAdapter, int]]:
    servicer = EchoingChannelAdapter()
    server = grpc.aio.server()
    channel_adapter_pb2_grpc.add_ChannelAdapterServiceServicer_to_server(servicer, server)
    port = server.add_insecure_port("127.0.0.1:0")
    await server.start()
    yield servicer, port
    await server.stop(0)


async def test_concurrent_webhooks_each_get_their_own_answer_headers_and_trace(
    gateway_factory: Callable[..., Any], echoing_adapter: tuple[EchoingChannelAdapter, int],
) -> None:
    servicer, port = echoing_adapter
    client: httpx.AsyncClient = await gateway_factory(client_ip="203.0.113.9",
                                                      channel_adapter_grpc_addr=f"127.0.0.1:{port}")
    trace_ids = [uuid.uuid4().hex for _ in range(20)]

    async def post(n: int) -> httpx.Response:
        return await client.post(
            "/seller-bot/webhook/evolution/messages-upsert?src=test", content=f'{{"n": {n}}}'.encode(),
            headers={"Content-Type": "application/json", "X-Webhook-Secret": "s3cret",
                     "traceparent": f"00-{trace_ids[n]}-{uuid.uuid4().hex[:16]}-01"})

    responses = await asyncio.gather(*(post(n) for n in range(20)))
    assert [r.json() for r in responses] == [{"n": n} for n in range(20)]
    assert sum(servicer.batches) == 20
    by_body = {w.body: w for w in servicer.webhooks}
    for n in range(20):
        forwarded = by_body[f'{{"n": {n}}}'.encode()]
        assert forwarded.channel == "evolution" and forwarded.method == "POST"
        assert forwarded.path_suffix == "messages-upsert" and forwarded.query_string == "src=test"
        assert forwarded.client_ip == "203.0.113.9"
        assert {"name": "x-webhook-secret", "value": "s3cret"} in [
            {"name": h.name, "value": h.value} for h in forwarded.headers]
        # The gateway's own span for this request continues the caller's trace into channel-adapter.
        assert forwarded.trace_context["traceparent"].split("-")[1] == trace_ids[n]


async def test_the_instagram_handshake_is_forwarded_as_a_get(
    gateway_factory: Callable[..., Any], echoing_adapter: tuple[EchoingChannelAdapter, int],
) -> None:
    servicer, port = echoing_adapter
    client: httpx.AsyncClient = await gateway_factory(channel_adapter_grpc_addr=f"127.0.0.1:{port}")
    response = await client.get("/seller-bot/webhook/instagram", params={"hub.challenge": "42"})
    assert response.status_code == 202
    assert servicer.webhooks[0].method == "GET" and "hub.challenge=42" in servicer.webhooks[0].query_string


async def test_webhooks_over_the_limit_from_one_ip_get_429_with_retry_after(
    gateway_factory: Callable[..., Any],
) -> None:
    client: httpx.AsyncClient = await gateway_factory(rate_limit_webhooks="3/minute")
    statuses = [(await client.post("/seller-bot/webhook/evolution", json={})).status_code for _ in range(3)]
    assert statuses == [503] * 3  # no channel-adapter listens: counted all the same
    limited = await client.post("/seller-bot/webhook/telegram", json={})
    assert limited.status_code == 429
    assert 1 <= int(limited.headers["Retry-After"]) <= 60
    assert limited.json()["scope"] == "webhooks"


async def test_methods_other_than_post_and_the_handshake_get_are_405_json(
    gateway_factory: Callable[..., Any],
) -> None:
    client: httpx.AsyncClient = await gateway_factory()
    put = await client.put("/seller-bot/webhook/evolution", json={})
    assert put.status_code == 405 and put.json()["error"] == "method_not_allowed"
    assert put.headers["Allow"] == "GET, POST"
    by_event = await client.get("/seller-bot/webhook/evolution/messages-upsert")
    assert by_event.status_code == 405 and by_event.headers["Allow"] == "POST"


async def test_an_unknown_channel_is_422_naming_the_field(gateway_factory: Callable[..., Any]) -> None:
    client: httpx.AsyncClient = await gateway_factory()
    response = await client.post("/seller-bot/webhook/fax", json={})
    assert response.status_code == 422
    assert response.json()["fields"][0]["field"] == "channel"
    assert "evolution" in response.json()["detail"]


async def test_webhook_requests_are_counted_by_route_template(
    gateway_factory: Callable[..., Any], echoing_adapter: tuple[EchoingChannelAdapter, int],
) -> None:
    _, port = echoing_adapter
    client: httpx.AsyncClient = await gateway_factory(channel_adapter_grpc_addr=f"127.0.0.1:{port}")
    await client.post("/seller-bot/webhook/chatwoot", json={"event": "message_created"})
    metrics = (await client.get("/metrics", headers=METRICS_AUTH)).text
    assert 'http_requests_total{handler="/seller-bot/webhook/{channel}",method="POST",service="gateway",' \
           'status="2xx"}' in metrics
    assert "gateway_webhook_batch_size_count" in metrics


async def test_a_burst_from_one_ip_is_limited_exactly_although_its_hits_are_counted_together(
    gateway_factory: Callable[..., Any],
) -> None:
    client: httpx.AsyncClient = await gateway_factory(rate_limit_webhooks="5/minute")
    burst = await asyncio.gather(*(client.post("/seller-bot/webhook/evolution", json={}) for _ in range(12)))
    statuses = sorted(r.status_code for r in burst)
    assert statuses == [429] * 7 + [503] * 5  # 5 counted and forwarded (no channel-adapter listens), 7 refused
    assert (await client.post("/seller-bot/webhook/evolution", json={})).status_code == 429
