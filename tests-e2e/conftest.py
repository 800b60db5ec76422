"""The whole stack as a new user runs it: `python -m sellerbot_devstack run` (what `make run` calls), on free
ports, against this machine's real PostgreSQL, Redis and NATS, with local fakes for the outside world."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import httpx
import pytest
from sellerbot_devstack.pytest_plugin import admin_statement, delete_test_streams
from sellerbot_devstack.servers import Servers, free_port, wait_for_port

ROOT = Path(__file__).resolve().parents[1]
INSTAGRAM_APP_SECRET = "ig-app-secret-e2e"
TELEGRAM_BOT_TOKEN = "7000001:AAE2eTelegramToken"
TELEGRAM_SECRET_TOKEN = "tg-secret-e2e"
METRICS_TOKEN = "e2e-metrics-token-0123456789"
TIKTOK_SHOP_APP_KEY = "6e2eappkey"
TIKTOK_SHOP_APP_SECRET = "e2e-tiktok-app-secret-0123456789"


@dataclass
class RunningStack:
    url: str
    admin_email: str
    admin_password: str
    evolution_url: str
    seller_center_url: str
    chatwoot_url: str
    graph_url: str
    telegram_url: str
    log: Path
    tiktok_shop_url: str = ""  # the fake TikTok Shop Open API (automation's API sync talks to it)

    def token(self, email: str = "", password: str = "") -> str:
        response = httpx.post(f"{self.url}/auth/login", json={
            "email": email or self.admin_email, "password": password or self.admin_password})
        response.raise_for_status()
        return str(response.json()["access_token"])

    def logs(self) -> str:
        return self.log.read_text(errors="replace")[-6000:]


def ensure_current_dist() -> None:
    """The gateway serves frontend/dist if it is there when it starts: rebuild it when a source file is newer."""
    frontend = ROOT / "frontend"
    index = frontend / "dist" / "index.html"
    sources = [p for p in (frontend / "src").rglob("*") if p.is_file()] + [frontend / "index.html"]
    if index.is_file() and index.stat().st_mtime >= max(p.stat().st_mtime for p in sources):
        return
    result = subprocess.run(["npm", "run", "build"], cwd=frontend, capture_output=True, text=True, timeout=300,
                            check=False)
    assert result.returncode == 0, f"npm run build failed:\n{result.stdout[-4000:]}\n{result.stderr[-4000:]}"


def _spawn(args: list[str], log: Path, env: dict[str, str]) -> subprocess.Popen[bytes]:
    return subprocess.Popen(args, cwd=ROOT, env=env, stdout=log.open("ab"), stderr=subprocess.STDOUT,
                            start_new_session=True)


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        os.killpg(process.pid, 15)
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, 9)


@pytest.fixture(scope="session")
def stack_database(servers: Servers) -> Iterator[str]:
    """A database of the stack's own, as on a fresh install (no rows left by other tests)."""
    name = f"sellerbot_e2e_{uuid.uuid4().hex[:10]}"
    asyncio.run(admin_statement(servers.postgres_url, f'CREATE DATABASE "{name}"'))
    yield urlunsplit(urlsplit(servers.postgres_url)._replace(path=f"/{name}"))
    asyncio.run(admin_statement(servers.postgres_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture(scope="session")
def stack(stack_database: str, redis_url: str, nats_url: str, tmp_path_factory: pytest.TempPathFactory
          ) -> Iterator[RunningStack]:
    ensure_current_dist()  # before the gateway starts, or it serves no dashboard
    data_dir = tmp_path_factory.mktemp("stack")
    log = data_dir / "stack.log"
    ports = {name: free_port() for name in ("gateway", "automation", "chatbot", "channel_adapter", "notification",
                                             "m_gateway", "m_automation", "m_chatbot", "m_channel_adapter",
                                             "m_notification", "evolution", "seller_center", "chatwoot", "graph",
                                             "telegram", "tiktok_shop")}
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST", "OTEL_"))}
    admin_email = f"e2e-{uuid.uuid4().hex[:8]}@sellerbot.test"
    namespace = f"e2e{uuid.uuid4().hex[:10]}"
    evolution_url = f"http://127.0.0.1:{ports['evolution']}"
    seller_center_url = f"http://127.0.0.1:{ports['seller_center']}"
    env.update({
        "ENVIRONMENT": "development",
        "DATA_DIR": str(data_dir),
        "DATABASE_URL": stack_database,
        # The machine's PostgreSQL (max_connections 100) also serves the other stacks and tests of the session.
        "CHATBOT_DATABASE_POOL_SIZE": "4",
        "REDIS_URL": redis_url,
        "NATS_URL": nats_url,
        "NATS_NAMESPACE": namespace,
        "GATEWAY_PORT": str(ports["gateway"]),
        "ADMIN_EMAIL": admin_email,
        "ADMIN_PASSWORD": "e2e-admin-password",
        "JWT_SECRET": "e2e-jwt-secret-" + "z" * 32,
        "SECRETS_KEY": "e2e-secrets-key-" + "q" * 32,
        "EVOLUTION_API_URL": evolution_url,
        "EVOLUTION_API_KEY": "evo-e2e-key",
        "SELLER_CENTER_URL": seller_center_url,
        "CHATWOOT_URL": f"http://127.0.0.1:{ports['chatwoot']}",
        "CHATWOOT_API_TOKEN": "cw-e2e-token",
        "INSTAGRAM_GRAPH_URL": f"http://127.0.0.1:{ports['graph']}/v23.0",
        "INSTAGRAM_ACCESS_TOKEN": "ig-e2e-token",
        "INSTAGRAM_APP_SECRET": INSTAGRAM_APP_SECRET,
        "INSTAGRAM_VERIFY_TOKEN": "ig-verify-e2e",
        "TELEGRAM_API_URL": f"http://127.0.0.1:{ports['telegram']}",
        "TELEGRAM_BOT_TOKEN": TELEGRAM_BOT_TOKEN,
        "TELEGRAM_SECRET_TOKEN": TELEGRAM_SECRET_TOKEN,
        "TIKTOK_SHOP_API_URL": f"http://127.0.0.1:{ports['tiktok_shop']}",
        "TIKTOK_SHOP_AUTH_URL": f"http://127.0.0.1:{ports['tiktok_shop']}",
        "TIKTOK_SHOP_APP_KEY": TIKTOK_SHOP_APP_KEY,
        "TIKTOK_SHOP_APP_SECRET": TIKTOK_SHOP_APP_SECRET,
        "RATE_LIMIT_API": "10000/minute",
        "METRICS_TOKEN": METRICS_TOKEN,
        "GATEWAY_METRICS_PORT": str(ports["m_gateway"]),
        "RATE_LIMIT_BOT_CONTROL": "100/minute",
        # A CRM webhook that keeps failing is a dead letter after two quick attempts, not five over a minute.
        "CRM_WEBHOOK_MAX_ATTEMPTS": "2",
        "CRM_WEBHOOK_BACKOFF_SECONDS": "0.2",
        "SERVICE_METRICS_URLS": ",".join(
            f"{name.replace('_', '-')}=http://127.0.0.1:{ports['m_' + name]}/metrics"
            for name in ("automation", "chatbot", "channel_adapter", "notification")),
    })
    for name in ("automation", "chatbot", "channel_adapter", "notification"):
        env[f"{name.upper()}_GRPC_ADDR"] = f"127.0.0.1:{ports[name]}"
        env[f"{name.upper()}_METRICS_PORT"] = str(ports["m_" + name])
    fakes = [
        _spawn([sys.executable, "-m", "sellerbot_fakes.evolution_fake", "--port", str(ports["evolution"])], log, env),
        _spawn([sys.executable, "-m", "sellerbot_fakes.seller_center", "--port", str(ports["seller_center"])],
               log, env),
    ]
    for fake in ("chatwoot", "graph", "telegram"):
        fakes.append(_spawn([sys.executable, "-m", f"sellerbot_fakes.{fake}_fake", "--port", str(ports[fake])],
                            log, env))
    fakes.append(_spawn([sys.executable, "-m", "sellerbot_fakes.tiktok_shop", "--port", str(ports["tiktok_shop"]),
                         "--app-key", TIKTOK_SHOP_APP_KEY, "--app-secret", TIKTOK_SHOP_APP_SECRET], log, env))
    for name in ("evolution", "seller_center", "chatwoot", "graph", "telegram", "tiktok_shop"):
        wait_for_port("127.0.0.1", ports[name], 30)
    launcher = _spawn([sys.executable, "-m", "sellerbot_devstack", "run"], log, env)
    running = RunningStack(f"http://127.0.0.1:{ports['gateway']}", admin_email, "e2e-admin-password",
                           evolution_url, seller_center_url, f"http://127.0.0.1:{ports['chatwoot']}",
                           f"http://127.0.0.1:{ports['graph']}", f"http://127.0.0.1:{ports['telegram']}", log,
                           f"http://127.0.0.1:{ports['tiktok_shop']}")
    deadline = time.monotonic() + 120
    while "Seller Bot is running" not in log.read_text(errors="replace"):
        if launcher.poll() is not None or time.monotonic() > deadline:
            _stop(launcher)
            for fake in fakes:
                _stop(fake)
            pytest.fail(f"the stack did not start:\n{running.logs()}")
        time.sleep(0.2)
    yield running
    _stop(launcher)
    for fake in fakes:
        _stop(fake)
    asyncio.run(delete_test_streams(nats_url, prefix=f"{namespace}_"))
