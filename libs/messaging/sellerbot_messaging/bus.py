"""EventBus: publish protobuf events to JetStream and consume them with durable pull consumers.

Every event carries `Nats-Msg-Id` (JetStream drops a second publish with the same id inside the stream's
duplicate window) and the W3C trace context, so one trace spans gateway, gRPC and NATS hops.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TypeVar

import nats
import structlog
from google.protobuf.message import DecodeError, Message
from nats.aio.client import Client as NatsClient
from nats.aio.msg import Msg
from nats.js import JetStreamContext
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy, KeyValueConfig, PubAck, StreamConfig
from nats.js.errors import BucketNotFoundError, NotFoundError
from nats.js.kv import KeyValue
from opentelemetry import propagate, trace
from opentelemetry.trace import SpanKind
from sellerbot_telemetry import span_unless_unsampled

from sellerbot_messaging.metrics import consumed, handle_seconds, published
from sellerbot_messaging.pull_feed import PullFeed
from sellerbot_messaging.settings import MessagingSettings
from sellerbot_messaging.streams import ALL_STREAMS, StreamSpec

log = structlog.get_logger(__name__)
tracer = trace.get_tracer("sellerbot.messaging")

EVENT_TYPE_HEADER = "Sellerbot-Event-Type"
USER_ID_HEADER = "Sellerbot-User-Id"
M = TypeVar("M", bound=Message)


@dataclass(frozen=True)
class EventMeta:
    """What a handler may need besides the event itself."""

    subject: str
    msg_id: str
    delivery_count: int
    stream_sequence: int
    headers: dict[str, str]


Handler = Callable[[M, EventMeta], Awaitable[None]]


class EventBus:
    def __init__(self, nc: NatsClient, js: JetStreamContext, namespace: str = "") -> None:
        self._nc = nc
        self._js = js
        self._namespace = namespace
        self._consumers: list[asyncio.Task[None]] = []

    @classmethod
    async def connect(cls, settings: MessagingSettings, client_name: str) -> EventBus:
        """Connect and keep reconnecting forever: a NATS outage must not kill a service."""

        async def on_error(exc: Exception) -> None:
            log.warning("nats_error", error=str(exc))

        async def on_disconnect() -> None:
            log.warning("nats_disconnected")

        async def on_reconnect() -> None:
            log.info("nats_reconnected")

        nc = await nats.connect(
            settings.nats_url,
            name=client_name,
            max_reconnect_attempts=-1,
            reconnect_time_wait=1,
            connect_timeout=3,
            drain_timeout=5,
            error_cb=on_error,
            disconnected_cb=on_disconnect,
            reconnected_cb=on_reconnect,
        )
        return cls(nc, nc.jetstream(timeout=5), settings.nats_namespace)

    @property
    def connected(self) -> bool:
        return bool(self._nc.is_connected)

    def subject(self, name: str) -> str:
        return f"{self._namespace}.{name}" if self._namespace else name

    def stream_name(self, spec: StreamSpec) -> str:
        return f"{self._namespace}_{spec.name}" if self._namespace else spec.name

    async def ensure_streams(self, specs: tuple[StreamSpec, ...] = ALL_STREAMS) -> None:
        """Create or update the streams; safe to call from every service at start."""
        for spec in specs:
            name = self.stream_name(spec)
            config = StreamConfig(
                name=name,
                subjects=[self.subject(s) for s in spec.subjects],
                max_age=spec.max_age.total_seconds(),
                duplicate_window=spec.duplicate_window.total_seconds(),
                max_bytes=spec.max_bytes,
                description=spec.description,
            )
            try:
                await self._js.stream_info(name)
                await self._js.update_stream(config)
            except NotFoundError:
                await self._js.add_stream(config)

    async def key_value(self, bucket: str, ttl_seconds: float) -> KeyValue:
        """A JetStream key-value bucket (this namespace's), created if missing; entries expire after the TTL."""
        name = f"{self._namespace}_{bucket}" if self._namespace else bucket
        try:
            return await self._js.key_value(name)
        except BucketNotFoundError:
            return await self._js.create_key_value(KeyValueConfig(bucket=name, ttl=ttl_seconds, history=1))

    async def replay_unacked(self, durable: str, stream: StreamSpec) -> int:
        """Make a durable consumer deliver again, in stream order, everything after its ack floor; returns how
        many deliveries were unacked. A consumer taken over from a dead process otherwise redelivers those
        only after their ack wait, behind newer messages (out of order). The consumer is recreated from the
        first unacked sequence with its configuration; nothing is done when nothing is unacked."""
        stream_name = self.stream_name(stream)
        try:
            info = await self._js.consumer_info(stream_name, durable)
        except NotFoundError:
            return 0
        if not info.num_ack_pending:
            return 0
        config = info.config
        config.deliver_policy = DeliverPolicy.BY_START_SEQUENCE
        config.opt_start_seq = (info.ack_floor.stream_seq if info.ack_floor else 0) + 1
        await self._js.delete_consumer(stream_name, durable)
        await self._js.add_consumer(stream_name, config)
        return int(info.num_ack_pending or 0)

    async def publish(
        self, subject: str, event: Message, msg_id: str, user_id: str = "",
        extra_headers: dict[str, str] | None = None,
    ) -> PubAck:
        """Publish and wait for the JetStream ack; raises when JetStream is unreachable.

        `extra_headers` carry facts that are not part of the event (e.g. a dead letter's error)."""
        full_subject = self.subject(subject)
        with span_unless_unsampled(tracer, f"publish {subject}", kind=SpanKind.PRODUCER) as span:
            headers = self._headers(span, full_subject, event, msg_id, user_id, extra_headers)
            try:
                ack = await self._js.publish(full_subject, event.SerializeToString(), headers=headers)
            except Exception:
                published(subject, "error").inc()
                raise
            published(subject, "duplicate" if ack.duplicate else "stored").inc()
            return ack

    async def publish_unacked(self, subject: str, event: Message, msg_id: str, user_id: str = "") -> None:
        """Publish without waiting for JetStream's ack, for best-effort events only (a dashboard refresh).

        The stream stores it like `publish` (deduplicated by the same `Nats-Msg-Id`, with the same headers and
        trace context), but the caller never learns whether it did: the ack's round trip cost more CPU than
        the publish itself. While NATS is away the client buffers it and sends it on reconnection; raises only
        when the client is closed."""
        full_subject = self.subject(subject)
        with span_unless_unsampled(tracer, f"publish {subject}", kind=SpanKind.PRODUCER) as span:
            headers = self._headers(span, full_subject, event, msg_id, user_id, None)
            try:
                await self._nc.publish(full_subject, event.SerializeToString(), headers=headers)
            except Exception:
                published(subject, "error").inc()
                raise
            published(subject, "sent").inc()

    @staticmethod
    def _headers(span: trace.Span, full_subject: str, event: Message, msg_id: str, user_id: str,
                 extra_headers: dict[str, str] | None) -> dict[str, str]:
        span.set_attribute("messaging.system", "nats")
        span.set_attribute("messaging.destination.name", full_subject)
        span.set_attribute("messaging.message.id", msg_id)
        headers = {**(extra_headers or {}), "Nats-Msg-Id": msg_id, EVENT_TYPE_HEADER: event.DESCRIPTOR.full_name}
        if user_id:
            headers[USER_ID_HEADER] = user_id
        propagate.inject(headers)
        return headers

    def consume(
        self,
        subject_filter: str,
        durable: str,
        event_type: type[M],
        handler: Handler[M],
        *,
        stream: StreamSpec,
        batch: int = 64,
        ack_wait_seconds: float = 30,
        max_deliver: int = 20,
        deliver_new_only: bool = False,
        concurrency: int = 1,
        keep_alive: bool = False,
    ) -> asyncio.Task[None]:
        """Start a durable pull consumer in the background; the event is acked after `handler` returns.

        A handler exception naks the message with a growing delay (redelivered up to `max_deliver` times);
        a payload that does not decode is terminated at once (it can never succeed). At most `batch` events are
        delivered and not yet handled. With `concurrency` > 1 up to that many events are handled at once, started
        in delivery order (the handler then orders what must be ordered itself); the default handles them one
        after the other.

        With `keep_alive`, a message whose handler still runs has its ack deadline pushed back every third of
        `ack_wait_seconds` (JetStream's in-progress ack): a slow handler (a delivery retrying for minutes) keeps
        its message, so `ack_wait_seconds` only bounds how long the message of a consumer that died waits before
        it is delivered again, and can stay short.
        """
        task = asyncio.create_task(
            self._consume_loop(
                subject_filter, durable, event_type, handler, stream, batch,
                ack_wait_seconds, max_deliver, deliver_new_only, concurrency, keep_alive,
            ),
            name=f"consumer:{durable}",
        )
        self._consumers.append(task)
        return task

    async def _consume_loop(
        self,
        subject_filter: str,
        durable: str,
        event_type: type[M],
        handler: Handler[M],
        stream: StreamSpec,
        batch: int,
        ack_wait_seconds: float,
        max_deliver: int,
        deliver_new_only: bool,
        concurrency: int = 1,
        keep_alive: bool = False,
    ) -> None:
        config = ConsumerConfig(
            durable_name=durable,
            ack_policy=AckPolicy.EXPLICIT,
            ack_wait=ack_wait_seconds,
            max_deliver=max_deliver,
            filter_subject=self.subject(subject_filter),
            deliver_policy=DeliverPolicy.NEW if deliver_new_only else DeliverPolicy.ALL,
        )
        stream_name = self.stream_name(stream)

        handling: dict[int, Msg] = {}  # by id(): a Msg is an unhashable dataclass

        async def on_message(msg: Msg) -> None:
            if not keep_alive:
                await self._handle(msg, durable, event_type, handler)
                return
            handling[id(msg)] = msg
            try:
                await self._handle(msg, durable, event_type, handler)
            finally:
                del handling[id(msg)]

        # One timer for the whole consumer, not one per message: most handlers end long before it fires.
        keeper = asyncio.create_task(_keep_alive(handling, ack_wait_seconds / 3)) if keep_alive else None
        try:
            while True:
                feed = PullFeed(self._nc, self._js, stream_name, config, batch, concurrency, on_message)
                try:
                    await feed.run()
                except asyncio.CancelledError:
                    raise
                except Exception as exc:  # NATS down or consumer gone: keep trying, never die
                    log.warning("consumer_fetch_failed", consumer=durable, error=str(exc))
                    await asyncio.sleep(1)
        finally:
            if keeper is not None:
                keeper.cancel()

    async def _handle(self, msg: Msg, durable: str, event_type: type[M], handler: Handler[M]) -> None:
        headers = msg.headers or {}  # this message's own dict, parsed for it by nats-py
        parent = propagate.extract(headers)
        subject = msg.subject.removeprefix(f"{self._namespace}.") if self._namespace else msg.subject
        started = time.perf_counter()
        with span_unless_unsampled(tracer, f"process {subject}", context=parent, kind=SpanKind.CONSUMER) as span:
            span.set_attribute("messaging.system", "nats")
            span.set_attribute("messaging.consumer.group.name", durable)
            meta = EventMeta(
                subject=subject,
                msg_id=headers.get("Nats-Msg-Id", ""),
                delivery_count=msg.metadata.num_delivered,
                stream_sequence=msg.metadata.sequence.stream,
                headers=headers,
            )
            try:
                event = event_type.FromString(msg.data)
            except DecodeError:
                log.error("event_undecodable", consumer=durable, subject=subject, msg_id=meta.msg_id)
                consumed(durable, "undecodable").inc()
                await msg.term()
                return
            try:
                await handler(event, meta)
            except Exception as exc:
                span.record_exception(exc)
                delay = min(30.0, 0.5 * 2 ** min(meta.delivery_count, 6))
                log.exception("event_handler_failed", consumer=durable, subject=subject,
                              msg_id=meta.msg_id, delivery=meta.delivery_count, retry_in=delay)
                consumed(durable, "failed").inc()
                with contextlib.suppress(Exception):
                    await msg.nak(delay=delay)
                return
            finally:
                handle_seconds(durable).observe(time.perf_counter() - started)
            with contextlib.suppress(Exception):
                await msg.ack()
            consumed(durable, "ok").inc()

    async def close(self) -> None:
        for task in self._consumers:
            task.cancel()
        for task in self._consumers:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        self._consumers.clear()
        with contextlib.suppress(Exception):
            await self._nc.drain()


async def _keep_alive(handling: dict[int, Msg], every_seconds: float) -> None:
    """Tell the server, every `every_seconds`, that each message whose handler still runs is in progress (its
    ack deadline starts again); an in-progress ack of a message acked meanwhile is ignored by the server."""
    while True:
        await asyncio.sleep(every_seconds)
        for msg in list(handling.values()):
            with contextlib.suppress(Exception):  # cut off: the message is redelivered after ack_wait anyway
                await msg.in_progress()
