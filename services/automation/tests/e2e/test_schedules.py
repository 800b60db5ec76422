"""Recurring schedules through the public API: created, listed with last/next run, paused, resumed, deleted;
a due run is enqueued once even when two schedulers (two replicas) race for it."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from automation.adapters.tables import ScheduleRow
from automation.components import Components
from automation.main import AutomationApp
from automation.worker.scheduler import Scheduler
from sqlalchemy import update


async def make_profile(client: httpx.AsyncClient, **extra: Any) -> str:
    created = await client.post("/bot/profiles", json={"name": "Loja", "login": "s@example.com", "password": "p",
                                                       **extra})
    assert created.status_code == 201, created.text
    return str(created.json()["id"])


async def poll_schedule(client: httpx.AsyncClient, schedule_id: str, done: Callable[[dict[str, Any]], bool],
                        timeout: float = 15) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        listed = (await client.get("/bot/schedules")).json()
        found = next(s for s in listed if s["id"] == schedule_id)
        if done(found):
            return dict(found)
        assert time.monotonic() < deadline, f"schedule never reached the state: {found}"
        await asyncio.sleep(0.1)


async def test_a_schedule_enqueues_its_task_and_can_be_paused_resumed_and_deleted(
        new_user: Callable[[], Awaitable[httpx.AsyncClient]]) -> None:
    client = await new_user()
    profile_id = await make_profile(client)
    created = await client.post("/bot/schedules", json={"task_type": "sync_orders", "profile_id": profile_id,
                                                        "every_minutes": 30, "config": {"page_size": 50}})
    assert created.status_code == 201, created.text
    schedule = created.json()
    assert schedule["paused"] is False and schedule["last_run_at"] is None and schedule["config"] == {"page_size": 50}

    ran = await poll_schedule(client, schedule["id"], lambda s: s["last_outcome"] == "enqueued")
    assert ran["last_run_at"] and ran["last_task_id"]
    next_run = datetime.fromisoformat(ran["next_run_at"])
    assert timedelta(minutes=29) < next_run - datetime.now(UTC) <= timedelta(minutes=30)
    task = (await client.get(f"/bot/tasks/{ran['last_task_id']}")).json()
    assert task["task_type"] == "sync_orders" and task["config"]["page_size"] == 50

    paused = await client.post(f"/bot/schedules/{schedule['id']}/pause")
    assert paused.status_code == 200 and paused.json()["paused"] is True
    resumed = await client.post(f"/bot/schedules/{schedule['id']}/resume")
    assert resumed.status_code == 200 and resumed.json()["paused"] is False
    assert datetime.fromisoformat(resumed.json()["next_run_at"]) > datetime.now(UTC) + timedelta(minutes=29)

    other = await new_user()
    assert (await other.post(f"/bot/schedules/{schedule['id']}/pause")).status_code == 404
    assert (await other.get("/bot/schedules")).json() == []
    assert (await client.delete(f"/bot/schedules/{schedule['id']}")).status_code == 200
    assert (await client.get("/bot/schedules")).json() == []
    assert (await client.delete(f"/bot/schedules/{schedule['id']}")).status_code == 404


async def test_bad_schedules_are_refused_with_422_naming_the_field(
        new_user: Callable[[], Awaitable[httpx.AsyncClient]]) -> None:
    client = await new_user()
    profile_id = await make_profile(client)
    cases = [({"task_type": "sync_catalog", "profile_id": profile_id, "every_minutes": 0}, "every_minutes"),
             ({"task_type": "bake_bread", "profile_id": profile_id, "every_minutes": 5}, "task_type"),
             ({"task_type": "sync_catalog", "profile_id": profile_id, "every_minutes": 5,
               "config": {"page_size": 1000}}, "config.page_size"),
             ({"task_type": "sync_catalog", "profile_id": "nope", "every_minutes": 5}, "profile_id")]
    for body, field in cases:
        response = await client.post("/bot/schedules", json=body)
        assert response.status_code == 422, (body, response.text)
        assert any(f["field"].endswith(field) for f in response.json()["fields"]), response.text


async def test_outside_active_hours_a_due_schedule_enqueues_nothing(
        new_user: Callable[[], Awaitable[httpx.AsyncClient]]) -> None:
    client = await new_user()
    now = datetime.now(UTC)
    closed = f"{(now.hour + 2) % 24:02d}:00-{(now.hour + 3) % 24:02d}:00"  # a window that is not now
    profile_id = await make_profile(client, active_hours=closed, timezone="UTC")
    created = await client.post("/bot/schedules", json={"task_type": "sync_catalog", "profile_id": profile_id,
                                                        "every_minutes": 15})
    ran = await poll_schedule(client, created.json()["id"], lambda s: s["last_outcome"] != "")
    assert ran["last_outcome"] == "outside_active_hours" and ran["last_task_id"] == ""
    assert (await client.get("/bot/tasks", params={"profile_id": profile_id})).json() == []


async def test_two_replicas_racing_for_a_due_run_enqueue_it_once(
        new_user: Callable[[], Awaitable[httpx.AsyncClient]], automation: AutomationApp) -> None:
    client = await new_user()
    profile_id = await make_profile(client)
    created = await client.post("/bot/schedules", json={"task_type": "sync_catalog", "profile_id": profile_id,
                                                        "every_minutes": 60, "paused": True})
    schedule_id = created.json()["id"]
    replica = await Components.build(automation.components.settings, None)  # a second process's view
    try:
        schedulers = [Scheduler(automation.components, automation.tasks), Scheduler(replica, automation.tasks)]
        async with automation.components.engine.begin() as connection:  # due now, for everyone at once
            await connection.execute(update(ScheduleRow).where(ScheduleRow.id == schedule_id)
                                     .values(paused=False, next_run_at=datetime.now(UTC)))
        enqueued = await asyncio.gather(*(s.tick() for s in schedulers * 3))
    finally:
        await replica.close()
    tasks = (await client.get("/bot/tasks", params={"profile_id": profile_id})).json()
    assert [t["task_type"] for t in tasks] == ["sync_catalog"], (enqueued, tasks)
    ran = (await client.get("/bot/schedules")).json()[0]
    assert ran["last_task_id"] == tasks[0]["id"] and ran["last_outcome"] == "enqueued"
