"""Publishes the automation events notification-service turns into the seed's WebSocket notifications.

An unreachable NATS never fails a task: the event is logged and dropped (the task state in the database and
Redis stays the source of truth; the dashboard also polls).
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import structlog
from google.protobuf.struct_pb2 import Struct
from google.protobuf.timestamp_pb2 import Timestamp
from sellerbot.events.v1 import bot_events_pb2
from sellerbot_messaging import EventBus, Subjects

from automation.domain.model import LoginState, Task

log = structlog.get_logger(__name__)


def _now() -> Timestamp:
    stamp = Timestamp()
    stamp.FromDatetime(datetime.now(UTC))
    return stamp


class BotEventPublisher:
    def __init__(self, bus: EventBus | None) -> None:
        self.bus = bus

    async def _publish(self, subject: str, event: object, msg_id: str, user_id: str) -> None:
        if self.bus is None:
            return
        try:
            await self.bus.publish(subject, event, msg_id, user_id)  # type: ignore[arg-type]
        except Exception as exc:  # NATS down: the task must go on
            log.warning("event_publish_failed", subject=subject, msg_id=msg_id, error=str(exc))

    async def task(self, kind: str, task: Task, suffix: str = "") -> None:
        """kind: started | progress | completed | failed | needs_attention."""
        result = Struct()
        result.update(task.result)
        event = bot_events_pb2.BotTaskEvent(
            event_id=f"{task.id}:{kind}:{task.retry_count}{suffix}", user_id=task.user_id, task_id=task.id,
            task_type=task.task_type.value, profile_id=task.profile_id, status=task.status.value,
            progress_done=task.progress_done, progress_total=task.progress_total, result=result, error=task.error,
            retry_count=task.retry_count, duration_seconds=task.duration_seconds, at=_now(),
        )
        await self._publish(Subjects.bot_task(kind), event, event.event_id, task.user_id)

    async def worker(self, kind: str, user_id: str, worker_id: str, profiles: list[str], reason: str = "") -> None:
        event = bot_events_pb2.BotWorkerEvent(
            event_id=f"{worker_id}:{kind}", user_id=user_id, worker_id=worker_id, profiles=profiles,
            reason=reason, at=_now(),
        )
        await self._publish(Subjects.bot_worker(kind), event, event.event_id, user_id)

    async def login_state(self, user_id: str, profile_id: str, state: LoginState, reason: str) -> None:
        event = bot_events_pb2.ProfileLoginState(
            event_id=f"{profile_id}:login:{uuid.uuid4().hex[:12]}", user_id=user_id, profile_id=profile_id,
            state=state.value, reason=reason, at=_now(),
        )
        await self._publish(Subjects.PROFILE_LOGIN_STATE, event, event.event_id, user_id)
