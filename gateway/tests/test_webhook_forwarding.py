"""WebhookForwarder: webhooks that arrive while every call slot is busy leave together, each with its own answer."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import grpc
import pytest
from api_gateway.api.errors import ServiceCallFailed
from api_gateway.webhook_forwarding import WebhookForwarder
from sellerbot.channels.v1 import channel_adapter_pb2 as pb


class GatedChannelAdapter:
    """Stands in for HandleWebhooks: records each batch, answers each webhook with its own body, holds the
    call until the test opens the gate."""

    def __init__(self, fail_first: bool = False) -> None:
        self.batches: list[list[bytes]] = []
        self.gate = asyncio.Event()
        self.fail_first = fail_first

    async def send(self, batch: pb.WebhookBatch) -> pb.WebhookBatchResponse:
        self.batches.append([w.body for w in batch.webhooks])
        await self.gate.wait()
        if self.fail_first and len(self.batches) == 1:
            raise grpc.aio.AioRpcError(grpc.StatusCode.UNAVAILABLE, grpc.aio.Metadata(), grpc.aio.Metadata(),
                                       details="connection refused")
        return pb.WebhookBatchResponse(answers=[
            pb.WebhookResponse(status_code=200, body=b"answer to " + w.body) for w in batch.webhooks])


def webhook(n: int) -> pb.WebhookRequest:
    return pb.WebhookRequest(channel="evolution", method="POST", body=f"w{n}".encode())


async def until(condition: Callable[[], bool], what: str) -> None:
    for _ in range(1000):
        if condition():
            return
        await asyncio.sleep(0)
    raise AssertionError(what)


async def let_new_tasks_start() -> None:
    """One turn of the loop: every task created before runs up to its first await (here: queued)."""
    await asyncio.sleep(0)


async def test_a_webhook_leaves_at_once_when_a_slot_is_free() -> None:
    adapter = GatedChannelAdapter()
    adapter.gate.set()
    forwarder = WebhookForwarder(adapter.send, max_in_flight=1)
    answer = await forwarder.forward(webhook(1))
    assert answer.body == b"answer to w1"
    assert adapter.batches == [[b"w1"]]


async def test_webhooks_arriving_during_a_call_leave_together_and_each_gets_its_own_answer() -> None:
    adapter = GatedChannelAdapter()
    forwarder = WebhookForwarder(adapter.send, max_in_flight=1)
    first = asyncio.create_task(forwarder.forward(webhook(0)))
    await until(lambda: len(adapter.batches) == 1, "the first webhook never left")
    rest = [asyncio.create_task(forwarder.forward(webhook(n))) for n in range(1, 8)]
    await let_new_tasks_start()
    adapter.gate.set()
    answers = await asyncio.gather(first, *rest)
    assert [a.body for a in answers] == [f"answer to w{n}".encode() for n in range(8)]
    assert adapter.batches == [[b"w0"], [f"w{n}".encode() for n in range(1, 8)]]


async def test_batches_are_capped_and_spread_over_the_free_slots() -> None:
    adapter = GatedChannelAdapter()
    forwarder = WebhookForwarder(adapter.send, max_in_flight=2, max_batch=3)
    tasks = [asyncio.create_task(forwarder.forward(webhook(n))) for n in range(10)]
    await until(lambda: len(adapter.batches) == 2, "two calls in flight")
    adapter.gate.set()
    answers = await asyncio.gather(*tasks)
    assert [a.body for a in answers] == [f"answer to w{n}".encode() for n in range(10)]
    assert all(len(batch) <= 3 for batch in adapter.batches)
    assert sorted(body for batch in adapter.batches for body in batch) == sorted(f"w{n}".encode() for n in range(10))


async def test_a_failed_call_fails_its_webhooks_only_and_the_next_batch_still_goes() -> None:
    adapter = GatedChannelAdapter(fail_first=True)
    forwarder = WebhookForwarder(adapter.send, max_in_flight=1)
    doomed = asyncio.create_task(forwarder.forward(webhook(0)))
    await until(lambda: len(adapter.batches) == 1, "the first webhook never left")
    later = asyncio.create_task(forwarder.forward(webhook(1)))
    adapter.gate.set()
    with pytest.raises(ServiceCallFailed) as failure:
        await doomed
    assert failure.value.service == "channel-adapter"
    assert failure.value.error.code() is grpc.StatusCode.UNAVAILABLE
    assert (await later).body == b"answer to w1"


async def test_a_webhook_whose_caller_gave_up_is_not_sent() -> None:
    adapter = GatedChannelAdapter()
    forwarder = WebhookForwarder(adapter.send, max_in_flight=1)
    first = asyncio.create_task(forwarder.forward(webhook(0)))
    await until(lambda: len(adapter.batches) == 1, "the first webhook never left")
    abandoned = asyncio.create_task(forwarder.forward(webhook(1)))
    kept = asyncio.create_task(forwarder.forward(webhook(2)))
    await let_new_tasks_start()
    abandoned.cancel()
    adapter.gate.set()
    await asyncio.gather(first, kept)
    assert adapter.batches == [[b"w0"], [b"w2"]]
