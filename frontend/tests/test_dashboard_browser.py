"""The built dashboard in real Chromium, served by a real gateway process: a seller logs in through the form,
sees the Automação tab, reads the API's JSON error when a service is down, switches tabs and logs out."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from playwright.async_api import async_playwright, expect
from sellerbot_devstack.servers import free_port

FRONTEND = Path(__file__).resolve().parents[1]
ROOT = FRONTEND.parent
DIST = FRONTEND / "dist"
ADMIN_EMAIL = "seller@dashboard.test"
ADMIN_PASSWORD = "dashboard-pass-123"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]

pytestmark = pytest.mark.browser


def _ensure_dist() -> None:
    if (DIST / "index.html").is_file():
        return
    result = subprocess.run(["npm", "run", "build"], cwd=FRONTEND, capture_output=True, text=True, timeout=300,
                            check=False)
    assert result.returncode == 0, f"npm run build failed:\n{result.stdout[-4000:]}\n{result.stderr[-4000:]}"


@pytest.fixture
def gateway_url(tmp_path: Path, nats_url: str) -> Iterator[str]:
    """A gateway process serving frontend/dist; no service listens at its gRPC addresses (503 answers)."""
    _ensure_dist()
    port = free_port()
    env = {
        **os.environ,
        "GATEWAY_HOST": "127.0.0.1", "GATEWAY_PORT": str(port), "DATA_DIR": str(tmp_path), "DATABASE_URL": "",
        "REDIS_URL": "", "NATS_URL": nats_url, "JWT_SECRET": "dashboard-test-secret-" + "x" * 32,
        "ADMIN_EMAIL": ADMIN_EMAIL, "ADMIN_PASSWORD": ADMIN_PASSWORD, "FRONTEND_DIST": str(DIST),
        "RATE_LIMIT_API": "1000/minute", "SERVICE_METRICS_URLS": "", "GRPC_TIMEOUT_SECONDS": "2",
        **{name: f"127.0.0.1:{free_port()}" for name in (
            "AUTOMATION_GRPC_ADDR", "CHATBOT_GRPC_ADDR", "CHANNEL_ADAPTER_GRPC_ADDR", "NOTIFICATION_GRPC_ADDR")},
    }
    log = (tmp_path / "gateway.log").open("wb")
    process = subprocess.Popen([sys.executable, "-m", "api_gateway"], cwd=ROOT, env=env, stdout=log,
                               stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            assert process.poll() is None, (tmp_path / "gateway.log").read_text()[-4000:]
            try:
                if httpx.get(f"{url}/", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert time.monotonic() < deadline, "gateway did not serve the dashboard within 60 s"
            time.sleep(0.1)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()


async def test_seller_logs_in_sees_api_errors_switches_tabs_and_logs_out(gateway_url: str) -> None:
    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path="/usr/bin/chromium", headless=True, args=CHROMIUM_ARGS)
        try:
            page = await browser.new_page(locale="pt-BR")
            errors: list[str] = []
            page.on("pageerror", lambda e: errors.append(str(e)))
            await page.goto(gateway_url)
            await expect(page).to_have_title("Seller Bot")

            await page.get_by_label("E-mail").fill(ADMIN_EMAIL)
            await page.get_by_label("Senha").fill("wrong-password")
            await page.get_by_role("button", name="Entrar").click()
            await expect(page.get_by_role("alert")).to_contain_text("incorrect e-mail or password")

            await page.get_by_label("Senha").fill(ADMIN_PASSWORD)
            await page.get_by_role("button", name="Entrar").click()
            await expect(page.get_by_role("tab", name="Automação", selected=True)).to_be_visible()
            await expect(page.get_by_text(ADMIN_EMAIL)).to_be_visible()
            # No automation service is running: every panel shows the gateway's JSON error, in pt-BR.
            alerts = page.get_by_role("alert").filter(has_text="automation service is not available")
            await expect(alerts.first).to_contain_text("Serviço indisponível")
            session = await page.evaluate("localStorage.getItem('sellerbot.session')")
            assert session and "refreshToken" in session

            await page.get_by_role("tab", name="Chatbot IA").click()
            await expect(page.get_by_role("tab", name="Conversas", selected=True)).to_be_visible()
            chatbot_down = page.get_by_role("alert").filter(has_text="chatbot service is not available")
            await expect(chatbot_down.first).to_be_visible()

            await page.reload()
            await expect(page.get_by_role("tab", name="Chatbot IA", selected=True)).to_be_visible()
            await page.get_by_role("button", name="Sair").click()
            await expect(page.get_by_role("button", name="Entrar")).to_be_visible()
            assert await page.evaluate("localStorage.getItem('sellerbot.session')") is None
            assert errors == []
        finally:
            await browser.close()
