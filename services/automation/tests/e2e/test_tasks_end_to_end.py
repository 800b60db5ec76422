"""Each task type end to end through the public API, in real Chromium against the Seller Center replica."""

from __future__ import annotations

import httpx
import pytest

pytestmark = pytest.mark.browser


async def test_reply_comments_answers_exactly_the_unreplied_comments_and_reuses_the_session(
        new_user, fresh_replica, h) -> None:
    client: httpx.AsyncClient = await new_user()
    email = h.seller()
    profile = await h.verified_profile(client, fresh_replica, email, comments=12, replied_every=4)
    start = await client.post("/bot/start", json={})
    assert start.status_code == 200, start.text
    created = await client.post("/bot/tasks", json={
        "task_type": "reply_comments", "profile_id": profile["id"],
        "config": {"max_replies": 50, "delay_seconds": 0, "reply_template": "Oi {buyer}, obrigado!"}})
    assert created.status_code == 201, created.text
    task = await h.wait_task(client, created.json()["id"], h.finished)
    assert task["status"] == "completed", task
    state = fresh_replica.state(email)
    replied_ids = sorted(r["id"] for r in state["received"]["comment_replies"])
    assert replied_ids == [f"c_{i:03d}" for i in range(1, 13) if i % 4], state["received"]
    assert task["progress_done"] == 9 and task["result"]["replied"] == 9
    assert state["counters"]["password_logins"] == 1  # the task reused the verified session: no second login
    await client.post("/bot/stop", json={})
