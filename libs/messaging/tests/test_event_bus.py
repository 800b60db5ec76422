"""EventBus against a real NATS JetStream: dedupe by Nats-Msg-Id, ack after handling, redelivery, tracing."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest
import structlog.testing
from nats.js import JetStreamContext
from opentelemetry import trace
from sellerbot.events.v1 import conversation_events_pb2 as events
from sellerbot_messaging import EventBus, EventMeta, MessagingSettings, Subjects
from sellerbot_messaging.streams import CONVERSATIONS
from sellerbot_telemetry import configure_tracing


@pytest.fixture
async def bus(nats_url: str, nats_namespace: str) -> AsyncIterator[EventBus]:
    connected = await EventBus.connect(
        MessagingSettings(nats_url=nats_url, nats_namespace=nats_namespace), "test")
    await connected.ensure_streams()
    yield connected
    await connected._js.delete_stream(connected.stream_name(CONVERSATIONS))
    await connected.close()


async def wait_until(condition, seconds: float = 10) -> None:  # type: ignore[no-untyped-def]
    deadline = asyncio.get_running_loop().time() + seconds
    while not condition():
        assert asyncio.get_running_loop().time() < deadline, "condition not met in time"
        await asyncio.sleep(0.02)


async def test_a_message_published_twice_with_one_id_is_stored_once(bus: EventBus) -> None:
    inbound = events.InboundMessage(event_id="whatsapp:inst:ABC", user_id="u1", text="Oi!")
    first = await bus.publish(Subjects.inbound("whatsapp"), inbound, inbound.event_id)
    second = await bus.publish(Subjects.inbound("whatsapp"), inbound, inbound.event_id)
    assert not first.duplicate
    assert second.duplicate
    received: list[events.InboundMessage] = []

    async def handle(event: events.InboundMessage, meta: EventMeta) -> None:
        received.append(event)

    bus.consume(Subjects.INBOUND_ALL, "test-dedupe", events.InboundMessage, handle, stream=CONVERSATIONS)
    await wait_until(lambda: len(received) >= 1)
    await asyncio.sleep(0.3)
    assert [e.text for e in received] == ["Oi!"]


async def test_a_failing_handler_gets_the_event_again(bus: EventBus) -> None:
    attempts: list[int] = []

    async def flaky(event: events.InboundMessage, meta: EventMeta) -> None:
        attempts.append(meta.delivery_count)
        if meta.delivery_count < 2:
            raise RuntimeError("transient")

    bus.consume(Subjects.INBOUND_ALL, "test-redeliver", events.InboundMessage, flaky, stream=CONVERSATIONS)
    await bus.publish(Subjects.inbound("telegram"), events.InboundMessage(event_id="tg:1"), "tg:1")
    await wait_until(lambda: len(attempts) >= 2)
    assert attempts[:2] == [1, 2]


async def test_trace_context_crosses_the_nats_hop(bus: EventBus) -> None:
    configure_tracing("test")
    tracer = trace.get_tracer("test")
    seen: list[str] = []

    async def handle(event: events.InboundMessage, meta: EventMeta) -> None:
        seen.append(format(trace.get_current_span().get_span_context().trace_id, "032x"))

    bus.consume(Subjects.INBOUND_ALL, "test-trace", events.InboundMessage, handle, stream=CONVERSATIONS)
    with tracer.start_as_current_span("origin") as span:
        origin = format(span.get_span_context().trace_id, "032x")
        await bus.publish(Subjects.inbound("api"), events.InboundMessage(event_id="api:1"), "api:1")
    await wait_until(lambda: len(seen) == 1)
    assert seen == [origin]


async def test_a_pull_that_ends_in_asyncios_timeout_is_idleness_not_a_failure(
    bus: EventBus, monkeypatch: pytest.MonkeyPatch,
) -> None:
    """nats-py ends some multi-message pulls (a probe that used up the timeout) with asyncio's TimeoutError
    instead of its own; taking that for a failure dropped the subscription and paused the consumer a second."""
    real_fetch = JetStreamContext.PullSubscription.fetch
    pulls = 0

    async def fetch_that_first_times_out(self: Any, *args: Any, **kwargs: Any) -> Any:
        nonlocal pulls
        pulls += 1
        if pulls == 1:
            raise TimeoutError  # what asyncio.TimeoutError is on Python 3.11
        return await real_fetch(self, *args, **kwargs)

    monkeypatch.setattr(JetStreamContext.PullSubscription, "fetch", fetch_that_first_times_out)
    received: list[str] = []

    async def handle(event: events.InboundMessage, meta: EventMeta) -> None:
        received.append(event.event_id)

    with structlog.testing.capture_logs() as logs:
        bus.consume(Subjects.INBOUND_ALL, "test-idle", events.InboundMessage, handle, stream=CONVERSATIONS,
                    batch=64)
        await bus.publish(Subjects.inbound("whatsapp"), events.InboundMessage(event_id="wa:1"), "wa:1")
        await wait_until(lambda: received == ["wa:1"])
    assert pulls >= 2
    assert [entry for entry in logs if entry["event"] == "consumer_fetch_failed"] == []
