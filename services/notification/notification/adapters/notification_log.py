"""The NOTIFICATIONS JetStream stream: every user's notifications, one subject per user, kept for the window.

Its sequence is the notification id: monotonic and identical on every replica, so a client resumes on any
replica. The stream itself enforces the retention window (max age and max messages per user), deduplicates
the replicas' publishes of one event (Nats-Msg-Id = the source event's stream and sequence) and answers the
history reads of resuming clients.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import time
from dataclasses import dataclass
from datetime import timedelta

import nats.errors
import structlog
from nats.aio.msg import Msg
from nats.js import JetStreamContext
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy, PubAck, StorageType, StreamConfig
from nats.js.errors import NotFoundError
from opentelemetry import propagate
from sellerbot.notification.v1 import notification_pb2 as pb
from sellerbot_messaging import EventBus
from sellerbot_messaging.bus import EVENT_TYPE_HEADER, USER_ID_HEADER

log = structlog.get_logger(__name__)

STREAM = "NOTIFICATIONS"
ACK_TIMEOUT_SECONDS = 10.0
SUBJECT_ROOT = "notifications"
_SAFE_TOKEN = re.compile(r"^[A-Za-z0-9_-]{1,128}$")


def user_token(user_id: str) -> str:
    """A subject token for the user id (ids with dots, spaces or wildcards are hex-encoded)."""
    if _SAFE_TOKEN.match(user_id):
        return user_id
    return "x" + user_id.encode().hex()


@dataclass(frozen=True)
class _Wire:
    subject: str
    data: bytes
    headers: dict[str, str]
    sent_at: float


@dataclass(frozen=True)
class Retention:
    max_age: timedelta
    max_per_user: int
    max_bytes: int


@dataclass(frozen=True)
class StreamPosition:
    first_seq: int
    last_seq: int


@dataclass(frozen=True)
class StoredEntry:
    seq: int
    notification: pb.StoredNotification


class NotificationLog:
    def __init__(self, js: JetStreamContext, bus: EventBus, namespace: str, retention: Retention) -> None:
        self._js = js
        self._bus = bus
        self.retention = retention
        self.stream = f"{namespace}_{STREAM}" if namespace else STREAM
        self.all_subjects = bus.subject(f"{SUBJECT_ROOT}.>")
        self._unconfirmed: dict[asyncio.Future[PubAck], _Wire] = {}
        self._retrying: set[asyncio.Task[None]] = set()

    def subject_of(self, user_id: str) -> str:
        return f"{SUBJECT_ROOT}.{user_token(user_id)}"

    async def ensure_stream(self) -> None:
        config = StreamConfig(
            name=self.stream,
            subjects=[self.all_subjects],
            storage=StorageType.FILE,
            max_age=self.retention.max_age.total_seconds(),
            max_msgs_per_subject=self.retention.max_per_user,
            max_bytes=self.retention.max_bytes,
            # Replicas republish an event while catching up: the window must cover the whole retention.
            duplicate_window=self.retention.max_age.total_seconds(),
            allow_direct=True,
            description="Per-user notifications for WebSocket clients (resume window)",
        )
        try:
            await self._js.stream_info(self.stream)
            await self._js.update_stream(config)
        except NotFoundError:
            await self._js.add_stream(config)

    async def position(self) -> StreamPosition:
        info = await self._js.stream_info(self.stream)
        return StreamPosition(first_seq=info.state.first_seq, last_seq=info.state.last_seq)

    async def append(self, notification: pb.StoredNotification) -> None:
        """Store once: a second publish of the same source event (another replica) is dropped by JetStream.

        Pipelined: the message is written at once (so stream order is call order on this connection) and its
        ack arrives later; an ack that fails, or does not come within ACK_TIMEOUT_SECONDS, is retried until
        the notification is stored (the Nats-Msg-Id makes the retry harmless).
        """
        wire = self._wire(notification)
        future = await self._js.publish_async(wire.subject, wire.data, headers=wire.headers)
        self._unconfirmed[future] = wire
        future.add_done_callback(self._on_ack)

    def _wire(self, notification: pb.StoredNotification) -> _Wire:
        headers = {"Nats-Msg-Id": notification.source, EVENT_TYPE_HEADER: notification.DESCRIPTOR.full_name,
                   USER_ID_HEADER: notification.user_id}
        propagate.inject(headers)
        return _Wire(self._bus.subject(self.subject_of(notification.user_id)), notification.SerializeToString(),
                     headers, time.monotonic())

    def _on_ack(self, future: asyncio.Future[PubAck]) -> None:
        wire = self._unconfirmed.pop(future, None)
        if wire is not None and (future.cancelled() or future.exception() is not None):
            self._retry(wire, repr(future.exception()) if not future.cancelled() else "ack timeout")

    def _retry(self, wire: _Wire, why: str) -> None:
        log.warning("notification_store_retry", msg_id=wire.headers["Nats-Msg-Id"], error=why)
        task = asyncio.create_task(self._store_until_acked(wire))
        self._retrying.add(task)
        task.add_done_callback(self._retrying.discard)

    async def _store_until_acked(self, wire: _Wire) -> None:
        delay = 0.2
        while True:
            try:
                await self._js.publish(wire.subject, wire.data, headers=wire.headers)
                return
            except Exception as exc:
                log.warning("notification_store_retry", msg_id=wire.headers["Nats-Msg-Id"], error=repr(exc))
                await asyncio.sleep(delay)
                delay = min(delay * 2, 5.0)

    async def sweep_unacked(self) -> None:
        """Forever: acks lost in a NATS outage never arrive; cancel those futures (-> retried)."""
        while True:
            await asyncio.sleep(ACK_TIMEOUT_SECONDS / 2)
            too_old = time.monotonic() - ACK_TIMEOUT_SECONDS
            for future, wire in list(self._unconfirmed.items()):
                if wire.sent_at < too_old:
                    future.cancel()

    async def history(self, user_id: str, after_seq: int, up_to_seq: int, limit: int) -> list[StoredEntry]:
        """The user's notifications with after_seq < seq <= up_to_seq, oldest first (at most `limit`)."""
        if up_to_seq <= after_seq:
            return []
        config = ConsumerConfig(
            filter_subject=self._bus.subject(self.subject_of(user_id)),
            deliver_policy=DeliverPolicy.BY_START_SEQUENCE,
            opt_start_seq=after_seq + 1,
            ack_policy=AckPolicy.NONE,
            mem_storage=True,
            num_replicas=1,
            inactive_threshold=10.0,
        )
        psub = await self._js.pull_subscribe(config.filter_subject or "", stream=self.stream, config=config)
        consumer = config.name or ""
        try:
            info = await psub.consumer_info()
            remaining = min(info.num_pending or 0, limit)
            entries: list[StoredEntry] = []
            while remaining > 0:
                batch = await self._fetch(psub, min(remaining, 256))
                for msg in batch:
                    seq = msg.metadata.sequence.stream
                    if seq > up_to_seq:
                        return entries
                    entries.append(StoredEntry(seq, pb.StoredNotification.FromString(msg.data)))
                remaining -= len(batch)
            return entries
        finally:
            with contextlib.suppress(Exception):
                await psub.unsubscribe()
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._js.delete_consumer(self.stream, consumer), 2)

    @staticmethod
    async def _fetch(psub: JetStreamContext.PullSubscription, batch: int) -> list[Msg]:
        try:
            return await psub.fetch(batch, timeout=5)
        except nats.errors.TimeoutError as exc:
            raise ConnectionError("history read timed out") from exc

