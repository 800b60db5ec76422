"""Database access of recurring schedules; `claim_due` is the cross-replica lock (a conditional update)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from automation.adapters.repository import aware, utcnow
from automation.adapters.tables import ScheduleRow
from automation.domain.errors import NotFound
from automation.domain.model import TaskType


@dataclass(frozen=True)
class Schedule:
    id: str
    user_id: str
    profile_id: str
    task_type: TaskType
    config: dict[str, Any]
    every_minutes: int
    paused: bool
    next_run_at: datetime
    last_run_at: datetime | None
    last_task_id: str
    last_outcome: str
    created_at: datetime


def _schedule(row: ScheduleRow) -> Schedule:
    return Schedule(row.id, row.user_id, row.profile_id, TaskType(row.task_type), dict(row.config or {}),
                    row.every_minutes, row.paused, aware(row.next_run_at) or utcnow(), aware(row.last_run_at),
                    row.last_task_id, row.last_outcome, aware(row.created_at) or utcnow())


class ScheduleRepository:
    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions

    async def add(self, schedule: Schedule) -> Schedule:
        async with self._sessions.begin() as s:
            s.add(ScheduleRow(
                id=schedule.id, user_id=schedule.user_id, profile_id=schedule.profile_id,
                task_type=schedule.task_type.value, config=schedule.config, every_minutes=schedule.every_minutes,
                paused=schedule.paused, next_run_at=schedule.next_run_at, last_run_at=None, last_task_id="",
                last_outcome="", created_at=schedule.created_at, updated_at=schedule.created_at,
            ))
        return schedule

    async def get(self, user_id: str, schedule_id: str) -> Schedule:
        async with self._sessions() as s:
            row = await s.get(ScheduleRow, schedule_id)
            if row is None or row.user_id != user_id:
                raise NotFound(f"schedule {schedule_id} not found")
            return _schedule(row)

    async def for_user(self, user_id: str, profile_id: str = "") -> list[Schedule]:
        query = select(ScheduleRow).where(ScheduleRow.user_id == user_id)
        if profile_id:
            query = query.where(ScheduleRow.profile_id == profile_id)
        async with self._sessions() as s:
            return [_schedule(r) for r in await s.scalars(query.order_by(ScheduleRow.created_at))]

    async def set_paused(self, user_id: str, schedule_id: str, paused: bool, next_run_at: datetime) -> Schedule:
        await self.get(user_id, schedule_id)
        async with self._sessions.begin() as s:
            await s.execute(update(ScheduleRow).where(ScheduleRow.id == schedule_id).values(
                paused=paused, next_run_at=next_run_at, updated_at=utcnow()))
        return await self.get(user_id, schedule_id)

    async def delete(self, user_id: str, schedule_id: str) -> None:
        await self.get(user_id, schedule_id)
        async with self._sessions.begin() as s:
            await s.execute(delete(ScheduleRow).where(ScheduleRow.id == schedule_id))

    async def delete_for_profile(self, profile_id: str) -> None:
        async with self._sessions.begin() as s:
            await s.execute(delete(ScheduleRow).where(ScheduleRow.profile_id == profile_id))

    async def due(self, now: datetime, limit: int = 100) -> list[Schedule]:
        async with self._sessions() as s:
            rows = await s.scalars(select(ScheduleRow).where(ScheduleRow.paused.is_(False),
                                                             ScheduleRow.next_run_at <= now)
                                   .order_by(ScheduleRow.next_run_at).limit(limit))
            return [_schedule(r) for r in rows]

    async def claim_due(self, schedule: Schedule, next_run_at: datetime) -> bool:
        """Move next_run_at forward only if nobody did since we read it: exactly one replica wins a due run."""
        async with self._sessions.begin() as s:
            result = await s.execute(update(ScheduleRow).where(
                ScheduleRow.id == schedule.id, ScheduleRow.paused.is_(False),
                ScheduleRow.next_run_at == schedule.next_run_at,
            ).values(next_run_at=next_run_at, last_run_at=utcnow(), updated_at=utcnow()))
            return bool(result.rowcount)  # type: ignore[attr-defined]

    async def record_run(self, schedule_id: str, outcome: str, task_id: str = "") -> None:
        values: dict[str, Any] = {"last_outcome": outcome, "updated_at": utcnow()}
        if task_id:
            values["last_task_id"] = task_id
        async with self._sessions.begin() as s:
            await s.execute(update(ScheduleRow).where(ScheduleRow.id == schedule_id).values(**values))


def next_after(moment: datetime, every_minutes: int, now: datetime) -> datetime:
    """The first slot of the schedule's cadence after `now` (missed slots are skipped, not caught up)."""
    step = timedelta(minutes=every_minutes)
    moment = moment.astimezone(UTC)
    if moment > now:
        return moment
    missed = (now - moment) // step + 1
    return moment + missed * step
