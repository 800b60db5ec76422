"""The executor seam and what an executor gets to work with (page, limits, pacing, memory, progress)."""

from __future__ import annotations

import asyncio
import contextlib
import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Protocol, TypeVar

import structlog
from playwright.async_api import Error as PlaywrightError
from playwright.async_api import Page
from tenacity import AsyncRetrying, retry_if_exception, stop_after_attempt, wait_exponential

from automation.adapters.chatbot_client import ChatbotClient
from automation.adapters.repository import HandledItemRepository
from automation.domain.errors import RunError, TaskCancelled, TransientPageError
from automation.domain.model import Profile, Task, TaskOutcome
from automation.domain.pacing import human_delay
from automation.domain.task_configs import TaskConfig
from automation.executors.shop_sync import ShopSync

log = structlog.get_logger(__name__)
T = TypeVar("T")


@dataclass
class ExecutionContext:
    task: Task
    profile: Profile
    config: TaskConfig
    page: Page | None
    names: dict[str, str]
    timeout_ms: float
    limit: int  # never more actions than this: min(max_*, what is left of today's cap)
    handled: HandledItemRepository
    chatbot: ChatbotClient
    report_progress: Callable[[int, int], Awaitable[None]]
    cancelled: asyncio.Event
    retry_attempts: int = 3
    retry_backoff_seconds: float = 2.0
    rng: random.Random = field(default_factory=random.Random)
    step_retries: int = 0
    shop: ShopSync | None = None  # sync_catalog / sync_orders: where to record and publish what was read

    @property
    def base_url(self) -> str:
        return self.profile.seller_center_url

    @property
    def shop_sync(self) -> ShopSync:
        assert self.shop is not None, "this executor syncs a shop"
        return self.shop

    @property
    def browser_page(self) -> Page:
        assert self.page is not None, "this executor needs a browser page"
        return self.page

    async def checkpoint(self) -> None:
        """Between two actions: stop here when the task was cancelled or the worker is stopping."""
        if self.cancelled.is_set():
            raise TaskCancelled("cancelled")

    async def pause(self) -> None:
        """A human-like pause around delay_seconds that still reacts to a cancel at once."""
        delay = human_delay(self.config.delay_seconds, self.rng)
        if delay:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.cancelled.wait(), timeout=delay)
        await self.checkpoint()

    async def handled_ids(self) -> set[str]:
        return await self.handled.handled_ids(self.profile.id, self.task.task_type)

    async def remember(self, item_id: str, detail: str) -> bool:
        """Record an answered item before moving on, so a re-run never answers it twice."""
        return await self.handled.record(self.profile.id, self.task.task_type, item_id, self.task.id, detail)

    async def step(self, action: Callable[[], Awaitable[T]],
                   recover: Callable[[], Awaitable[object]] | None = None) -> T:
        """Run one page step, retrying transient failures with exponential backoff (after `recover`)."""
        retrying = AsyncRetrying(
            stop=stop_after_attempt(self.retry_attempts),
            wait=wait_exponential(multiplier=self.retry_backoff_seconds, max=60),
            retry=retry_if_exception(lambda e: isinstance(e, RunError) and e.retryable),
            reraise=True,
        )
        async for attempt in retrying:
            with attempt:
                if attempt.retry_state.attempt_number > 1:
                    self.step_retries += 1
                    await self.checkpoint()
                    log.info("step_retry", task_id=self.task.id, attempt=attempt.retry_state.attempt_number)
                    if recover is not None:
                        await _guarded(recover)
                return await _guarded(action)
        raise AssertionError("unreachable")  # AsyncRetrying either returns or reraises


async def _guarded(action: Callable[[], Awaitable[T]]) -> T:
    """Playwright timeouts and navigation errors are transient page errors for the retry policy."""
    try:
        return await action()
    except PlaywrightError as exc:
        raise TransientPageError(exc.message.splitlines()[0] if exc.message else str(exc)) from exc
    except AssertionError as exc:  # expect(...) timed out
        raise TransientPageError(str(exc).splitlines()[0]) from exc


class TaskExecutor(Protocol):
    """Runs one task type. `needs_browser=False` lets an official-API executor slot in later."""

    needs_browser: bool

    async def run(self, ctx: ExecutionContext) -> TaskOutcome: ...
