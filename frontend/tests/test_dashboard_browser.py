"""The built dashboard in real Chromium, served by the real gateway over HTTP: a seller logs in through the form,
sees the Automação tab, reads the API's JSON error when a service is down, switches tabs and logs out."""

from __future__ import annotations

import asyncio
import subprocess
import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import uvicorn
from api_gateway.main import create_app
from api_gateway.settings import GatewaySettings
from playwright.async_api import async_playwright, expect
from sellerbot_devstack.servers import free_port

FRONTEND = Path(__file__).resolve().parents[1]
DIST = FRONTEND / "dist"
ADMIN_EMAIL = "seller@dashboard.test"
ADMIN_PASSWORD = "dashboard-pass-123"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]

pytestmark = pytest.mark.browser
# Generous waits: the machine running `make test` is shared by several suites on 2 cores.
expect.set_options(timeout=20_000)


def _ensure_dist() -> None:
    if (DIST / "index.html").is_file():
        return
    result = subprocess.run(["npm", "run", "build"], cwd=FRONTEND, capture_output=True, text=True, timeout=300,
                            check=False)
    assert result.returncode == 0, f"npm run build failed:\n{result.stdout[-4000:]}\n{result.stderr[-4000:]}"


@pytest.fixture
async def gateway_url(tmp_path: Path, nats_url: str) -> AsyncIterator[str]:
    """The gateway app served by uvicorn in this test's event loop, serving frontend/dist; no service listens
    at its gRPC addresses (503 answers). In-process: a second interpreter importing the gateway can take a
    minute on a busy 2-core machine."""
    _ensure_dist()
    settings = GatewaySettings(  # type: ignore[call-arg]
        _env_file=None, database_url="", data_dir=tmp_path, redis_url="", nats_url=nats_url,
        jwt_secret="dashboard-test-secret-" + "x" * 32, admin_email=ADMIN_EMAIL, admin_password=ADMIN_PASSWORD,
        frontend_dist=str(DIST), rate_limit_api="1000/minute", service_metrics_urls="", grpc_timeout_seconds=2.0,
        automation_grpc_addr=f"127.0.0.1:{free_port()}", chatbot_grpc_addr=f"127.0.0.1:{free_port()}",
        channel_adapter_grpc_addr=f"127.0.0.1:{free_port()}", notification_grpc_addr=f"127.0.0.1:{free_port()}",
    )
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(create_app(settings), host="127.0.0.1", port=port, log_config=None))
    serving = asyncio.create_task(server.serve())
    deadline = time.monotonic() + 60
    while not server.started:
        assert not serving.done(), f"gateway stopped during start-up: {serving.exception() if serving.done() else ''}"
        assert time.monotonic() < deadline, "gateway did not start within 60 s"
        await asyncio.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await asyncio.wait_for(serving, 30)


async def test_seller_logs_in_sees_api_errors_switches_tabs_and_logs_out(gateway_url: str) -> None:
    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path="/usr/bin/chromium", headless=True, args=CHROMIUM_ARGS)
        try:
            page = await browser.new_page(locale="pt-BR")
            page.set_default_timeout(30_000)
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


async def test_an_owner_invites_an_agent_who_joins_through_the_link(gateway_url: str) -> None:
    """The Equipe tab against the real gateway (SQLite): invite, open the one-time link logged out, choose a
    password, land in the dashboard as an agent who sees the team without its controls."""
    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path="/usr/bin/chromium", headless=True, args=CHROMIUM_ARGS)
        try:
            page = await browser.new_page(locale="pt-BR")
            page.set_default_timeout(30_000)
            errors: list[str] = []
            page.on("pageerror", lambda e: errors.append(str(e)))
            await page.goto(gateway_url)
            await page.get_by_label("E-mail").fill(ADMIN_EMAIL)
            await page.get_by_label("Senha").fill(ADMIN_PASSWORD)
            await page.get_by_role("button", name="Entrar").click()
            await page.get_by_role("tab", name="Equipe").click()
            invite = page.get_by_role("form", name="Convidar membro")
            await invite.get_by_label("E-mail").fill("atendente@loja.test")
            await invite.get_by_role("button", name="Convidar").click()
            link = await invite.get_by_label("Link do convite").input_value()
            assert "/#/accept-invitation?token=" in link
            await expect(page.get_by_role("cell", name="Pendente")).to_be_visible()
            await page.get_by_role("button", name="Sair").click()

            await page.goto(link)
            await page.get_by_label("Senha", exact=True).fill("senha-da-atendente")
            await page.get_by_label("Repita a senha").fill("senha-da-atendente")
            await page.get_by_role("button", name="Entrar na equipe").click()
            await expect(page.get_by_text("atendente@loja.test").first).to_be_visible()
            await page.get_by_role("tab", name="Equipe").click()
            await expect(page.get_by_text("Seu papel: Atendente")).to_be_visible()
            await expect(page.get_by_role("cell", name=ADMIN_EMAIL)).to_be_visible()
            await expect(page.get_by_role("form", name="Convidar membro")).to_have_count(0)
            assert "accept-invitation" not in page.url
            assert errors == []
        finally:
            await browser.close()
