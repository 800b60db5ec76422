"""One shared Chromium per worker process; a fresh context per task, recycled every N tasks; orphans swept.

Contexts are cheap and isolated (cookies, storage): closing one after each task is also the memory fix for
long runs. The browser itself is relaunched every `recycle_after` contexts once it is idle.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress
from typing import Any

import psutil
import structlog
from playwright.async_api import Browser, BrowserContext, Playwright, async_playwright

from automation.domain.model import Fingerprint

log = structlog.get_logger(__name__)
OWNER_FLAG = "--sellerbot-automation-owner="  # Chromium ignores unknown switches: we use it to find our own
LAUNCH_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
]


def sweep_orphans() -> int:
    """Kill Chromium processes a previous (crashed) worker process of ours left behind."""
    killed = 0
    for proc in psutil.process_iter(["pid", "cmdline"]):
        cmdline = proc.info.get("cmdline") or []
        owner = next((arg.removeprefix(OWNER_FLAG) for arg in cmdline if arg.startswith(OWNER_FLAG)), None)
        if owner is None or not owner.isdigit():
            continue
        if int(owner) == os.getpid() or psutil.pid_exists(int(owner)):
            continue
        with suppress(psutil.Error):
            proc.kill()
            killed += 1
    if killed:
        log.warning("orphan_chromium_killed", count=killed)
    return killed


class SharedBrowser:
    def __init__(self, executable_path: str, headless: bool = True, recycle_after: int = 25) -> None:
        self._executable = executable_path
        self._headless = headless
        self._recycle_after = recycle_after
        self._playwright: Playwright | None = None
        self._browser: Browser | None = None
        self._lock = asyncio.Lock()
        self._served = 0
        self._open = 0
        self.launches = 0

    async def _ensure(self) -> Browser:
        async with self._lock:
            if self._browser is not None and self._browser.is_connected():
                if self._served < self._recycle_after or self._open > 0:
                    return self._browser
                log.info("browser_recycled", contexts_served=self._served)
                with suppress(Exception):
                    await self._browser.close()
                self._browser = None
            if self._playwright is None:
                sweep_orphans()
                self._playwright = await async_playwright().start()
            self._browser = await self._playwright.chromium.launch(
                executable_path=self._executable, headless=self._headless,
                args=[*LAUNCH_ARGS, f"{OWNER_FLAG}{os.getpid()}"],
            )
            self._served = 0
            self.launches += 1
            log.info("browser_launched", version=self._browser.version, executable=self._executable)
            return self._browser

    @asynccontextmanager
    async def context(self, fingerprint: Fingerprint, storage_state: dict[str, Any] | None = None,
                      proxy: str = "") -> AsyncIterator[BrowserContext]:
        """A fresh context from the profile's saved state and stable fingerprint; closed afterwards."""
        browser = await self._ensure()
        self._open += 1
        self._served += 1
        options: dict[str, Any] = {
            "user_agent": fingerprint.user_agent, "locale": fingerprint.locale, "timezone_id": fingerprint.timezone,
            "viewport": {"width": fingerprint.viewport_width, "height": fingerprint.viewport_height},
        }
        if storage_state:
            options["storage_state"] = storage_state
        if proxy:
            options["proxy"] = {"server": proxy}
        context = await browser.new_context(**options)
        try:
            yield context
        finally:
            self._open -= 1
            with suppress(Exception):
                await context.close()

    def process_ids(self) -> list[int]:
        """Chromium processes of this worker process, renderers included (for memory measurements)."""
        mine = f"{OWNER_FLAG}{os.getpid()}"
        found: set[int] = set()
        for proc in psutil.process_iter(["pid", "cmdline"]):
            if mine in (proc.info.get("cmdline") or []):
                found.add(proc.pid)
                with suppress(psutil.Error):
                    found.update(child.pid for child in proc.children(recursive=True))
        return sorted(found)

    async def close_if_idle(self) -> None:
        """Give the memory back when no context is open (a login waiting for its 2FA code keeps one)."""
        if self._open == 0:
            await self.close()

    async def close(self) -> None:
        async with self._lock:
            if self._browser is not None:
                with suppress(Exception):
                    await self._browser.close()
                self._browser = None
            if self._playwright is not None:
                with suppress(Exception):
                    await self._playwright.stop()
                self._playwright = None
