"""Turns due schedules into queued tasks, once per due run even with several automation replicas.

Every replica polls; each due schedule is claimed by a conditional update of its `next_run_at` (only the replica
whose update matched the value it read wins), so a run is enqueued exactly once.
"""

from __future__ import annotations

import asyncio
import contextlib
from datetime import datetime

import structlog

from automation.adapters.repository import utcnow
from automation.adapters.schedule_store import Schedule, next_after
from automation.components import Components
from automation.domain.errors import DomainError
from automation.domain.schedule import within_active_hours
from automation.metrics import SCHEDULE_RUNS
from automation.usecases.tasks import TaskService

log = structlog.get_logger(__name__)


class Scheduler:
    def __init__(self, components: Components, tasks: TaskService) -> None:
        self.c = components
        self.tasks = tasks
        self._loop: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._loop = asyncio.create_task(self._run(), name="schedules")

    async def stop(self) -> None:
        if self._loop is not None:
            self._loop.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._loop

    async def _run(self) -> None:
        while True:
            try:
                await self.tick()
            except Exception:
                log.exception("schedule_tick_failed")
            await asyncio.sleep(self.c.settings.schedule_poll_seconds)

    async def tick(self, now: datetime | None = None) -> int:
        """Enqueue every due schedule this replica wins; returns how many it enqueued."""
        now = now or utcnow()
        enqueued = 0
        for schedule in await self.c.schedules.due(now):
            if not await self.c.schedules.claim_due(schedule, next_after(schedule.next_run_at,
                                                                         schedule.every_minutes, now)):
                continue  # another replica took this run
            outcome, task_id = await self._run_once(schedule, now)
            await self.c.schedules.record_run(schedule.id, outcome, task_id)
            SCHEDULE_RUNS.labels(schedule.task_type.value, outcome).inc()
            log.info("bot_schedule_ran", schedule_id=schedule.id, outcome=outcome, task_id=task_id)
            enqueued += outcome == "enqueued"
        return enqueued

    async def _run_once(self, schedule: Schedule, now: datetime) -> tuple[str, str]:
        profile = await self.c.profiles.get_any(schedule.profile_id)
        if profile is None:
            return "profile_missing", ""
        if not within_active_hours(profile.active_hours, profile.fingerprint.timezone, now):
            return "outside_active_hours", ""
        pending = await self.c.tasks.for_user(schedule.user_id, profile_id=schedule.profile_id, limit=50)
        if any(t.task_type is schedule.task_type and not t.status.finished for t in pending):
            return "previous_run_pending", ""  # never pile runs up behind a slow or stopped worker
        try:
            task = await self.tasks.create(schedule.user_id, schedule.task_type.value, schedule.profile_id,
                                           schedule.config)
        except DomainError as exc:
            log.warning("schedule_task_refused", schedule_id=schedule.id, error=str(exc))
            return "refused", ""
        return "enqueued", task.id



