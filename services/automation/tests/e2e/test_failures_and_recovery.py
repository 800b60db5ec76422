"""What goes wrong in real life: expired sessions, captchas, server errors, cancels and crashed workers."""

from __future__ import annotations

import asyncio
import time
from datetime import timedelta

import httpx
import nats
import pytest
from prometheus_client import REGISTRY
from redis.asyncio import Redis

pytestmark = pytest.mark.browser


async def reply_task(client: httpx.AsyncClient, profile_id: str, **config: object) -> dict[str, object]:
    response = await client.post("/bot/tasks", json={"task_type": "reply_comments", "profile_id": profile_id,
                                                     "config": {"delay_seconds": 0, **config}})
    assert response.status_code == 201, response.text
    return dict(response.json())


async def test_expired_session_pauses_the_profile_until_it_is_verified_again(new_user, fresh_replica, h) -> None:
    client = await new_user()
    email = h.seller()
    profile = await h.verified_profile(client, fresh_replica, email, comments=5)
    fresh_replica.faults(expire_sessions=True, seller=email)
    assert (await client.post("/bot/start", json={})).status_code == 200
    task = await h.wait_task(client, (await reply_task(client, profile["id"]))["id"], h.finished)
    assert task["status"] == "needs_attention" and "session expired" in task["error"], task
    assert task["retry_count"] == 0 and "screenshot.png" in task["artifacts"]
    listed = (await client.get("/bot/profiles")).json()[0]
    assert listed["status"] == "expired" and "log in" in listed["status_reason"]
    assert fresh_replica.state(email)["received"]["comment_replies"] == []
    # The seller verifies again (2FA code) and a new task runs.
    assert (await client.post(f"/bot/profiles/{profile['id']}/verify")).json()["status"] == "needs_2fa"
    assert (await client.post(f"/bot/profiles/{profile['id']}/verify",
                              json={"code": "654321"})).json()["status"] == "verified"
    rerun = await h.wait_task(client, (await reply_task(client, profile["id"]))["id"], h.finished)
    assert rerun["status"] == "completed" and rerun["progress_done"] > 0, rerun


async def test_captcha_is_never_solved_nor_retried_and_the_seller_is_notified(
        new_user, fresh_replica, automation, nats_url, h) -> None:
    client = await new_user()
    me = (await client.get("/auth/me")).json()["id"]
    email = h.seller()
    profile = await h.verified_profile(client, fresh_replica, email, comments=5)
    events: list[tuple[str, dict[str, str]]] = []
    nc = await nats.connect(nats_url)
    ns = automation.components.settings.nats_namespace

    async def collect(msg: nats.aio.msg.Msg) -> None:
        events.append((msg.subject.removeprefix(f"{ns}."), dict(msg.headers or {})))

    await nc.subscribe(f"{ns}.bot.>", cb=collect)
    fresh_replica.faults(captcha=True)
    views_before = fresh_replica.state(email)["counters"]["page_views"]
    assert (await client.post("/bot/start", json={})).status_code == 200
    task = await h.wait_task(client, (await reply_task(client, profile["id"]))["id"], h.finished)
    assert task["status"] == "needs_attention" and "captcha" in task["error"], task
    assert task["result"] == {} and task["retry_count"] == 0
    assert fresh_replica.state(email)["counters"]["page_views"] == views_before  # one look, no retry loop
    assert (await client.get("/bot/profiles")).json()[0]["status"] == "captcha"
    # Verifying while the captcha shows: still paused, never solved.
    assert (await client.post(f"/bot/profiles/{profile['id']}/verify")).json()["status"] == "captcha"
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and not any(s == "bot.task.needs_attention" for s, _ in events):
        await asyncio.sleep(0.05)
    subjects = [s for s, _ in events]
    assert "bot.profile.login_state" in subjects and "bot.task.needs_attention" in subjects, subjects
    assert all(headers.get("Sellerbot-User-Id") == me for _, headers in events)
    await nc.close()
    fresh_replica.faults(captcha=False)
    # Once a human solved it, the saved session still works: verify needs no new login.
    assert (await client.post(f"/bot/profiles/{profile['id']}/verify")).json()["status"] == "verified"
    assert fresh_replica.state(email)["counters"]["password_logins"] == 1


async def test_server_errors_are_retried_with_backoff_then_fail_with_downloadable_artifacts(
        new_user, fresh_replica, h) -> None:
    client = await new_user()
    email = h.seller()
    profile = await h.verified_profile(client, fresh_replica, email, comments=4, replied_every=0)
    assert (await client.post("/bot/start", json={})).status_code == 200
    fresh_replica.faults(fail_next=1)
    healed = await h.wait_task(client, (await reply_task(client, profile["id"], max_replies=2))["id"], h.finished)
    assert healed["status"] == "completed" and healed["result"]["step_retries"] >= 1, healed
    fresh_replica.faults(fail_next=1000)
    task = await h.wait_task(client, (await reply_task(client, profile["id"]))["id"], h.finished)
    fresh_replica.faults(fail_next=0)
    assert task["status"] == "failed" and "server error" in task["error"], task
    assert set(task["artifacts"]) == {"screenshot.png", "page.html", "trace.zip"}
    trace = await client.get(f"/bot/tasks/{task['id']}/artifacts/trace.zip")
    assert trace.status_code == 200 and trace.content[:2] == b"PK" and len(trace.content) > 1000
    shot = await client.get(f"/bot/tasks/{task['id']}/artifacts/screenshot.png")
    assert shot.status_code == 200 and shot.content[:4] == b"\x89PNG"
    assert (await client.get(f"/bot/tasks/{task['id']}/artifacts/secrets.txt")).status_code == 404
    assert REGISTRY.get_sample_value("bot_task_failed_total",
                                     {"task_type": "reply_comments", "error": "page_error"}) >= 1


