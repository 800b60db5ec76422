"""Database access of the automation service: profiles, tasks, handled items and workers (all per user)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import and_, delete, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from automation.adapters.tables import HandledItemRow, ProfileRow, TaskRow, WorkerRow
from automation.domain.errors import NotFound
from automation.domain.model import Fingerprint, Profile, ProfileStatus, Task, TaskStatus, TaskType


def utcnow() -> datetime:
    return datetime.now(UTC)


def aware(moment: datetime | None) -> datetime | None:
    """SQLite hands back naive datetimes: they were written in UTC."""
    if moment is None or moment.tzinfo is not None:
        return moment
    return moment.replace(tzinfo=UTC)


def _profile(row: ProfileRow) -> Profile:
    return Profile(
        id=row.id, user_id=row.user_id, name=row.name, region=row.region, seller_center_url=row.seller_center_url,
        login_masked=row.login_masked, has_proxy=row.has_proxy, status=ProfileStatus(row.status),
        status_reason=row.status_reason, fingerprint=Fingerprint(**row.fingerprint),
        daily_caps={k: int(v) for k, v in (row.daily_caps or {}).items()}, active_hours=row.active_hours,
        created_at=aware(row.created_at) or utcnow(), last_verified_at=aware(row.last_verified_at),
        has_session=bool(row.session_state_enc),
    )


def _task(row: TaskRow) -> Task:
    return Task(
        id=row.id, user_id=row.user_id, task_type=TaskType(row.task_type), profile_id=row.profile_id,
        config=dict(row.config or {}), status=TaskStatus(row.status), created_at=aware(row.created_at) or utcnow(),
        progress_done=row.progress_done, progress_total=row.progress_total, result=dict(row.result or {}),
        error=row.error, error_kind=row.error_kind, retry_count=row.retry_count,
        started_at=aware(row.started_at), finished_at=aware(row.finished_at), worker_id=row.worker_id,
        cancel_requested=row.cancel_requested, artifacts=list(row.artifacts or []),
    )


class ProfileRepository:
    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions

    async def add(self, profile: Profile, credentials_enc: str) -> Profile:
        async with self._sessions.begin() as s:
            s.add(ProfileRow(
                id=profile.id, user_id=profile.user_id, name=profile.name, region=profile.region,
                seller_center_url=profile.seller_center_url, login_masked=profile.login_masked,
                credentials_enc=credentials_enc, session_state_enc=None, has_proxy=profile.has_proxy,
                status=profile.status.value, status_reason=profile.status_reason,
                fingerprint=profile.fingerprint.as_dict(), daily_caps=profile.daily_caps,
                active_hours=profile.active_hours, created_at=profile.created_at, updated_at=profile.created_at,
            ))
        return profile

    async def _row(self, s: AsyncSession, user_id: str, profile_id: str) -> ProfileRow:
        row = await s.get(ProfileRow, profile_id)
        if row is None or row.user_id != user_id:  # another seller's profile does not exist for this one
            raise NotFound(f"profile {profile_id} not found")
        return row

    async def get(self, user_id: str, profile_id: str) -> Profile:
        async with self._sessions() as s:
            return _profile(await self._row(s, user_id, profile_id))

    async def get_any(self, profile_id: str) -> Profile | None:
        async with self._sessions() as s:
            row = await s.get(ProfileRow, profile_id)
            return _profile(row) if row else None

    async def for_user(self, user_id: str) -> list[Profile]:
        async with self._sessions() as s:
            rows = await s.scalars(select(ProfileRow).where(ProfileRow.user_id == user_id)
                                   .order_by(ProfileRow.created_at))
            return [_profile(r) for r in rows]

    async def delete(self, user_id: str, profile_id: str) -> None:
        async with self._sessions.begin() as s:
            await s.delete(await self._row(s, user_id, profile_id))
            await s.execute(delete(TaskRow).where(TaskRow.profile_id == profile_id))
            await s.execute(delete(HandledItemRow).where(HandledItemRow.profile_id == profile_id))

    async def encrypted_secrets(self, profile_id: str) -> tuple[str, str | None]:
        async with self._sessions() as s:
            row = await s.get(ProfileRow, profile_id)
            if row is None:
                raise NotFound(f"profile {profile_id} not found")
            return row.credentials_enc, row.session_state_enc

    async def set_status(self, profile_id: str, status: ProfileStatus, reason: str = "",
                         session_state_enc: str | None = None, clear_session: bool = False) -> None:
        values: dict[str, Any] = {"status": status.value, "status_reason": reason, "updated_at": utcnow()}
        if status is ProfileStatus.VERIFIED:
            values["last_verified_at"] = utcnow()
        if session_state_enc is not None:
            values["session_state_enc"] = session_state_enc
        if clear_session:
            values["session_state_enc"] = None
        async with self._sessions.begin() as s:
            await s.execute(update(ProfileRow).where(ProfileRow.id == profile_id).values(**values))

    async def save_session(self, profile_id: str, session_state_enc: str) -> None:
        async with self._sessions.begin() as s:
            await s.execute(update(ProfileRow).where(ProfileRow.id == profile_id)
                            .values(session_state_enc=session_state_enc, updated_at=utcnow()))

    async def acquire_lease(self, profile_id: str, owner: str, ttl: timedelta) -> bool:
        """One writer per profile across every worker process: a conditional update is the lock."""
        now = utcnow()
        async with self._sessions.begin() as s:
            result = await s.execute(
                update(ProfileRow)
                .where(ProfileRow.id == profile_id,
                       or_(ProfileRow.lease_owner.is_(None), ProfileRow.lease_owner == owner,
                           ProfileRow.lease_expires_at < now))
                .values(lease_owner=owner, lease_expires_at=now + ttl)
            )
            return bool(result.rowcount)  # type: ignore[attr-defined]

    async def renew_leases(self, owner: str, ttl: timedelta) -> None:
        async with self._sessions.begin() as s:
            await s.execute(update(ProfileRow).where(ProfileRow.lease_owner == owner)
                            .values(lease_expires_at=utcnow() + ttl))

    async def release_lease(self, profile_id: str, owner: str) -> None:
        async with self._sessions.begin() as s:
            await s.execute(update(ProfileRow).where(ProfileRow.id == profile_id, ProfileRow.lease_owner == owner)
                            .values(lease_owner=None, lease_expires_at=None))

    async def count_verified(self, user_id: str | None = None) -> int:
        query = select(func.count()).select_from(ProfileRow).where(ProfileRow.status == ProfileStatus.VERIFIED.value)
        if user_id is not None:
            query = query.where(ProfileRow.user_id == user_id)
        async with self._sessions() as s:
            return int(await s.scalar(query) or 0)

    async def count(self, user_id: str) -> int:
        async with self._sessions() as s:
            return int(await s.scalar(select(func.count()).select_from(ProfileRow)
                                      .where(ProfileRow.user_id == user_id)) or 0)


class TaskRepository:
    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions

    async def add(self, task: Task) -> Task:
        async with self._sessions.begin() as s:
            s.add(TaskRow(
                id=task.id, user_id=task.user_id, task_type=task.task_type.value, profile_id=task.profile_id,
                config=task.config, status=task.status.value, progress_done=0, progress_total=0, result={},
                error="", error_kind="", retry_count=0, created_at=task.created_at, worker_id="",
                cancel_requested=False, artifacts=[],
            ))
        return task

    async def get(self, user_id: str, task_id: str) -> Task:
        async with self._sessions() as s:
            row = await s.get(TaskRow, task_id)
            if row is None or row.user_id != user_id:
                raise NotFound(f"task {task_id} not found")
            return _task(row)

    async def get_any(self, task_id: str) -> Task | None:
        async with self._sessions() as s:
            row = await s.get(TaskRow, task_id)
            return _task(row) if row else None

    async def for_user(self, user_id: str, status: TaskStatus | None = None, profile_id: str = "",
                   limit: int = 200) -> list[Task]:
        query = select(TaskRow).where(TaskRow.user_id == user_id)
        if status is not None:
            query = query.where(TaskRow.status == status.value)
        if profile_id:
            query = query.where(TaskRow.profile_id == profile_id)
        async with self._sessions() as s:
            rows = await s.scalars(query.order_by(TaskRow.created_at.desc()).limit(max(1, min(limit, 1000))))
            return [_task(r) for r in rows]

    async def delete(self, task_id: str) -> None:
        async with self._sessions.begin() as s:
            await s.execute(delete(TaskRow).where(TaskRow.id == task_id))

    async def queued(self, user_id: str) -> list[Task]:
        async with self._sessions() as s:
            rows = await s.scalars(select(TaskRow).where(TaskRow.user_id == user_id,
                                                         TaskRow.status == TaskStatus.QUEUED.value)
                                   .order_by(TaskRow.created_at))
            return [_task(r) for r in rows]

    async def running(self, user_id: str | None = None) -> list[Task]:
        query = select(TaskRow).where(TaskRow.status == TaskStatus.RUNNING.value)
        if user_id is not None:
            query = query.where(TaskRow.user_id == user_id)
        async with self._sessions() as s:
            return [_task(r) for r in await s.scalars(query)]

    async def claim(self, task_id: str, worker_id: str) -> bool:
        """queued → running for exactly one worker (conditional update)."""
        async with self._sessions.begin() as s:
            result = await s.execute(
                update(TaskRow).where(TaskRow.id == task_id, TaskRow.status == TaskStatus.QUEUED.value)
                .values(status=TaskStatus.RUNNING.value, worker_id=worker_id, started_at=utcnow(),
                        finished_at=None, error="", error_kind="", progress_done=0)
            )
            return bool(result.rowcount)  # type: ignore[attr-defined]

    async def progress(self, task_id: str, done: int, total: int) -> None:
        async with self._sessions.begin() as s:
            await s.execute(update(TaskRow).where(TaskRow.id == task_id)
                            .values(progress_done=done, progress_total=total))

    async def finish(self, task_id: str, status: TaskStatus, *, result: dict[str, Any] | None = None,
                     error: str = "", error_kind: str = "", artifacts: list[str] | None = None,
                     done: int | None = None, total: int | None = None) -> Task | None:
        values: dict[str, Any] = {"status": status.value, "finished_at": utcnow(), "error": error,
                                  "error_kind": error_kind, "result": result or {}}
        if artifacts is not None:
            values["artifacts"] = artifacts
        if done is not None:
            values["progress_done"] = done
        if total is not None:
            values["progress_total"] = total
        async with self._sessions.begin() as s:
            await s.execute(update(TaskRow).where(TaskRow.id == task_id).values(**values))
        return await self.get_any(task_id)

    async def requeue(self, task_id: str, retry_count: int, reason: str) -> None:
        async with self._sessions.begin() as s:
            await s.execute(update(TaskRow).where(TaskRow.id == task_id).values(
                status=TaskStatus.QUEUED.value, retry_count=retry_count, worker_id="", error=reason,
                error_kind="worker_crashed", started_at=None, finished_at=None))

    async def request_cancel(self, task_id: str) -> None:
        async with self._sessions.begin() as s:
            await s.execute(update(TaskRow).where(TaskRow.id == task_id).values(cancel_requested=True))

    async def cancel_requested(self, task_id: str) -> bool:
        async with self._sessions() as s:
            return bool(await s.scalar(select(TaskRow.cancel_requested).where(TaskRow.id == task_id)))

    async def stats(self, user_id: str) -> dict[str, Any]:
        async with self._sessions() as s:
            by_status = dict((await s.execute(select(TaskRow.status, func.count()).where(TaskRow.user_id == user_id)
                                              .group_by(TaskRow.status))).all())
            by_type = dict((await s.execute(select(TaskRow.task_type, func.count()).where(TaskRow.user_id == user_id)
                                            .group_by(TaskRow.task_type))).all())
            finished = (await s.execute(select(TaskRow.started_at, TaskRow.finished_at).where(
                TaskRow.user_id == user_id, TaskRow.status == TaskStatus.COMPLETED.value,
                TaskRow.started_at.is_not(None), TaskRow.finished_at.is_not(None)))).all()
        durations = [((aware(f) or utcnow()) - (aware(st) or utcnow())).total_seconds() for st, f in finished]
        return {"by_status": {k: int(v) for k, v in by_status.items()},
                "by_type": {k: int(v) for k, v in by_type.items()},
                "average_duration": sum(durations) / len(durations) if durations else 0.0}

    async def count_queued(self, user_id: str) -> int:
        async with self._sessions() as s:
            return int(await s.scalar(select(func.count()).select_from(TaskRow).where(
                TaskRow.user_id == user_id, TaskRow.status == TaskStatus.QUEUED.value)) or 0)


class HandledItemRepository:
    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions

    async def handled_ids(self, profile_id: str, kind: TaskType) -> set[str]:
        async with self._sessions() as s:
            rows = await s.scalars(select(HandledItemRow.item_id).where(
                HandledItemRow.profile_id == profile_id, HandledItemRow.kind == kind.value))
            return set(rows)

    async def record(self, profile_id: str, kind: TaskType, item_id: str, task_id: str, detail: str) -> bool:
        """Remember an answered item; False when it was already recorded (never answer twice)."""
        try:
            async with self._sessions.begin() as s:
                s.add(HandledItemRow(profile_id=profile_id, kind=kind.value, item_id=item_id, task_id=task_id,
                                     detail=detail[:2000], handled_at=utcnow()))
        except IntegrityError:
            return False
        return True

    async def count_since(self, profile_id: str, kind: TaskType, since: datetime) -> int:
        async with self._sessions() as s:
            return int(await s.scalar(select(func.count()).select_from(HandledItemRow).where(
                HandledItemRow.profile_id == profile_id, HandledItemRow.kind == kind.value,
                HandledItemRow.handled_at >= since)) or 0)


class WorkerRepository:
    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions

    async def get(self, user_id: str) -> WorkerRow | None:
        async with self._sessions() as s:
            return await s.get(WorkerRow, user_id)

    async def save(self, user_id: str, **values: Any) -> None:
        try:
            await self._save(user_id, values)
        except IntegrityError:  # two requests (a start and a stop) created the seller's row at once
            await self._save(user_id, values)

    async def _save(self, user_id: str, values: dict[str, Any]) -> None:
        async with self._sessions.begin() as s:
            row = await s.get(WorkerRow, user_id)
            if row is None:
                s.add(WorkerRow(user_id=user_id, **{"worker_id": "", "process_id": "", "stopped_reason": "",
                                                    **values}))
                return
            for key, value in values.items():
                setattr(row, key, value)

    async def heartbeat(self, worker_ids: list[str]) -> None:
        if not worker_ids:
            return
        async with self._sessions.begin() as s:
            await s.execute(update(WorkerRow).where(WorkerRow.worker_id.in_(worker_ids)).values(heartbeat_at=utcnow()))

    async def live_worker_ids(self, ttl: timedelta) -> set[str]:
        async with self._sessions() as s:
            rows = await s.scalars(select(WorkerRow.worker_id).where(
                and_(WorkerRow.state != "stopped", WorkerRow.heartbeat_at >= utcnow() - ttl)))
            return set(rows)

    async def desired_running(self) -> list[WorkerRow]:
        async with self._sessions() as s:
            return list(await s.scalars(select(WorkerRow).where(WorkerRow.desired_running.is_(True))))
