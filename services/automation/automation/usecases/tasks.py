"""Automation tasks of a seller: create (config validated per type), list, cancel/delete, artifacts, stats."""

from __future__ import annotations

import asyncio
import time
import uuid
from dataclasses import dataclass
from typing import Any

import structlog

from automation.adapters.repository import utcnow
from automation.components import Components
from automation.domain.errors import InvalidField, InvalidInput, NotFound
from automation.domain.model import ProfileStatus, Task, TaskStatus, TaskType
from automation.domain.task_configs import parse_config
from automation.metrics import TASK_CREATED
from automation.worker.supervisor import WorkerSupervisor
from automation.worker.task_run import status_payload

log = structlog.get_logger(__name__)
CANCEL_WAIT_SECONDS = 20.0


@dataclass
class DeleteResult:
    id: str
    cancelled: bool
    deleted: bool


@dataclass
class Stats:
    total_tasks: int
    by_status: dict[str, int]
    by_type: dict[str, int]
    success_rate: float
    average_duration_seconds: float
    active_profiles: int
    total_profiles: int
    worker_running: bool


class TaskService:
    def __init__(self, components: Components, supervisor: WorkerSupervisor) -> None:
        self.c = components
        self.supervisor = supervisor

    async def create(self, user_id: str, task_type: str, profile_id: str, config: dict[str, Any]) -> Task:
        try:
            kind = TaskType(task_type)
        except ValueError as exc:
            raise InvalidInput("unknown task type", [InvalidField(
                "task_type", f"must be one of {[t.value for t in TaskType]}")]) from exc
        if not profile_id:
            raise InvalidInput("profile_id is required", [InvalidField("profile_id", "required")])
        parsed = parse_config(kind, config)
        try:
            await self.c.profiles.get(user_id, profile_id)
        except NotFound as exc:
            raise InvalidInput("unknown profile", [InvalidField("profile_id", str(exc))]) from exc
        task = Task(id=str(uuid.uuid4()), user_id=user_id, task_type=kind, profile_id=profile_id,
                    config=parsed.model_dump(mode="json"), status=TaskStatus.QUEUED, created_at=utcnow())
        await self.c.tasks.add(task)
        await self.c.status.put_task_status(task.id, status_payload(task))
        TASK_CREATED.labels(kind.value).inc()
        log.info("bot_task_created", task_id=task.id, task_type=kind.value, user_id=user_id)
        self.supervisor.wake(user_id)
        return task

    async def list_for(self, user_id: str, status: str = "", profile_id: str = "", limit: int = 200) -> list[Task]:
        return await self.c.tasks.for_user(user_id, TaskStatus(status) if status else None, profile_id, limit)

    async def get(self, user_id: str, task_id: str) -> Task:
        return await self.c.tasks.get(user_id, task_id)

    async def delete(self, user_id: str, task_id: str) -> DeleteResult:
        """A running task is cancelled cleanly (its current step finishes) and kept as `cancelled`;
        any other task is removed."""
        task = await self.c.tasks.get(user_id, task_id)
        if task.status is not TaskStatus.RUNNING:
            await self.c.tasks.delete(task_id)
            self.c.artifacts.remove(task_id)
            return DeleteResult(task_id, cancelled=False, deleted=True)
        await self.c.tasks.request_cancel(task_id)
        self.supervisor.cancel_task(task_id)  # in this process: at once; elsewhere: the flag in the DB
        deadline = time.monotonic() + CANCEL_WAIT_SECONDS
        while time.monotonic() < deadline:
            current = await self.c.tasks.get(user_id, task_id)
            if current.status is not TaskStatus.RUNNING:
                return DeleteResult(task_id, cancelled=current.status is TaskStatus.CANCELLED, deleted=False)
            await asyncio.sleep(0.1)
        return DeleteResult(task_id, cancelled=True, deleted=False)

    async def artifact(self, user_id: str, task_id: str, name: str) -> tuple[bytes, str]:
        task = await self.c.tasks.get(user_id, task_id)
        if name not in task.artifacts:
            raise NotFound(f"task {task_id} has no artifact {name!r}; it has {task.artifacts}")
        found = self.c.artifacts.read(task_id, name)
        if found is None:
            raise NotFound(f"artifact {name!r} of task {task_id} was pruned")
        return found

    async def stats(self, user_id: str) -> Stats:
        raw = await self.c.tasks.stats(user_id)
        by_status: dict[str, int] = raw["by_status"]
        completed = by_status.get(TaskStatus.COMPLETED.value, 0)
        finished = completed + by_status.get(TaskStatus.FAILED.value, 0) + by_status.get(
            TaskStatus.NEEDS_ATTENTION.value, 0)
        profiles = await self.c.profiles.for_user(user_id)
        worker = await self.supervisor.view(user_id)
        return Stats(
            total_tasks=sum(by_status.values()), by_status=by_status, by_type=raw["by_type"],
            success_rate=round(completed / finished, 4) if finished else 0.0,
            average_duration_seconds=round(raw["average_duration"], 3),
            active_profiles=sum(1 for p in profiles if p.status is ProfileStatus.VERIFIED),
            total_profiles=len(profiles), worker_running=worker.running,
        )
