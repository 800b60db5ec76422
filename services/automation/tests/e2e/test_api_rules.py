"""API rules that need no browser: validation (422 naming the field), per-user isolation, worker control."""

from __future__ import annotations

import httpx


async def make_profile(client: httpx.AsyncClient, **extra: object) -> dict[str, object]:
    response = await client.post("/bot/profiles", json={"name": "Loja", "login": "seller@example.com",
                                                        "password": "s3cret-pass", **extra})
    assert response.status_code == 201, response.text
    return dict(response.json())


BAD_CONFIGS = [
    ("reply_comments", {"max_replies": 0}, "config.max_replies"),
    ("reply_comments", {"delay_seconds": -1}, "config.delay_seconds"),
    ("reply_comments", {"reply_template": "Mude sua avaliação para 5 estrelas!"}, "config.reply_template"),
    ("reply_comments", {"reply_template": "Oi {cliente}"}, "config.reply_template"),
    ("reply_comments", {"max_replies": 5, "surprise": True}, "config.surprise"),
    ("reply_reviews", {"min_rating": 4, "max_rating": 2}, "config.min_rating"),
    ("reply_reviews", {"use_ai": True, "reply_template": "Oi"}, "config.reply_template"),
    ("reply_messages", {"max_replies": "many"}, "config.max_replies"),
    ("invite_creators", {"max_invites": 5}, "config.invitation_name"),
    ("invite_creators", {"invitation_name": "x", "commission_rate": 95}, "config.commission_rate"),
    ("invite_creators", {"invitation_name": "x", "min_followers": 10, "max_followers": 5}, "config.min_followers"),
]


async def test_bad_task_configs_are_rejected_with_422_naming_the_field(new_user) -> None:
    client = await new_user()
    profile = await make_profile(client)
    for task_type, config, field in BAD_CONFIGS:
        response = await client.post("/bot/tasks", json={"task_type": task_type, "profile_id": profile["id"],
                                                         "config": config})
        assert response.status_code == 422, (task_type, config, response.text)
        assert field in [f["field"] for f in response.json()["fields"]], (config, response.json())
    assert (await client.get("/bot/tasks")).json() == []


async def test_bad_profiles_are_rejected_and_secrets_never_come_back(new_user) -> None:
    client = await new_user()
    bad = await client.post("/bot/profiles", json={"name": "L", "login": "a@b.c", "password": "p",
                                                   "daily_caps": {"reply_everything": 5}})
    assert bad.status_code == 422 and bad.json()["fields"][0]["field"].startswith("daily_caps"), bad.text
    bad_tz = await client.post("/bot/profiles", json={"name": "L", "login": "a@b.c", "password": "p",
                                                      "timezone": "Mars/Olympus"})
    assert bad_tz.status_code == 422 and bad_tz.json()["fields"][0]["field"] == "timezone", bad_tz.text
    profile = await make_profile(client, proxy="http://10.0.0.1:3128")
    listed = (await client.get("/bot/profiles")).json()
    text = str(listed)
    assert "s3cret-pass" not in text and "seller@example.com" not in text and "10.0.0.1" not in text
    assert listed[0]["login"] == "se****@example.com" and listed[0]["has_proxy"] is True
    assert profile["status"] == "unverified" and profile["locale"] == "pt-BR"


async def test_sellers_never_see_each_others_profiles_or_tasks(new_user) -> None:
    alice, bob = await new_user(), await new_user()
    profile = await make_profile(alice)
    task = (await alice.post("/bot/tasks", json={"task_type": "reply_comments", "profile_id": profile["id"],
                                                 "config": {"max_replies": 3}})).json()
    assert (await bob.get("/bot/profiles")).json() == []
    assert (await bob.get("/bot/tasks")).json() == []
    assert (await bob.get(f"/bot/tasks/{task['id']}")).status_code == 404
    assert (await bob.delete(f"/bot/tasks/{task['id']}")).status_code == 404
    assert (await bob.delete(f"/bot/profiles/{profile['id']}")).status_code == 404
    assert (await bob.post(f"/bot/profiles/{profile['id']}/verify")).status_code == 404
    stolen = await bob.post("/bot/tasks", json={"task_type": "reply_comments", "profile_id": profile["id"],
                                                "config": {}})
    assert stolen.status_code == 422 and stolen.json()["fields"][0]["field"] == "profile_id"
    assert (await bob.get("/bot/stats")).json()["total_tasks"] == 0
    stats = (await alice.get("/bot/stats")).json()
    assert stats["total_tasks"] == 1 and stats["by_status"] == {"queued": 1} and stats["total_profiles"] == 1
    assert [t["id"] for t in (await alice.get("/bot/tasks")).json()] == [task["id"]]
    assert [t["id"] for t in (await alice.get("/bot/tasks", params={"status": "queued"})).json()] == [task["id"]]
    assert (await alice.get("/bot/tasks", params={"status": "completed"})).json() == []


async def test_starting_a_running_worker_answers_409_with_its_status(new_user) -> None:
    client = await new_user()
    first = await client.post("/bot/start", json={"max_parallel_profiles": 3})
    assert first.status_code == 200 and first.json()["running"] is True, first.text
    again = await client.post("/bot/start", json={})
    assert again.status_code == 409, again.text
    assert again.json()["worker"]["worker_id"] == first.json()["worker_id"]
    assert again.json()["worker"]["max_parallel_profiles"] == 3
    status = (await client.get("/bot/worker-status")).json()
    assert status["running"] is True and status["state"] == "running"
    stopped = await client.post("/bot/stop", json={"reason": "lunch"})
    assert stopped.status_code == 200 and stopped.json()["running"] is False
    assert (await client.post("/bot/start", json={})).status_code == 200
    await client.post("/bot/stop", json={})
