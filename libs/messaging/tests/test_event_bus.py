"""EventBus against a real NATS JetStream: dedupe by Nats-Msg-Id, ack after handling, redelivery, tracing."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import structlog.testing
from nats.js.errors import NotFoundError
from opentelemetry import trace
from sellerbot.events.v1 import conversation_events_pb2 as events
from sellerbot_devstack.servers import free_port, start_nats
from sellerbot_messaging import EventBus, EventMeta, MessagingSettings, Subjects, pull_feed
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


async def test_an_unacked_publish_is_stored_deduplicated_and_consumed_with_its_headers(bus: EventBus) -> None:
    update = events.ConversationUpdated(event_id="updated:1", user_id="u1", last_message="Oi!")
    await bus.publish_unacked(Subjects.CONVERSATION_UPDATED, update, update.event_id, update.user_id)
    await bus.publish_unacked(Subjects.CONVERSATION_UPDATED, update, update.event_id, update.user_id)
    later = events.ConversationUpdated(event_id="updated:2", user_id="u1", last_message="tem?")
    await bus.publish_unacked(Subjects.CONVERSATION_UPDATED, later, later.event_id, later.user_id)
    received: list[tuple[str, str]] = []

    async def handle(event: events.ConversationUpdated, meta: EventMeta) -> None:
        received.append((event.last_message, meta.headers.get("Sellerbot-User-Id", "")))

    bus.consume(Subjects.CONVERSATION_UPDATED, "test-unacked", events.ConversationUpdated, handle,
                stream=CONVERSATIONS)
    await wait_until(lambda: len(received) >= 2)
    await asyncio.sleep(0.3)
    assert received == [("Oi!", "u1"), ("tem?", "u1")]  # the second publish of updated:1 was dropped


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


async def test_an_idle_consumer_whose_pulls_expire_is_idle_not_failing(
    bus: EventBus, monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A long pull that ends unanswered (the server's 408) is idleness: the consumer asks again and takes the
    next event at once; taking it for a failure would drop the subscription and pause the consumer."""
    monkeypatch.setattr(pull_feed, "PULL_EXPIRES", 0.4)
    monkeypatch.setattr(pull_feed, "IDLE_HEARTBEAT", 0.1)
    received: list[str] = []

    async def handle(event: events.InboundMessage, meta: EventMeta) -> None:
        received.append(event.event_id)

    with structlog.testing.capture_logs() as logs:
        bus.consume(Subjects.INBOUND_ALL, "test-idle", events.InboundMessage, handle, stream=CONVERSATIONS,
                    batch=64)
        await asyncio.sleep(1.5)  # several pulls expire
        await bus.publish(Subjects.inbound("whatsapp"), events.InboundMessage(event_id="wa:1"), "wa:1")
        await wait_until(lambda: received == ["wa:1"], seconds=2)
    assert [entry for entry in logs if entry["event"] == "consumer_fetch_failed"] == []


async def test_no_more_than_a_batch_is_delivered_and_unhandled(bus: EventBus) -> None:
    """Flow control: a slow handler holds back the stream, so nothing waits in the client past its ack wait."""
    release = asyncio.Event()
    started: list[str] = []

    async def slow(event: events.InboundMessage, meta: EventMeta) -> None:
        started.append(event.event_id)
        await release.wait()

    for n in range(12):
        await bus.publish(Subjects.inbound("api"), events.InboundMessage(event_id=f"api:{n}"), f"api:{n}")
    bus.consume(Subjects.INBOUND_ALL, "test-batch", events.InboundMessage, slow, stream=CONVERSATIONS,
                batch=4, concurrency=2)
    await wait_until(lambda: len(started) == 2)
    await asyncio.sleep(0.3)
    info = await bus._js.consumer_info(bus.stream_name(CONVERSATIONS), "test-batch")
    assert info.num_ack_pending == 4
    assert started == ["api:0", "api:1"]
    release.set()
    await wait_until(lambda: len(started) == 12)
    assert started == [f"api:{n}" for n in range(12)]  # started in stream order


async def test_a_consumer_pulls_again_at_once_after_nats_restarts(tmp_path: Path) -> None:
    """The server forgets a client's pulls when the connection drops; the consumer asks again on reconnect
    instead of waiting for missed heartbeats."""
    port = free_port()
    server = start_nats(tmp_path / "nats", port=port)
    bus = await EventBus.connect(MessagingSettings(nats_url=server.url), "test-restart")
    try:
        await bus.ensure_streams((CONVERSATIONS,))
        received: list[str] = []

        async def handle(event: events.InboundMessage, meta: EventMeta) -> None:
            received.append(event.event_id)

        bus.consume(Subjects.INBOUND_ALL, "test-restart", events.InboundMessage, handle, stream=CONVERSATIONS)
        await bus.publish(Subjects.inbound("whatsapp"), events.InboundMessage(event_id="wa:1"), "wa:1")
        await wait_until(lambda: received == ["wa:1"])
        server.stop()
        server = start_nats(tmp_path / "nats", port=port)
        deadline = asyncio.get_running_loop().time() + 15
        while True:  # JetStream answers once the restarted server has recovered its streams
            try:
                await bus.publish(Subjects.inbound("whatsapp"), events.InboundMessage(event_id="wa:2"), "wa:2")
                break
            except Exception:
                assert asyncio.get_running_loop().time() < deadline, "JetStream did not come back"
                await asyncio.sleep(0.1)
        await wait_until(lambda: received == ["wa:1", "wa:2"], seconds=4)  # well before two missed heartbeats
    finally:
        await bus.close()
        server.stop()


