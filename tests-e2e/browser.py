"""What the real-stack browser tests share: Debian's Chromium logged in to the stack,
Evolution webhooks as the buyer's phone sends them, what the fake Evolution API was asked to send, polling and
screenshots (saved only with SCREENSHOTS_DIR set, as `make screenshots` does)."""

from __future__ import annotations

import asyncio
import contextlib
import os
import time
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, TypeVar

import httpx
from playwright.async_api import Page, async_playwright, expect
from playwright.async_api import TimeoutError as PlaywrightTimeoutError

from .conftest import RunningStack

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
SCREENSHOTS = os.environ.get("SCREENSHOTS_DIR", "")
T = TypeVar("T")

expect.set_options(timeout=20_000)  # a shared 2-core machine


def evolution_message(phone: str, name: str, text: str) -> dict[str, Any]:
    """A messages.upsert webhook exactly as Evolution API v2 posts it."""
    return {"event": "messages.upsert", "instance": "test", "data": {
        "key": {"remoteJid": f"{phone}@s.whatsapp.net", "fromMe": False, "id": uuid.uuid4().hex[:20].upper()},
        "pushName": name, "message": {"conversation": text}, "messageType": "conversation",
        "messageTimestamp": int(time.time())}, "date_time": "2026-12-03T10:00:00.000Z",
        "sender": "5511900000000@s.whatsapp.net", "server_url": "http://localhost:8080", "apikey": "evo-e2e-key"}


def post_webhook(stack: RunningStack, body: dict[str, Any]) -> None:
    accepted = httpx.post(f"{stack.url}/seller-bot/webhook/evolution", json=body, timeout=10)
    assert accepted.status_code == 200, accepted.text


def texts_sent_to(stack: RunningStack, phone: str) -> list[str]:
    requests = httpx.get(f"{stack.evolution_url}/_fake/requests").json()
    return [r["body"]["text"] for r in requests
            if r["path"] == "/message/sendText/test" and r["body"].get("number") == phone]


def sent_message_key(stack: RunningStack, phone: str, text: str) -> str:
    """The key.id the fake Evolution API answered for that text to that number (what its receipts name)."""
    sent = httpx.get(f"{stack.evolution_url}/_fake/sent").json()
    return next((m["key_id"] for m in sent if m["number"] == phone and m["text"] == text), "")


async def wait_until(check: Callable[[], T | None], seconds: float = 30, what: str = "condition") -> T:
    deadline = time.monotonic() + seconds
    while not (result := check()):
        assert time.monotonic() < deadline, f"{what} not met in {seconds} s"
        await asyncio.sleep(0.2)
    return result


async def shot(page: Page, name: str) -> None:
    """The view as it is, without the toasts of what the test just did."""
    if SCREENSHOTS:
        toasts = page.get_by_role("button", name="Fechar aviso")
        while await toasts.count():
            with contextlib.suppress(PlaywrightTimeoutError):  # one may have gone by itself meanwhile
                await toasts.first.click(timeout=1_000)
        Path(SCREENSHOTS).mkdir(parents=True, exist_ok=True)
        await page.screenshot(path=str(Path(SCREENSHOTS) / f"{name}.png"))


@asynccontextmanager
async def dashboard(stack: RunningStack) -> AsyncIterator[Page]:
    """Chromium on the stack's dashboard, logged in as the shop's owner through the form; fails the test on any
    page error. The `stack` fixture has built a current frontend/dist before its gateway started."""
    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path="/usr/bin/chromium", headless=True, args=CHROMIUM_ARGS)
        try:
            page = await browser.new_page(locale="pt-BR", viewport={"width": 1440, "height": 900})
            errors: list[str] = []
            page.on("pageerror", lambda e: errors.append(str(e)))
            await page.goto(stack.url)
            await page.get_by_label("E-mail").fill(stack.admin_email)
            await page.get_by_label("Senha").fill(stack.admin_password)
            await page.get_by_role("button", name="Entrar").click()
            await expect(page.get_by_text("Ao vivo")).to_be_visible()
            yield page
            assert errors == []
        finally:
            await browser.close()
