"""Webhooks to channel-adapter in as few gRPC calls as the load allows.

A grpc.aio call costs far more CPU than the webhook it carries (about half a millisecond on each side), so
webhooks that arrive while every call slot is busy leave together in one `HandleWebhooks` call as soon as a
slot frees up. A webhook that finds a free slot leaves at once: no timer, no added latency when it is quiet.
Each webhook still gets its own answer (and its own trace context inside the batch).
"""

from __future__ import annotations

import asyncio
import contextvars
from collections import deque
from collections.abc import Awaitable, Callable

import grpc
from opentelemetry.instrumentation.utils import suppress_instrumentation
from prometheus_client import Histogram
from sellerbot.channels.v1 import channel_adapter_pb2 as pb
from sellerbot.channels.v1 import channel_adapter_pb2_grpc

from api_gateway.api.errors import ServiceCallFailed

SERVICE = "channel-adapter"
BATCH_SIZE = Histogram(
    "gateway_webhook_batch_size", "Webhooks carried by one HandleWebhooks call to channel-adapter",
    buckets=(1, 2, 4, 8, 16, 32, 64, 128),
)

SendBatch = Callable[[pb.WebhookBatch], Awaitable[pb.WebhookBatchResponse]]
Waiting = tuple[pb.WebhookRequest, asyncio.Future[pb.WebhookResponse]]


class BatchAnswerMismatch(Exception):
    """channel-adapter answered a different number of webhooks than it was sent."""


class WebhookForwarder:
    def __init__(self, send_batch: SendBatch, max_in_flight: int = 2, max_batch: int = 64) -> None:
        self._send_batch = send_batch
        self._max_in_flight = max_in_flight
        self._max_batch = max_batch
        self._waiting: deque[Waiting] = deque()
        self._in_flight = 0
        self._calls: set[asyncio.Task[None]] = set()

    @classmethod
    def over_grpc(cls, stub: channel_adapter_pb2_grpc.ChannelAdapterServiceStub, timeout_seconds: float,
                  call_slots: int) -> WebhookForwarder:
        async def send(batch: pb.WebhookBatch) -> pb.WebhookBatchResponse:
            response: pb.WebhookBatchResponse = await stub.HandleWebhooks(batch, timeout=timeout_seconds)
            return response

        return cls(send, max_in_flight=call_slots)

    async def forward(self, webhook: pb.WebhookRequest) -> pb.WebhookResponse:
        """channel-adapter's answer to this webhook; raises ServiceCallFailed when the call fails."""
        answer: asyncio.Future[pb.WebhookResponse] = asyncio.get_running_loop().create_future()
        self._waiting.append((webhook, answer))
        if self._in_flight < self._max_in_flight:
            self._in_flight += 1
            # A fresh context: the call serves many requests, so it must not run inside the first one's span.
            call = asyncio.create_task(self._serve_waiting(), context=contextvars.Context())
            self._calls.add(call)
            call.add_done_callback(self._calls.discard)
        return await answer

    async def _serve_waiting(self) -> None:
        """One call slot: send what waits, then whatever arrived meanwhile, until nothing waits."""
        try:
            while self._waiting:
                count = min(self._max_batch, len(self._waiting))
                batch = [item for item in (self._waiting.popleft() for _ in range(count)) if not item[1].done()]
                if batch:
                    await self._send(batch)
        finally:
            self._in_flight -= 1

    async def _send(self, batch: list[Waiting]) -> None:
        BATCH_SIZE.observe(len(batch))
        try:
            # Each webhook carries its own trace context; a span for the shared call would belong to none.
            with suppress_instrumentation():
                response = await self._send_batch(pb.WebhookBatch(webhooks=[webhook for webhook, _ in batch]))
            if len(response.answers) != len(batch):
                raise BatchAnswerMismatch(f"{len(response.answers)} answers for {len(batch)} webhooks")
        except grpc.aio.AioRpcError as exc:
            for _, answer in batch:
                if not answer.done():
                    answer.set_exception(ServiceCallFailed(SERVICE, exc))
            return
        except BaseException as exc:
            for _, answer in batch:
                if not answer.done():
                    answer.set_exception(exc)
            if isinstance(exc, asyncio.CancelledError):
                raise
            return
        for (_, answer), result in zip(batch, response.answers, strict=True):
            if not answer.done():
                answer.set_result(result)

    async def close(self) -> None:
        for call in list(self._calls):
            call.cancel()
        await asyncio.gather(*self._calls, return_exceptions=True)
