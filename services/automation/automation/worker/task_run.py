"""Runs one claimed task end to end: context from the saved session, executor, outcome, events, artifacts."""

from __future__ import annotations

import asyncio
import random
import time
from contextlib import suppress
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import structlog
from playwright.async_api import BrowserContext, Page

from automation.adapters.browser.names import names_for
from automation.adapters.shop_store import ShopConnection
from automation.adapters.tiktok_shop.client import ShopSession, ShopTokens
from automation.components import Components
from automation.domain.errors import NeedsAttention, RunError, TaskCancelled
from automation.domain.model import Profile, ProfileStatus, Task, TaskOutcome, TaskStatus
from automation.domain.schedule import daily_cap, local_day_start
from automation.domain.task_configs import TaskConfig, parse_config
from automation.executors.base import ExecutionContext
from automation.executors.registry import executor_for
from automation.executors.shop_sync import ShopSync
from automation.metrics import ACTIVE_TASKS, TASK_COMPLETED, TASK_DURATION, TASK_FAILED

log = structlog.get_logger(__name__)
PROGRESS_EVERY_SECONDS = 0.5


@dataclass
class Stopper:
    """Asks a running task to stop after its current step: a user's cancel, or the worker stopping."""

    event: asyncio.Event = field(default_factory=asyncio.Event)
    reason: str = ""

    def stop(self, reason: str) -> None:
        if not self.event.is_set():
            self.reason = reason
            self.event.set()


def status_payload(task: Task) -> dict[str, Any]:
    return {"status": task.status.value, "task_type": task.task_type.value, "profile_id": task.profile_id,
            "progress_done": task.progress_done, "progress_total": task.progress_total, "error": task.error,
            "retry_count": task.retry_count, "user_id": task.user_id}


async def remaining_today(c: Components, profile: Profile, task: Task) -> int:
    since = local_day_start(profile.fingerprint.timezone, datetime.now(UTC))
    used = await c.handled.count_since(profile.id, task.task_type, since)
    return max(0, daily_cap(profile.daily_caps, task.task_type) - used)