async def test_deleting_a_running_task_cancels_it_cleanly_after_the_current_reply(
        new_user, fresh_replica, h) -> None:
    client = await new_user()
    email = h.seller()
    profile = await h.verified_profile(client, fresh_replica, email, comments=40, replied_every=0)
    fresh_replica.faults(latency_ms=100)
    assert (await client.post("/bot/start", json={})).status_code == 200
    created = await reply_task(client, profile["id"], max_replies=40)
    await h.wait_task(client, str(created["id"]), lambda t: t["progress_done"] >= 2)
    deleted = await client.delete(f"/bot/tasks/{created['id']}")
    assert deleted.json() == {"id": created["id"], "cancelled": True, "deleted": False}, deleted.text
    task = (await client.get(f"/bot/tasks/{created['id']}")).json()
    assert task["status"] == "cancelled" and 2 <= task["progress_done"] < 40, task
    replies = fresh_replica.state(email)["received"]["comment_replies"]
    assert len(replies) == task["progress_done"]  # every reply sent was recorded, none half-done
    fresh_replica.faults(latency_ms=0)
    assert (await client.delete(f"/bot/tasks/{created['id']}")).json()["deleted"] is True


async def test_tasks_orphaned_by_a_crashed_worker_are_requeued_and_completed(
        new_user, fresh_replica, automation, redis_url, h) -> None:
    client = await new_user()
    email = h.seller()
    profile = await h.verified_profile(client, fresh_replica, email, comments=6, replied_every=0)
    c = automation.components
    orphan = await reply_task(client, profile["id"], max_replies=3)
    hopeless = await reply_task(client, profile["id"], max_replies=3)
    # What a worker process killed mid-task leaves behind: tasks `running` under a worker with no heartbeat,
    # and its lease on the profile.
    await c.tasks.requeue(str(hopeless["id"]), c.settings.crash_retry_limit, "crashed before")
    assert await c.tasks.claim(str(orphan["id"]), "w-crashed")
    assert await c.tasks.claim(str(hopeless["id"]), "w-crashed")
    assert await c.profiles.acquire_lease(profile["id"], "w-crashed", timedelta(minutes=5))
    assert (await client.post("/bot/start", json={})).status_code == 200
    recovered = await h.wait_task(client, str(orphan["id"]), h.finished)
    assert recovered["status"] == "completed" and recovered["retry_count"] == 1, recovered
    gave_up = (await client.get(f"/bot/tasks/{hopeless['id']}")).json()
    assert gave_up["status"] == "failed" and "worker crashed" in gave_up["error"], gave_up
    assert len(fresh_replica.state(email)["received"]["comment_replies"]) == 3
    redis = Redis.from_url(redis_url)
    assert 0 < await redis.ttl(f"bot:task:{orphan['id']}:status") <= 24 * 3600
    assert 0 < await redis.ttl("bot:worker:heartbeat") <= 60
    await redis.aclose()
    assert REGISTRY.get_sample_value("bot_task_completed_total", {"task_type": "reply_comments"}) >= 1
    assert REGISTRY.get_sample_value("bot_worker_status") == 1


async def test_stopping_the_worker_requeues_the_running_task_which_resumes_without_repeats(
        new_user, fresh_replica, h) -> None:
    client = await new_user()
    email = h.seller()
    profile = await h.verified_profile(client, fresh_replica, email, comments=12, replied_every=0)
    fresh_replica.faults(latency_ms=100)
    assert (await client.post("/bot/start", json={})).status_code == 200
    created = await reply_task(client, profile["id"], max_replies=12)
    await h.wait_task(client, str(created["id"]), lambda t: t["progress_done"] >= 2)
    stopped = await client.post("/bot/stop", json={"reason": "end of shift"})
    assert stopped.status_code == 200 and stopped.json()["running"] is False
    interrupted = (await client.get(f"/bot/tasks/{created['id']}")).json()
    assert interrupted["status"] == "queued" and "interrupted" in interrupted["error"], interrupted
    answered = len(fresh_replica.state(email)["received"]["comment_replies"])
    assert 2 <= answered < 12
    fresh_replica.faults(latency_ms=0)
    assert (await client.post("/bot/start", json={})).status_code == 200
    resumed = await h.wait_task(client, str(created["id"]), h.finished)
    assert resumed["status"] == "completed" and resumed["progress_done"] == 12 - answered, resumed
    replies = fresh_replica.state(email)["received"]["comment_replies"]
    assert sorted(r["id"] for r in replies) == [f"c_{i:03d}" for i in range(1, 13)]  # each exactly once
