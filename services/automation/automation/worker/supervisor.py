"""The worker process: one queue runner per seller, heartbeats, profile leases and crash recovery.

All runners of a process share one Chromium (`SharedBrowser`). A runner takes a seller's queued tasks, at most
`max_parallel_profiles` at a time and one per profile; a lease in the database makes sure two worker processes
never drive the same profile. Tasks left `running` under a dead heartbeat are re-queued with retry_count + 1.
"""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import structlog

from automation.adapters.repository import utcnow
from automation.adapters.status_store import HEARTBEAT_TTL_SECONDS
from automation.components import Components
from automation.domain.errors import Conflict
from automation.domain.model import Profile, ProfileStatus, Task, TaskStatus
from automation.domain.schedule import within_active_hours
from automation.metrics import ACTIVE_PROFILES, WORKER_STARTED, WORKER_STATUS, WORKER_STOPPED
from automation.worker.task_run import Stopper, TaskRunner, remaining_today, status_payload

log = structlog.get_logger(__name__)
HEARTBEAT_EVERY_SECONDS = 10
HEARTBEAT_TTL = timedelta(seconds=HEARTBEAT_TTL_SECONDS)


@dataclass
class WorkerView:
    worker_id: str = ""
    running: bool = False
    state: str = "stopped"
    started_at: datetime | None = None
    last_heartbeat_at: datetime | None = None
    active_tasks: int = 0
    queued_tasks: int = 0
    profiles: list[str] = field(default_factory=list)
    max_parallel_profiles: int = 0
    process_id: str = ""


@dataclass
class _Running:
    job: asyncio.Task[None]
    stopper: Stopper
    profile_id: str


class SellerWorker:
    """Queue runner for one seller (user)."""

    def __init__(self, supervisor: WorkerSupervisor, user_id: str, max_parallel: int) -> None:
        self.s = supervisor
        self.c = supervisor.c
        self.user_id = user_id
        self.max_parallel = max_parallel
        self.worker_id = f"w-{uuid.uuid4().hex[:12]}"
        self.state = "running"
        self.started_at = utcnow()
        self.running: dict[str, _Running] = {}
        self.wake = asyncio.Event()
        self._loop: asyncio.Task[None] | None = None
        self._stop_job: asyncio.Task[WorkerView] | None = None

    async def start(self) -> None:
        await self.c.workers.save(
            self.user_id, worker_id=self.worker_id, process_id=self.c.process_id, desired_running=True,
            state="running", max_parallel_profiles=self.max_parallel, started_at=self.started_at,
            heartbeat_at=self.started_at, stopped_reason="",
        )
        await self.s.recover_orphans(self.user_id)
        self._loop = asyncio.create_task(self._run_loop(), name=f"worker:{self.user_id}")
        profiles = [p.id for p in await self.c.profiles.for_user(self.user_id) if p.status is ProfileStatus.VERIFIED]
        await self.c.events.worker("started", self.user_id, self.worker_id, profiles)
        WORKER_STARTED.inc()
        log.info("bot_worker_started", worker_id=self.worker_id, user_id=self.user_id, profiles=profiles)

    async def _run_loop(self) -> None:
        while self.state == "running":
            try:
                if await self._stopped_elsewhere():
                    return
                await self._fill()
            except Exception:
                log.exception("worker_fill_failed", worker_id=self.worker_id)
            self.wake.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.wake.wait(), timeout=self.c.settings.worker_poll_seconds)

    async def _stopped_elsewhere(self) -> bool:
        """/bot/stop may reach another replica, which can only clear `desired_running`: the replica running this
        worker notices on its next round (within worker_poll_seconds) and stops it."""
        row = await self.c.workers.get(self.user_id)
        if row is None or row.desired_running or row.worker_id != self.worker_id:
            return False
        reason = row.stopped_reason or "stopped through another replica"
        self._stop_job = asyncio.create_task(self.s.stop_worker(self.user_id, reason), name=f"stop:{self.user_id}")
        return True

    async def _eligible(self, task: Task, profile: Profile | None, busy: set[str]) -> bool:
        if profile is None or task.profile_id in busy:
            return False
        if profile.status is not ProfileStatus.VERIFIED and not await self._api_sync(task, profile):
            return False  # paused profiles (captcha, expired, 2FA) keep their tasks queued until verified
        if not within_active_hours(profile.active_hours, profile.fingerprint.timezone, datetime.now(UTC)):
            return False
        return await remaining_today(self.c, profile, task) > 0

    async def _api_sync(self, task: Task, profile: Profile) -> bool:
        """A shop sync over the Open API needs no Seller Center login."""
        if not task.task_type.is_shop_sync or not self.c.shop_app.configured:
            return False
        return await self.c.shop_connections.get(profile.id) is not None

    async def _fill(self) -> None:
        free = self.max_parallel - len(self.running)
        if free <= 0:
            return
        busy = {r.profile_id for r in self.running.values()}
        profiles: dict[str, Profile | None] = {}
        for task in await self.c.tasks.queued(self.user_id):
            if free <= 0 or self.state != "running":
                return
            if task.profile_id not in profiles:
                profiles[task.profile_id] = await self.c.profiles.get_any(task.profile_id)
            if not await self._eligible(task, profiles[task.profile_id], busy):
                continue
            lease_ttl = timedelta(seconds=self.c.settings.profile_lease_seconds)
            if not await self.c.profiles.acquire_lease(task.profile_id, self.worker_id, lease_ttl):
                continue  # another worker process drives this profile right now
            if not await self.c.tasks.claim(task.id, self.worker_id):
                await self.c.profiles.release_lease(task.profile_id, self.worker_id)
                continue
            claimed = await self.c.tasks.get_any(task.id)
            if claimed is None:
                await self.c.profiles.release_lease(task.profile_id, self.worker_id)
                continue
            busy.add(task.profile_id)
            free -= 1
            stopper = Stopper()
            job = asyncio.create_task(self._run_one(claimed, stopper), name=f"task:{task.id}")
            self.running[task.id] = _Running(job, stopper, task.profile_id)

    async def _run_one(self, task: Task, stopper: Stopper) -> None:
        try:
            await self.s.runner.run(task, stopper)
        except Exception:
            log.exception("task_runner_crashed", task_id=task.id)
            await self.c.tasks.finish(task.id, TaskStatus.FAILED, error="internal error in the worker",
                                      error_kind="internal")
        finally:
            self.running.pop(task.id, None)
            await self.c.profiles.release_lease(task.profile_id, self.worker_id)
            self.wake.set()

    def cancel(self, task_id: str) -> bool:
        running = self.running.get(task_id)
        if running is None:
            return False
        running.stopper.stop("cancelled")
        return True

    async def stop(self, reason: str, keep_desired: bool = False) -> None:
        """Let each running task finish its current step, re-queue it, then close down."""
        self.state = "stopping"
        await self.c.workers.save(self.user_id, state="stopping", desired_running=keep_desired)
        for running in self.running.values():
            running.stopper.stop("worker_stopped")
        jobs = [r.job for r in self.running.values()]
        if jobs:
            await asyncio.gather(*jobs, return_exceptions=True)
        if self._loop is not None:
            self._loop.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._loop
        self.state = "stopped"
        await self.c.workers.save(self.user_id, state="stopped", stopped_reason=reason)
        profiles = [p.id for p in await self.c.profiles.for_user(self.user_id) if p.status is ProfileStatus.VERIFIED]
        await self.c.events.worker("stopped", self.user_id, self.worker_id, profiles, reason)
        WORKER_STOPPED.inc()
        log.info("bot_worker_stopped", worker_id=self.worker_id, user_id=self.user_id, reason=reason)


