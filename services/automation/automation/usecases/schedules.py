"""Recurring schedules of a seller: every N minutes a task of a type for a profile, within its active hours."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

import structlog

from automation.adapters.repository import utcnow
from automation.adapters.schedule_store import Schedule
from automation.components import Components
from automation.domain.errors import InvalidField, InvalidInput, NotFound
from automation.domain.model import TaskType
from automation.domain.task_configs import parse_config

log = structlog.get_logger(__name__)
MIN_EVERY_MINUTES = 1
MAX_EVERY_MINUTES = 7 * 24 * 60


class ScheduleService:
    def __init__(self, components: Components) -> None:
        self.c = components

    async def create(self, user_id: str, task_type: str, profile_id: str, every_minutes: int,
                     config: dict[str, Any], paused: bool = False) -> Schedule:
        try:
            kind = TaskType(task_type)
        except ValueError as exc:
            raise InvalidInput("unknown task type", [InvalidField(
                "task_type", f"must be one of {[t.value for t in TaskType]}")]) from exc
        if not MIN_EVERY_MINUTES <= every_minutes <= MAX_EVERY_MINUTES:
            raise InvalidInput("bad interval", [InvalidField(
                "every_minutes", f"must be {MIN_EVERY_MINUTES}-{MAX_EVERY_MINUTES}")])
        parsed = parse_config(kind, config)
        try:
            await self.c.profiles.get(user_id, profile_id)
        except NotFound as exc:
            raise InvalidInput("unknown profile", [InvalidField("profile_id", str(exc))]) from exc
        now = utcnow()
        schedule = Schedule(
            id=str(uuid.uuid4()), user_id=user_id, profile_id=profile_id, task_type=kind,
            config=parsed.model_dump(mode="json", exclude_defaults=True), every_minutes=every_minutes,
            paused=paused, next_run_at=now, last_run_at=None, last_task_id="", last_outcome="", created_at=now,
        )  # the first run is due at once; then every N minutes
        await self.c.schedules.add(schedule)
        log.info("bot_schedule_created", schedule_id=schedule.id, task_type=kind.value, user_id=user_id,
                 every_minutes=every_minutes)
        return schedule

    async def list_for(self, user_id: str, profile_id: str = "") -> list[Schedule]:
        return await self.c.schedules.for_user(user_id, profile_id)

    async def get(self, user_id: str, schedule_id: str) -> Schedule:
        return await self.c.schedules.get(user_id, schedule_id)

    async def pause(self, user_id: str, schedule_id: str) -> Schedule:
        current = await self.c.schedules.get(user_id, schedule_id)
        return await self.c.schedules.set_paused(user_id, schedule_id, True, current.next_run_at)

    async def resume(self, user_id: str, schedule_id: str) -> Schedule:
        """Resuming does not catch up missed runs: the next one is one interval from now."""
        current = await self.c.schedules.get(user_id, schedule_id)
        if not current.paused:
            return current
        next_run = utcnow() + timedelta(minutes=current.every_minutes)
        return await self.c.schedules.set_paused(user_id, schedule_id, False, next_run)

    async def delete(self, user_id: str, schedule_id: str) -> None:
        await self.c.schedules.delete(user_id, schedule_id)
