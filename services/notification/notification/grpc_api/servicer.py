"""NotificationService over gRPC: Subscribe (resume, then live) and GetConnectionStats.

Maps the domain's outcomes to status codes in one place: unknown type or malformed id -> INVALID_ARGUMENT,
slow subscriber -> RESOURCE_EXHAUSTED, history unreadable -> UNAVAILABLE.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import AsyncIterator

import grpc
import structlog
from sellerbot.notification.v1 import notification_pb2 as pb
from sellerbot.notification.v1 import notification_pb2_grpc
from sellerbot_grpc import FieldViolation, abort_invalid_argument, caller_user_id

from notification.adapters.notification_log import NotificationLog, StreamPosition
from notification.domain.frames import frame
from notification.domain.notification_types import ControlType, InvalidSubscription, parse_event_id, parse_types
from notification.domain.subscriptions import Notice, Subscription, SubscriptionEnded, SubscriptionHub
from notification.events.fanout import notice_of
from notification.metrics import CONNECTED_CLIENTS, CONNECTED_USERS, DELIVERED, DELIVERY_LATENCY, RESUMES

log = structlog.get_logger(__name__)
MAX_BATCH = 100  # notifications per gRPC message when several are waiting

_END_STATUS = {
    "slow": grpc.StatusCode.RESOURCE_EXHAUSTED,
    "unavailable": grpc.StatusCode.UNAVAILABLE,
}


def control(kind: ControlType, payload: dict[str, object] | None = None) -> pb.Notification:
    payload_json = json.dumps(payload or {}, separators=(",", ":"))
    now = time.time()
    message = pb.Notification(type=kind.value, control=True, payload_json=payload_json,
                              frame=frame(None, kind.value, payload_json, now))
    message.ts.FromNanoseconds(int(now * 1e9))
    return message


def _batch(messages: list[pb.Notification]) -> pb.NotificationBatch:
    return pb.NotificationBatch(notifications=messages)


class NotificationServicer(notification_pb2_grpc.NotificationServiceServicer):
    def __init__(self, hub: SubscriptionHub, notifications: NotificationLog, replica_id: str,
                 max_pending: int, heartbeat_seconds: float) -> None:
        self._hub = hub
        self._log = notifications
        self._replica_id = replica_id
        self._max_pending = max_pending
        self._heartbeat = heartbeat_seconds

    async def Subscribe(
        self, request: pb.SubscribeRequest, context: grpc.aio.ServicerContext
    ) -> AsyncIterator[pb.NotificationBatch]:
        user_id = await caller_user_id(context)
        if request.user_id and request.user_id != user_id:
            await context.abort(grpc.StatusCode.PERMISSION_DENIED, "user_id differs from the caller")
        try:
            types = parse_types(list(request.types))
            last_seen = parse_event_id(request.last_event_id)
        except InvalidSubscription as exc:
            await abort_invalid_argument(context, str(exc), [FieldViolation(exc.field, exc.description)])
            return
        position = None
        if last_seen:
            try:
                position = await self._log.position()
            except Exception as exc:
                await context.abort(grpc.StatusCode.UNAVAILABLE, f"notification history unavailable: {exc!r}")
                return
        subscription = Subscription(user_id, types, self._max_pending, request.connection_id or uuid.uuid4().hex,
                                    high_water=last_seen if position and last_seen <= position.last_seq else 0)
        replay_up_to = self._hub.add(subscription)
        self._gauge()
        try:
            yield _batch([control(ControlType.SUBSCRIBED, {
                "connection_id": subscription.connection_id, "replica": self._replica_id,
                "heartbeat_seconds": self._heartbeat, "max_pending": self._max_pending,
                "types": sorted(types) if types else [],
            })])
            if position is not None:
                async for message in self._replay(subscription, last_seen, replay_up_to, position):
                    yield message
            async for message in self._live(subscription):
                yield message
        except SubscriptionEnded as ended:
            await context.abort(_END_STATUS[ended.kind], ended.reason)
        finally:
            self._hub.remove(subscription)
            self._gauge()

    async def _replay(self, subscription: Subscription, last_seen: int, up_to: int,
                      position: StreamPosition) -> AsyncIterator[pb.NotificationBatch]:
        if last_seen > position.last_seq:
            # An id from an earlier life of the stream (its store was reset): go live, tell the client to refetch.
            RESUMES.labels("unknown_id").inc()
            yield _batch([control(ControlType.RESYNC, {"reason": "unknown last_event_id"})])
            return
        limit = self._log.retention.max_per_user
        try:
            entries = await self._log.history(subscription.user_id, last_seen, up_to, limit)
        except Exception as exc:
            raise SubscriptionEnded("unavailable", f"notification history unavailable: {exc!r}") from exc
        expired = last_seen + 1 < position.first_seq
        truncated = len(entries) >= limit  # the user's oldest ones may have been pushed out
        if expired or truncated:
            RESUMES.labels("resync").inc()
            yield _batch([control(ControlType.RESYNC, {"reason": "some notifications left the retention window"})])
        else:
            RESUMES.labels("resumed").inc()
        notices = [n for n in map(notice_of, entries) if subscription.wants(n.type)]
        for start in range(0, len(notices), MAX_BATCH):
            yield self._sent(notices[start:start + MAX_BATCH])

    async def _live(self, subscription: Subscription) -> AsyncIterator[pb.NotificationBatch]:
        while True:
            notice = await subscription.next(self._heartbeat)
            if notice is None:
                yield _batch([control(ControlType.HEARTBEAT)])
                continue
            yield self._sent([notice, *subscription.take_queued(MAX_BATCH - 1)])

    @staticmethod
    def _sent(notices: list[Notice]) -> pb.NotificationBatch:
        now = time.time()
        for notice in notices:
            DELIVERED.labels(notice.type).inc()
            DELIVERY_LATENCY.observe(max(0.0, now - notice.ts))
        return _batch([n.message for n in notices])

    def _gauge(self) -> None:
        CONNECTED_CLIENTS.set(self._hub.connections)
        CONNECTED_USERS.set(self._hub.users)

    async def GetConnectionStats(
        self, request: pb.GetConnectionStatsRequest, context: grpc.aio.ServicerContext
    ) -> pb.ConnectionStats:
        return pb.ConnectionStats(connections=self._hub.connections, users=self._hub.users,
                                  replica_id=self._replica_id, position=self._hub.position)
