"""The Atendimento tab against the whole running stack (the make run launcher, fake Evolution API) in Debian's
Chromium: a WhatsApp message arrives live, the agent takes over and answers, the buyer's phone gets the text
through Evolution, the agent gives the conversation back and the bot answers the next message.

With SCREENSHOTS_DIR set (`make screenshots`) it also saves a screenshot of each view there."""

from __future__ import annotations

import asyncio
import os
import subprocess
import time
import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.async_api import Page, async_playwright, expect

from .conftest import RunningStack

ROOT = Path(__file__).resolve().parents[1]
FRONTEND = ROOT / "frontend"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
SCREENSHOTS = os.environ.get("SCREENSHOTS_DIR", "")

pytestmark = pytest.mark.browser
expect.set_options(timeout=20_000)  # a shared 2-core machine


def ensure_current_dist() -> None:
    """The gateway serves frontend/dist: rebuild it when a source file is newer than the build."""
    index = FRONTEND / "dist" / "index.html"
    sources = [p for p in (FRONTEND / "src").rglob("*") if p.is_file()] + [FRONTEND / "index.html"]
    if index.is_file() and index.stat().st_mtime >= max(p.stat().st_mtime for p in sources):
        return
    result = subprocess.run(["npm", "run", "build"], cwd=FRONTEND, capture_output=True, text=True, timeout=300,
                            check=False)
    assert result.returncode == 0, f"npm run build failed:\n{result.stdout[-4000:]}\n{result.stderr[-4000:]}"


def evolution_message(phone: str, name: str, text: str) -> dict[str, Any]:
    """A messages.upsert webhook exactly as Evolution API v2 posts it."""
    return {"event": "messages.upsert", "instance": "test", "data": {
        "key": {"remoteJid": f"{phone}@s.whatsapp.net", "fromMe": False, "id": uuid.uuid4().hex[:20].upper()},
        "pushName": name, "message": {"conversation": text}, "messageType": "conversation",
        "messageTimestamp": int(time.time())}, "date_time": "2026-12-03T10:00:00.000Z",
        "sender": "5511900000000@s.whatsapp.net", "server_url": "http://localhost:8080", "apikey": "evo-e2e-key"}


def texts_sent_to(stack: RunningStack, phone: str) -> list[str]:
    requests = httpx.get(f"{stack.evolution_url}/_fake/requests").json()
    return [r["body"]["text"] for r in requests
            if r["path"] == "/message/sendText/test" and r["body"].get("number") == phone]


async def wait_until(check: Any, seconds: float = 30) -> Any:
    deadline = time.monotonic() + seconds
    while not (result := check()):
        assert time.monotonic() < deadline, "condition not met in time"
        await asyncio.sleep(0.2)
    return result


async def shot(page: Page, name: str) -> None:
    if SCREENSHOTS:
        Path(SCREENSHOTS).mkdir(parents=True, exist_ok=True)
        await page.screenshot(path=str(Path(SCREENSHOTS) / f"{name}.png"))


def post_webhook(stack: RunningStack, body: dict[str, Any]) -> None:
    accepted = httpx.post(f"{stack.url}/seller-bot/webhook/evolution", json=body, timeout=10)
    assert accepted.status_code == 200, accepted.text


async def test_an_agent_answers_a_whatsapp_buyer_from_the_inbox_and_gives_the_bot_back(stack: RunningStack) -> None:
    ensure_current_dist()
    phone = f"55119{uuid.uuid4().int % 10**8:08d}"
    buyer = f"Joana {uuid.uuid4().hex[:4]}"
    shortcut = f"separei{uuid.uuid4().hex[:4]}"
    reply = "Oi Joana, aqui é a equipe da loja! Separei o seu pedido."  # the quick reply, {nome} filled in
    saved = httpx.post(f"{stack.url}/seller-bot/quick-replies", headers={"Authorization": f"Bearer {stack.token()}"},
                       json={"shortcut": shortcut, "text": "Oi {nome}, aqui é a equipe da loja! Separei o seu pedido."})
    assert saved.status_code == 201, saved.text
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
            await page.get_by_role("tab", name="Atendimento").click()
            await expect(page.get_by_text("Ao vivo")).to_be_visible()

            # A WhatsApp message arrives while the inbox is open: it shows up without a reload.
            post_webhook(stack, evolution_message(phone, buyer, "Oi! Vocês têm tênis azul 42?"))
            row = page.get_by_role("option").filter(has_text=buyer)
            await expect(row).to_be_visible()
            await row.click()
            thread = page.get_by_role("log", name="Histórico da conversa")
            await expect(thread.get_by_text("Vocês têm tênis azul 42?")).to_be_visible()
            await expect(thread.locator("[data-author=bot]").first).to_be_visible()  # the bot answered first
            await wait_until(lambda: texts_sent_to(stack, phone))
            await shot(page, "inbox-thread")

            # Take over, answer: Evolution receives the agent's text for the buyer's number.
            await page.get_by_role("button", name="Assumir conversa").click()
            await expect(page.get_by_role("button", name="Devolver ao bot")).to_be_visible()
            composer = page.get_by_label("Responder ao cliente")
            await composer.fill(f"/{shortcut[:9]}")
            await expect(page.get_by_role("listbox", name="Respostas rápidas")).to_contain_text(f"/{shortcut}")
            await composer.press("Enter")
            await expect(composer).to_have_value(reply)
            await composer.press("Control+Enter")
            await wait_until(lambda: reply in texts_sent_to(stack, phone))
            agent_bubble = thread.locator("[data-author=human]").filter(has_text=reply)
            await expect(agent_bubble).to_contain_text(stack.admin_email)
            await expect(agent_bubble).to_contain_text("entregue")
            note = page.get_by_label("Nova nota interna")
            await note.fill("Cliente pediu embrulho para presente")
            await page.get_by_role("button", name="Adicionar nota").click()
            await expect(page.get_by_role("complementary").get_by_text("Cliente pediu embrulho")).to_be_visible()
            await shot(page, "inbox-agent-reply")

            # While the agent holds it, a buyer message gets no bot reply; given back, the next one does.
            sent_before = len(texts_sent_to(stack, phone))
            await page.get_by_role("button", name="Devolver ao bot").click()
            await expect(page.get_by_role("button", name="Assumir conversa")).to_be_visible()
            post_webhook(stack, evolution_message(phone, buyer, "Qual o prazo de entrega para São Paulo?"))
            await expect(thread.get_by_text("Qual o prazo de entrega para São Paulo?")).to_be_visible()
            bot_answer = await wait_until(lambda: texts_sent_to(stack, phone)[sent_before:])
            assert bot_answer[0] != reply
            assert not any("embrulho" in text for text in texts_sent_to(stack, phone))  # notes stay internal
            await expect(thread.locator("[data-author=bot]")).to_have_count(2)
            await expect(row.get_by_label("não lidas")).to_have_count(0)  # open: read as it arrives
            await shot(page, "inbox")
            if SCREENSHOTS:
                views = (("Automação", "automacao"), ("Chatbot IA", "chatbot-conversas"), ("Equipe", "equipe"))
                for tab, name in views:
                    await page.get_by_role("tab", name=tab).click()
                    await page.wait_for_load_state("networkidle")
                    await shot(page, name)
            assert errors == []
        finally:
            await browser.close()
