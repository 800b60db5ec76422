"""NOTIFICATIONS stream -> this replica's subscribers: every replica reads every notification, in order."""

from __future__ import annotations

import structlog
from nats.aio.msg import Msg
from sellerbot.notification.v1 import notification_pb2 as pb

from notification.adapters.notification_log import StoredEntry
from notification.domain.frames import frame
from notification.domain.subscriptions import Notice, SubscriptionHub
from notification.metrics import DROPPED, SLOW_CLIENT_DISCONNECTS

log = structlog.get_logger(__name__)


def notice_of(entry: StoredEntry) -> Notice:
    """The wire message is built once here and shared by every subscriber of the user."""
    stored = entry.notification
    ts = stored.ts.ToNanoseconds() / 1e9
    message = pb.Notification(id=str(entry.seq), type=stored.type, payload_json=stored.payload_json,
                              frame=frame(str(entry.seq), stored.type, stored.payload_json, ts))
    message.ts.CopyFrom(stored.ts)
    return Notice(seq=entry.seq, user_id=stored.user_id, type=stored.type, ts=ts, message=message)


class FanOut:
    def __init__(self, hub: SubscriptionHub) -> None:
        self._hub = hub

    async def handle(self, msg: Msg) -> None:
        entry = StoredEntry(msg.metadata.sequence.stream, pb.StoredNotification.FromString(msg.data))
        for slow in self._hub.dispatch(notice_of(entry)):
            SLOW_CLIENT_DISCONNECTS.inc()
            DROPPED.labels("slow_client").inc(slow.discard_pending() + 1)
            log.warning("slow_client_disconnected", user_id=slow.user_id, connection_id=slow.connection_id,
                        limit=slow.max_pending)