class TaskRunner:
    def __init__(self, components: Components) -> None:
        self.c = components
        self._progress_at: dict[str, float] = {}

    async def run(self, task: Task, stopper: Stopper) -> Task:
        c = self.c
        profile = await c.profiles.get_any(task.profile_id)
        if profile is None:
            return await self._finish(task, TaskStatus.FAILED, error="profile was deleted", kind="profile_missing")
        config = parse_config(task.task_type, task.config)
        limit = min(config.max_actions, await remaining_today(c, profile, task))
        await c.status.put_task_status(task.id, status_payload(task))
        await c.events.task("started", task)
        ACTIVE_TASKS.inc()
        log.info("bot_task_started", task_id=task.id, task_type=task.task_type.value, user_id=task.user_id,
                 profile_id=profile.id, limit=limit, retry_count=task.retry_count)
        try:
            async with asyncio.timeout(config.max_duration_seconds):
                outcome, artifacts = await self._execute(task, profile, config, limit, stopper)
        except TaskCancelled:
            if stopper.reason == "worker_stopped":
                return await self._interrupted(task)
            return await self._finish(task, TaskStatus.CANCELLED, error="cancelled by the seller", kind="cancelled")
        except _Failed as failed:
            return await self._failed(task, profile, failed.error, failed.artifacts)
        except TimeoutError as exc:
            return await self._failed(task, profile, exc, [])
        finally:
            ACTIVE_TASKS.dec()
        status = TaskStatus.COMPLETED
        result = {**outcome.summary, "partial": bool(outcome.partial_reason), "stopped_by": outcome.partial_reason}
        return await self._finish(task, status, result=result, done=outcome.done, total=outcome.total,
                                  artifacts=artifacts)

    async def _execute(self, task: Task, profile: Profile, config: TaskConfig, limit: int,
                       stopper: Stopper) -> tuple[TaskOutcome, list[str]]:
        c = self.c
        connection = await c.shop_connections.get(profile.id) if task.task_type.is_shop_sync else None
        executor = executor_for(task.task_type, connection is not None and c.shop_app.configured)
        ctx = ExecutionContext(
            task=task, profile=profile, config=config, page=None, names=names_for(profile.fingerprint.locale),
            timeout_ms=c.settings.step_timeout_seconds * 1000, limit=limit, handled=c.handled, chatbot=c.chatbot,
            report_progress=lambda done, total: self._progress(task, done, total, stopper), cancelled=stopper.event,
            retry_attempts=c.settings.step_retry_attempts, retry_backoff_seconds=c.settings.step_retry_backoff_seconds,
            rng=random.Random(),  # noqa: S311 - pacing jitter, not security
        )
        if task.task_type.is_shop_sync:
            ctx.shop = self._shop_sync(task, profile, connection if not executor.needs_browser else None)
        if limit <= 0:
            return TaskOutcome(0, 0, {"skipped": "daily cap reached"}), []
        if not executor.needs_browser:
            return await self._guard(executor.run, ctx, None, None), []
        credentials_enc, session_enc = await c.profiles.encrypted_secrets(profile.id)
        credentials = c.secrets.open(credentials_enc)
        storage = c.secrets.open(session_enc) if session_enc else None
        async with c.browser.context(profile.fingerprint, storage, credentials.get("proxy", "")) as context:
            context.set_default_timeout(c.settings.step_timeout_seconds * 1000)
            await context.tracing.start(screenshots=True, snapshots=True, sources=False)
            ctx.page = await context.new_page()
            outcome = await self._guard(executor.run, ctx, context, ctx.page)
            with suppress(Exception):
                await context.tracing.stop()  # success: discard the trace
            # Sessions slide: keep the freshest cookies so the next task needs no login either.
            await c.profiles.save_session(profile.id, c.secrets.seal(dict(await context.storage_state())))
        outcome.summary["step_retries"] = ctx.step_retries
        return outcome, []

    def _shop_sync(self, task: Task, profile: Profile, connection: ShopConnection | None) -> ShopSync:
        """Where a shop sync records and publishes; with an API authorisation, a session on its tokens."""
        c = self.c
        sync = ShopSync(c.sync_state, c.shop_events, task.user_id, profile.id,
                        connection.shop_id if connection else f"seller-center:{profile.id}")
        if connection is None:
            return sync

        async def save_tokens(tokens: ShopTokens) -> None:
            await c.shop_connections.save_tokens(profile.id, c.secrets.seal(tokens.as_dict()),
                                                 datetime.fromtimestamp(tokens.access_expires_at, UTC))

        tokens = ShopTokens(**c.secrets.open(connection.tokens_enc))
        sync.session = ShopSession(c.shop_app, tokens, connection.shop_cipher, save_tokens)
        return sync

    async def _guard(self, run: Any, ctx: ExecutionContext, context: BrowserContext | None,
                     page: Page | None) -> TaskOutcome:
        try:
            outcome: TaskOutcome = await run(ctx)
            return outcome
        except TaskCancelled:
            raise
        except (RunError, TimeoutError, Exception) as exc:
            artifacts = await self._capture(ctx.task, context, page) if context is not None else []
            raise _Failed(exc, artifacts) from exc

    async def _capture(self, task: Task, context: BrowserContext | None, page: Page | None) -> list[str]:
        """Keep what a human needs to see why it failed: screenshot, page HTML and the Playwright trace."""
        folder = self.c.artifacts.folder(task.id)
        saved: list[str] = []
        if page is not None:
            with suppress(Exception):
                await page.screenshot(path=str(folder / "screenshot.png"), full_page=True, timeout=5000)
                saved.append("screenshot.png")
            with suppress(Exception):
                (folder / "page.html").write_text(await page.content(), encoding="utf-8")
                saved.append("page.html")
        if context is not None:
            with suppress(Exception):
                await context.tracing.stop(path=str(folder / "trace.zip"))
                saved.append("trace.zip")
        self.c.artifacts.prune()
        return saved

    async def _progress(self, task: Task, done: int, total: int, stopper: Stopper) -> None:
        task.progress_done, task.progress_total = done, total
        now = time.monotonic()
        if 0 < done < total and now - self._progress_at.get(task.id, 0.0) < PROGRESS_EVERY_SECONDS:
            return  # at delay 0 a reply takes ~0.1 s: persist and announce progress at most twice a second
        self._progress_at[task.id] = now
        if await self.c.tasks.cancel_requested(task.id):  # cancelled through another worker process
            stopper.stop("cancelled")
        await self.c.tasks.progress(task.id, done, total)
        await self.c.status.put_task_status(task.id, status_payload(task))
        await self.c.events.task("progress", task, suffix=f":{done}")

    async def _failed(self, task: Task, profile: Profile, error: BaseException, artifacts: list[str]) -> Task:
        if isinstance(error, NeedsAttention):
            status = error.state.profile_status
            if status is ProfileStatus.FAILED:
                status = ProfileStatus.BLOCKED
            await self.c.profiles.set_status(profile.id, status, str(error))
            await self.c.events.login_state(task.user_id, profile.id, error.state, str(error))
            return await self._finish(task, TaskStatus.NEEDS_ATTENTION, error=str(error), kind=error.kind,
                                      artifacts=artifacts)
        if isinstance(error, TimeoutError):
            return await self._finish(task, TaskStatus.FAILED, error="task exceeded max_duration_seconds",
                                      kind="timeout", artifacts=artifacts)
        if isinstance(error, RunError):
            return await self._finish(task, TaskStatus.FAILED, error=str(error), kind=error.kind, artifacts=artifacts)
        log.exception("task_crashed", task_id=task.id, exc_info=error)
        return await self._finish(task, TaskStatus.FAILED, error=f"internal error: {error!r}", kind="internal",
                                  artifacts=artifacts)

    async def _interrupted(self, task: Task) -> Task:
        """Worker stop: the task goes back to the queue (answered items are remembered, nothing repeats)."""
        await self.c.tasks.requeue(task.id, task.retry_count, "interrupted by worker stop")
        fresh = await self.c.tasks.get_any(task.id) or task
        await self.c.status.put_task_status(task.id, status_payload(fresh))
        return fresh

    async def _finish(self, task: Task, status: TaskStatus, *, result: dict[str, Any] | None = None,
                      error: str = "", kind: str = "", artifacts: list[str] | None = None,
                      done: int | None = None, total: int | None = None) -> Task:
        done = task.progress_done if done is None else done  # the last progress may not be persisted yet
        total = task.progress_total if total is None else total
        finished = await self.c.tasks.finish(task.id, status, result=result, error=error, error_kind=kind,
                                             artifacts=artifacts, done=done, total=total) or task
        await self.c.status.put_task_status(task.id, status_payload(finished))
        self._progress_at.pop(task.id, None)
        task_type = finished.task_type.value
        if status is TaskStatus.COMPLETED:
            TASK_COMPLETED.labels(task_type).inc()
            TASK_DURATION.observe(finished.duration_seconds)
            await self.c.events.task("completed", finished)
        elif status in (TaskStatus.FAILED, TaskStatus.NEEDS_ATTENTION):
            TASK_FAILED.labels(task_type, kind or "error").inc()
            TASK_DURATION.observe(finished.duration_seconds)
            await self.c.events.task("needs_attention" if status is TaskStatus.NEEDS_ATTENTION else "failed", finished)
        log.info("bot_task_finished", task_id=task.id, task_type=task_type, user_id=task.user_id,
                 status=status.value, error=error, done=finished.progress_done, duration=finished.duration_seconds)
        return finished


class _Failed(Exception):
    def __init__(self, error: BaseException, artifacts: list[str]) -> None:
        super().__init__(str(error))
        self.error = error
        self.artifacts = artifacts