async def test_a_consumer_deleted_under_a_running_consumer_is_created_again(bus: EventBus) -> None:
    """The server ends the pull (409 Consumer Deleted): the consumer is created again and goes on."""
    received: list[str] = []

    async def handle(event: events.InboundMessage, meta: EventMeta) -> None:
        received.append(event.event_id)

    bus.consume(Subjects.INBOUND_ALL, "test-deleted", events.InboundMessage, handle, stream=CONVERSATIONS,
                deliver_new_only=True)
    await wait_for_consumer(bus, "test-deleted")
    await bus.publish(Subjects.inbound("whatsapp"), events.InboundMessage(event_id="wa:1"), "wa:1")
    await wait_until(lambda: received == ["wa:1"])
    await bus._js.delete_consumer(bus.stream_name(CONVERSATIONS), "test-deleted")
    await wait_for_consumer(bus, "test-deleted")
    await bus.publish(Subjects.inbound("whatsapp"), events.InboundMessage(event_id="wa:2"), "wa:2")
    await wait_until(lambda: received == ["wa:1", "wa:2"], seconds=5)


async def wait_for_consumer(bus: EventBus, durable: str, seconds: float = 5) -> None:
    deadline = asyncio.get_running_loop().time() + seconds
    while True:
        try:
            await bus._js.consumer_info(bus.stream_name(CONVERSATIONS), durable)
            return
        except NotFoundError:
            assert asyncio.get_running_loop().time() < deadline, f"consumer {durable} not created in time"
            await asyncio.sleep(0.05)


@pytest.mark.parametrize("concurrency", [1, 4])
async def test_once_a_cancelled_consumer_is_awaited_none_of_its_handlers_runs(bus: EventBus, concurrency: int) -> None:
    """A chatbot replica that gives a partition up awaits its consumer, then drops the partition's state: no
    handler of that consumer may still be running by then."""
    running: set[str] = set()
    started = asyncio.Event()

    async def slow(event: events.InboundMessage, meta: EventMeta) -> None:
        running.add(event.event_id)
        started.set()
        try:
            await asyncio.sleep(30)
        finally:
            await asyncio.sleep(0.05)  # a handler that still has work to undo when cancelled
            running.discard(event.event_id)

    await bus.publish(Subjects.inbound("api"), events.InboundMessage(event_id=f"api:c{concurrency}"),
                      f"api:c{concurrency}")
    consumer = bus.consume(Subjects.INBOUND_ALL, f"test-cancel-{concurrency}", events.InboundMessage, slow,
                           stream=CONVERSATIONS, concurrency=concurrency)
    await asyncio.wait_for(started.wait(), 10)
    consumer.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await consumer
    assert running == set()


async def test_a_kept_alive_message_stays_with_its_slow_handler_and_goes_on_once_its_consumer_dies(
    bus: EventBus,
) -> None:
    """keep_alive: a handler running for several ack waits keeps its message (not delivered a second time);
    when its consumer dies with the message unacked, the message is delivered again one ack wait later."""
    deliveries: list[int] = []
    release = asyncio.Event()

    async def slow(event: events.InboundMessage, meta: EventMeta) -> None:
        deliveries.append(meta.delivery_count)
        await release.wait()

    await bus.publish(Subjects.inbound("api"), events.InboundMessage(event_id="api:slow"), "api:slow")
    consumer = bus.consume(Subjects.INBOUND_ALL, "test-keep-alive", events.InboundMessage, slow,
                           stream=CONVERSATIONS, ack_wait_seconds=1, concurrency=4, keep_alive=True)
    await wait_until(lambda: deliveries == [1])
    await asyncio.sleep(3.5)  # three and a half ack waits
    assert deliveries == [1]

    consumer.cancel()  # dies without acking, as a process killed mid-delivery
    with contextlib.suppress(asyncio.CancelledError):
        await consumer
    release.set()
    bus.consume(Subjects.INBOUND_ALL, "test-keep-alive", events.InboundMessage, slow, stream=CONVERSATIONS,
                ack_wait_seconds=1, concurrency=4, keep_alive=True)
    await wait_until(lambda: deliveries == [1, 2], seconds=5)


async def test_a_durable_created_with_another_ack_wait_takes_the_new_one(bus: EventBus) -> None:
    """A release that shortens a consumer's ack wait reaches the server's durable (which keeps its own config)."""
    stream = bus.stream_name(CONVERSATIONS)

    async def handle(event: events.InboundMessage, meta: EventMeta) -> None:
        pass

    first = bus.consume(Subjects.INBOUND_ALL, "test-ack-wait", events.InboundMessage, handle, stream=CONVERSATIONS,
                        ack_wait_seconds=120)
    await wait_for_consumer(bus, "test-ack-wait")
    first.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await first
    assert (await bus._js.consumer_info(stream, "test-ack-wait")).config.ack_wait == 120
    bus.consume(Subjects.INBOUND_ALL, "test-ack-wait", events.InboundMessage, handle, stream=CONVERSATIONS,
                ack_wait_seconds=30)
    deadline = asyncio.get_running_loop().time() + 10
    while (await bus._js.consumer_info(stream, "test-ack-wait")).config.ack_wait != 30:
        assert asyncio.get_running_loop().time() < deadline, "the durable kept its old ack wait"
        await asyncio.sleep(0.05)
