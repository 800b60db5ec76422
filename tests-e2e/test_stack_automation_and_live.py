"""Automation end to end through the running stack (bundled Seller Center replica, real Chromium), with the
live WebSocket notifications a seller's dashboard receives, and another seller receiving nothing."""

from __future__ import annotations

import asyncio
import json
import uuid
from typing import Any

import httpx
import pytest
import websockets

from .conftest import METRICS_TOKEN, RunningStack
from .test_stack_as_a_new_user import auth, poll


def _ws_url(stack: RunningStack, token: str) -> str:
    return stack.url.replace("http://", "ws://") + f"/ws/notifications?token={token}"


async def _collect(url: str, into: list[dict[str, Any]], ready: asyncio.Event) -> None:
    async with websockets.connect(url) as socket:
        ready.set()
        async for raw in socket:
            into.append(json.loads(raw))


def _other_seller_token(stack: RunningStack) -> str:
    email = f"other-{uuid.uuid4().hex[:8]}@loja.test"
    created = httpx.post(f"{stack.url}/auth/users", headers=auth(stack.token()),
                         json={"email": email, "password": "outra-loja-123"})
    assert created.status_code == 201, created.text
    return stack.token(email, "outra-loja-123")


@pytest.mark.browser
async def test_reply_comments_runs_on_the_replica_and_the_dashboard_hears_it(stack: RunningStack) -> None:
    token = stack.token()
    headers = auth(token)
    other_token = _other_seller_token(stack)
    mine: list[dict[str, Any]] = []
    theirs: list[dict[str, Any]] = []
    ready_mine, ready_theirs = asyncio.Event(), asyncio.Event()
    listeners = [asyncio.create_task(_collect(_ws_url(stack, token), mine, ready_mine)),
                 asyncio.create_task(_collect(_ws_url(stack, other_token), theirs, ready_theirs))]
    await asyncio.wait_for(asyncio.gather(ready_mine.wait(), ready_theirs.wait()), 20)
    try:
        async with httpx.AsyncClient(base_url=stack.url, headers=headers, timeout=120) as api:
            profile = await api.post("/bot/profiles", json={
                "name": "Loja Teste BR", "login": "seller@example.com", "password": "seller123"})
            assert profile.status_code == 201, profile.text
            profile_id = profile.json()["id"]
            first = await api.post(f"/bot/profiles/{profile_id}/verify")
            assert first.status_code == 200, first.text
            assert first.json()["status"] in {"needs_2fa", "verified"}, first.json()
            if first.json()["status"] == "needs_2fa":
                verified = await api.post(f"/bot/profiles/{profile_id}/verify", json={"code": "123456"})
                assert verified.json()["status"] == "verified", verified.text
            task = await api.post("/bot/tasks", json={
                "task_type": "reply_comments", "profile_id": profile_id,
                "config": {"max_replies": 3, "delay_seconds": 0}})
            assert task.status_code == 201, task.text
            task_id = task.json()["id"]
            started = await api.post("/bot/start")
            assert started.status_code == 200, started.text
            again = await api.post("/bot/start")
            assert again.status_code == 409, again.text

            async def finished() -> dict[str, Any] | None:
                current = (await api.get(f"/bot/tasks/{task_id}")).json()
                return current if current["status"] in {"completed", "failed", "needs_attention"} else None

            deadline = asyncio.get_running_loop().time() + 120
            while (result := await finished()) is None:
                assert asyncio.get_running_loop().time() < deadline, "task did not finish"
                await asyncio.sleep(0.5)
            assert result["status"] == "completed", result
            stopped = await api.post("/bot/stop")
            assert stopped.status_code == 200, stopped.text

        def types() -> set[str]:
            return {m["type"] for m in mine}

        poll(lambda: {"bot_worker_started", "bot_task_started", "bot_task_completed"} <= types(), 30)
        completed = next(m for m in mine if m["type"] == "bot_task_completed")
        assert completed["payload"]["task_id"] == task_id
        # The other seller's socket got its connection greeting and no event of ours.
        assert [m for m in theirs if m.get("id")] == [], theirs
        metrics = httpx.get(f"{stack.url}/metrics", headers=auth(METRICS_TOKEN)).text
        assert any(line.startswith("bot_task_created_total{") for line in metrics.splitlines())
        assert any(line.startswith("bot_started_total") for line in metrics.splitlines())
    finally:
        for listener in listeners:
            listener.cancel()
        await asyncio.gather(*listeners, return_exceptions=True)