class WorkerSupervisor:
    def __init__(self, components: Components) -> None:
        self.c = components
        self.runner = TaskRunner(components)
        self.workers: dict[str, SellerWorker] = {}
        self._heartbeat: asyncio.Task[None] | None = None
        self._lock = asyncio.Lock()

    # ----- lifecycle ---------------------------------------------------------------------------------
    async def start(self) -> None:
        self._heartbeat = asyncio.create_task(self._heartbeat_loop(), name="worker-heartbeat")
        if self.c.settings.worker_autostart:
            await self._resume_desired()
        await self._refresh_gauges()

    async def _resume_desired(self) -> None:
        """Workers the sellers left running before a restart or crash come back (if no live process has them)."""
        live = await self.c.workers.live_worker_ids(HEARTBEAT_TTL)
        for row in await self.c.workers.desired_running():
            if row.worker_id in live and row.process_id != self.c.process_id:
                continue
            with contextlib.suppress(Conflict):
                await self.start_worker(row.user_id, row.max_parallel_profiles, resumed=True)

    async def shutdown(self) -> None:
        if self._heartbeat is not None:
            self._heartbeat.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._heartbeat
        for worker in list(self.workers.values()):
            if worker.state == "running":
                await worker.stop("service shutdown", keep_desired=True)
        self.workers.clear()
        WORKER_STATUS.set(0)

    # ----- commands ----------------------------------------------------------------------------------
    async def start_worker(self, user_id: str, max_parallel: int = 0, resumed: bool = False) -> WorkerView:
        async with self._lock:
            current = await self.view(user_id)
            if current.running:
                raise Conflict(
                    f"worker already running (worker_id={current.worker_id}, state={current.state}, "
                    f"active_tasks={current.active_tasks}, queued_tasks={current.queued_tasks}, "
                    f"started_at={current.started_at.isoformat() if current.started_at else ''})"
                )
            worker = SellerWorker(self, user_id, max_parallel or self.c.settings.worker_max_parallel_profiles)
            self.workers[user_id] = worker
            await worker.start()
        WORKER_STATUS.set(1)
        await self._beat()
        if resumed:
            log.info("worker_resumed", user_id=user_id, worker_id=worker.worker_id)
        return await self.view(user_id)

    async def stop_worker(self, user_id: str, reason: str) -> WorkerView:
        worker = self.workers.get(user_id)
        if worker is None or worker.state != "running":
            row = await self.c.workers.get(user_id)
            if row is not None and row.desired_running:  # the worker may run on another replica: it stops itself
                await self.c.workers.save(user_id, desired_running=False, stopped_reason=reason)
            return await self.view(user_id)
        await worker.stop(reason)
        self.workers.pop(user_id, None)
        if not any(w.state == "running" for w in self.workers.values()):
            WORKER_STATUS.set(0)
            await self.c.browser.close_if_idle()  # nothing runs: give the memory back
        return await self.view(user_id)

    def cancel_task(self, task_id: str) -> bool:
        return any(worker.cancel(task_id) for worker in self.workers.values())

    def wake(self, user_id: str) -> None:
        worker = self.workers.get(user_id)
        if worker is not None:
            worker.wake.set()

    async def view(self, user_id: str) -> WorkerView:
        queued = await self.c.tasks.count_queued(user_id)
        worker = self.workers.get(user_id)
        heartbeat = await self.c.status.get("bot:worker:heartbeat")
        beat_at = datetime.fromisoformat(heartbeat["at"]) if heartbeat and heartbeat.get("at") else None
        if worker is not None and worker.state != "stopped":
            return WorkerView(
                worker.worker_id, True, worker.state, worker.started_at, beat_at, len(worker.running), queued,
                sorted({r.profile_id for r in worker.running.values()}), worker.max_parallel, self.c.process_id,
            )
        row = await self.c.workers.get(user_id)
        if row is None:
            return WorkerView(queued_tasks=queued, max_parallel_profiles=self.c.settings.worker_max_parallel_profiles)
        live = row.worker_id in await self.c.workers.live_worker_ids(HEARTBEAT_TTL)
        running = live and row.state != "stopped"  # a worker of another live process
        active = len(await self.c.tasks.running(user_id)) if running else 0
        return WorkerView(row.worker_id, running, row.state if running else "stopped", row.started_at,
                          row.heartbeat_at, active, queued, [], row.max_parallel_profiles, row.process_id)

    # ----- liveness and recovery ---------------------------------------------------------------------
    async def _heartbeat_loop(self) -> None:
        while True:
            try:
                await self._beat()
                await self.recover_orphans()
                await self._refresh_gauges()
            except Exception:
                log.exception("heartbeat_failed")
            await asyncio.sleep(HEARTBEAT_EVERY_SECONDS)

    async def _beat(self) -> None:
        running = [w for w in self.workers.values() if w.state != "stopped"]
        if not running:
            return
        await self.c.workers.heartbeat([w.worker_id for w in running])
        lease_ttl = timedelta(seconds=self.c.settings.profile_lease_seconds)
        for worker in running:
            await self.c.profiles.renew_leases(worker.worker_id, lease_ttl)
        await self.c.status.put_heartbeat({
            "process_id": self.c.process_id, "at": utcnow().isoformat(),
            "workers": [{"worker_id": w.worker_id, "user_id": w.user_id, "active_tasks": len(w.running)}
                        for w in running],
        })

    async def recover_orphans(self, user_id: str | None = None) -> int:
        """Re-queue tasks left running by a worker whose heartbeat died (retry_count + 1, up to a limit)."""
        live = await self.c.workers.live_worker_ids(HEARTBEAT_TTL)
        mine = {task_id for w in self.workers.values() for task_id in w.running}
        recovered = 0
        for task in await self.c.tasks.running(user_id):
            if task.id in mine or task.worker_id in live:
                continue
            recovered += 1
            await self.c.profiles.release_lease(task.profile_id, task.worker_id)  # the dead worker's lease
            if task.retry_count >= self.c.settings.crash_retry_limit:
                finished = await self.c.tasks.finish(
                    task.id, TaskStatus.FAILED, error=f"worker crashed {task.retry_count + 1} times during this task",
                    error_kind="worker_crashed")
                if finished is not None:
                    await self.c.status.put_task_status(task.id, status_payload(finished))
                    await self.c.events.task("failed", finished)
                continue
            await self.c.tasks.requeue(task.id, task.retry_count + 1, f"re-queued: worker {task.worker_id} died")
            log.warning("task_requeued_after_crash", task_id=task.id, dead_worker=task.worker_id,
                        retry_count=task.retry_count + 1)
        return recovered

    async def _refresh_gauges(self) -> None:
        ACTIVE_PROFILES.set(await self.c.profiles.count_verified())
        WORKER_STATUS.set(1 if any(w.state == "running" for w in self.workers.values()) else 0)
