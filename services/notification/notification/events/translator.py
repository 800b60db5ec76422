"""Source events (BOT and CONVERSATIONS streams) -> the NOTIFICATIONS stream, by every replica.

Each replica reads both streams in order and appends each notification with Nats-Msg-Id = source stream and
sequence: the first replica stores it, the others' publishes are dropped as duplicates, and the order of one
source stream is kept (a replica publishes event n+1 only after n is stored). No leader, no failover gap.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import structlog
from nats.aio.msg import Msg
from opentelemetry import propagate, trace
from opentelemetry.trace import SpanKind
from sellerbot.notification.v1 import notification_pb2 as pb

from notification.adapters.notification_log import NotificationLog
from notification.domain.translation import UndecodableEvent, translate
from notification.metrics import SKIPPED, TRANSLATED

log = structlog.get_logger(__name__)
tracer = trace.get_tracer("sellerbot.notification")


class EventTranslator:
    def __init__(self, notifications: NotificationLog, namespace: str, stale_after: timedelta) -> None:
        self._log = notifications
        self._prefix = f"{namespace}." if namespace else ""
        self._stale_after = stale_after

    async def handle(self, msg: Msg) -> None:
        meta = msg.metadata
        subject = msg.subject.removeprefix(self._prefix)
        stored_at = meta.timestamp.replace(tzinfo=UTC) if meta.timestamp.tzinfo is None else meta.timestamp
        if datetime.now(UTC) - stored_at > self._stale_after:
            SKIPPED.labels("stale").inc()
            return
        try:
            draft = translate(subject, msg.data)
        except UndecodableEvent as exc:
            log.error("event_undecodable", subject=subject, seq=meta.sequence.stream, error=str(exc))
            SKIPPED.labels("undecodable").inc()
            return
        if draft is None:
            SKIPPED.labels("not_a_notification").inc()
            return
        if not draft.user_id:
            log.warning("event_without_user", subject=subject, seq=meta.sequence.stream)
            SKIPPED.labels("no_user").inc()
            return
        stored = pb.StoredNotification(
            user_id=draft.user_id, type=draft.type.value, source=f"{meta.stream}:{meta.sequence.stream}",
            payload_json=_json(draft.payload),
        )
        stored.ts.FromDatetime(draft.ts or stored_at)
        parent = propagate.extract(dict(msg.headers or {}))
        with tracer.start_as_current_span(f"notify {draft.type.value}", context=parent, kind=SpanKind.CONSUMER):
            await self._log.append(stored)
        TRANSLATED.labels(draft.type.value).inc()


def _json(payload: object) -> str:
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":"))
