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


async def test_reply_reviews_in_english_respects_ratings_and_never_answers_twice(
        new_user, fresh_replica, h) -> None:
    client: httpx.AsyncClient = await new_user()
    email = h.seller()
    fresh_replica.seed(email, password="pw-" + email, code="654321", reviews=25, replied_every=4)
    created = await client.post("/bot/profiles", json={"name": "Shop EN", "login": email, "password": "pw-" + email,
                                                       "locale": "en"})
    profile = created.json()
    assert profile["locale"] == "en"
    verified = await client.post(f"/bot/profiles/{profile['id']}/verify", json={"code": "654321"})
    assert verified.json()["status"] == "verified", verified.text
    before = fresh_replica.state(email)["reviews"]
    expected = sorted(r["id"] for r in before if r["reply"] is None and 1 <= r["rating"] <= 3)
    assert (await client.post("/bot/start", json={})).status_code == 200
    config = {"max_replies": 100, "delay_seconds": 0, "min_rating": 1, "max_rating": 3,
              "reply_template": "Thank you for the feedback on {product}."}
    first = (await client.post("/bot/tasks", json={"task_type": "reply_reviews", "profile_id": profile["id"],
                                                   "config": config})).json()
    task = await h.wait_task(client, first["id"], h.finished)
    assert task["status"] == "completed", task
    received = fresh_replica.state(email)["received"]["review_replies"]
    assert sorted(r["id"] for r in received) == expected
    assert all(r["text"].startswith("Thank you for the feedback on ") for r in received)
    again = (await client.post("/bot/tasks", json={"task_type": "reply_reviews", "profile_id": profile["id"],
                                                   "config": config})).json()
    rerun = await h.wait_task(client, again["id"], h.finished)
    assert rerun["status"] == "completed" and rerun["progress_done"] == 0, rerun
    assert len(fresh_replica.state(email)["received"]["review_replies"]) == len(expected)


async def test_reply_messages_answers_unreplied_chats_with_the_chatbots_reply(
        new_user, fresh_replica, chatbot, h) -> None:
    servicer, _ = chatbot
    client: httpx.AsyncClient = await new_user()
    me = (await client.get("/auth/me")).json()["id"]
    email = h.seller()
    profile = await h.verified_profile(client, fresh_replica, email, conversations=5, replied_every=4)
    assert (await client.post("/bot/start", json={})).status_code == 200
    created = (await client.post("/bot/tasks", json={"task_type": "reply_messages", "profile_id": profile["id"],
                                                     "config": {"max_replies": 10, "delay_seconds": 0}})).json()
    task = await h.wait_task(client, created["id"], h.finished)
    assert task["status"] == "completed", task
    sent = fresh_replica.state(email)["received"]["messages"]
    assert sorted(m["id"] for m in sent) == ["conv_001", "conv_002", "conv_003", "conv_005"]
    mine = [c for c in servicer.calls if c["user_id"] == me]
    assert len(mine) == 4 and all(c["channel"] == "tiktok_shop" for c in mine)
    assert all(c["contact_id"].startswith(f"tiktok_shop:{profile['id']}:conv_") for c in mine)
    assert all("já verificamos" in m["text"] for m in sent)
    # A new buyer message in an answered chat is answered on the next run; nothing else is repeated.
    fresh_replica.http.post("/__test__/buyer_message", json={"seller": email, "conversation_id": "conv_002",
                                                             "text": "E o rastreio?"}).raise_for_status()
    rerun = (await client.post("/bot/tasks", json={"task_type": "reply_messages", "profile_id": profile["id"],
                                                   "config": {"max_replies": 10, "delay_seconds": 0}})).json()
    assert (await h.wait_task(client, rerun["id"], h.finished))["progress_done"] == 1
    sent = fresh_replica.state(email)["received"]["messages"]
    assert [m["id"] for m in sent].count("conv_002") == 2 and len(sent) == 5


async def test_invite_creators_stops_on_the_weekly_quota_as_partial_success(new_user, fresh_replica, h) -> None:
    client: httpx.AsyncClient = await new_user()
    email = h.seller()
    profile = await h.verified_profile(client, fresh_replica, email, creators=20, quota=3)
    assert (await client.post("/bot/start", json={})).status_code == 200
    config = {"max_invites": 10, "delay_seconds": 0, "category": "beauty", "invitation_name": "Black Friday",
              "message": "Oi! Vamos colaborar?", "commission_rate": 12}
    created = (await client.post("/bot/tasks", json={"task_type": "invite_creators", "profile_id": profile["id"],
                                                     "config": config})).json()
    task = await h.wait_task(client, created["id"], h.finished)
    assert task["status"] == "completed", task
    assert task["result"]["quota_exhausted"] is True and task["result"]["partial"] is True
    assert task["result"]["invited"] == 3 and task["retry_count"] == 0
    state = fresh_replica.state(email)
    invites = state["received"]["invites"]
    beauty = {c["id"] for c in state["creators"] if c["category"] == "beauty"}
    assert len(invites) == 3 and {i["id"] for i in invites} <= beauty
    assert all(i["name"] == "Black Friday" and i["commission_rate"] == 12 and i["message"] == "Oi! Vamos colaborar?"
               for i in invites)
    assert state["quota_left"] == 0


async def test_daily_caps_bound_the_actions_and_tasks_wait_outside_active_hours(
        new_user, fresh_replica, automation, h) -> None:
    client: httpx.AsyncClient = await new_user()
    me = (await client.get("/auth/me")).json()["id"]
    email = h.seller()
    fresh_replica.seed(email, password="pw", code="222333", comments=8, replied_every=0)
    capped = (await client.post("/bot/profiles", json={"name": "Capped", "login": email, "password": "pw",
                                                       "daily_caps": {"reply_comments": 2}})).json()
    assert (await client.post(f"/bot/profiles/{capped['id']}/verify", json={"code": "222333"})).json()[
        "status"] == "verified"
    assert (await client.post("/bot/start", json={})).status_code == 200
    first = (await client.post("/bot/tasks", json={"task_type": "reply_comments", "profile_id": capped["id"],
                                                   "config": {"max_replies": 10, "delay_seconds": 0}})).json()
    done = await h.wait_task(client, first["id"], h.finished)
    assert done["status"] == "completed" and done["progress_done"] == 2, done
    assert len(fresh_replica.state(email)["received"]["comment_replies"]) == 2
    # A second task of the capped profile, and one of a profile outside its active hours, both stay queued.
    second = (await client.post("/bot/tasks", json={"task_type": "reply_comments", "profile_id": capped["id"],
                                                    "config": {"max_replies": 10, "delay_seconds": 0}})).json()
    sleepy = (await client.post("/bot/profiles", json={
        "name": "Night", "login": email, "password": "pw", "timezone": "UTC",
        "active_hours": _window_excluding_now()})).json()
    assert (await client.post(f"/bot/profiles/{sleepy['id']}/verify", json={"code": "222333"})).json()[
        "status"] == "verified"
    later = (await client.post("/bot/tasks", json={"task_type": "reply_comments", "profile_id": sleepy["id"],
                                                   "config": {"max_replies": 1, "delay_seconds": 0}})).json()
    await automation.supervisor.workers[me]._fill()  # one scheduling pass, deterministically
    for waiting in (second, later):
        assert (await client.get(f"/bot/tasks/{waiting['id']}")).json()["status"] == "queued"
    assert (await client.get("/bot/worker-status")).json()["queued_tasks"] == 2


def _window_excluding_now() -> str:
    from datetime import UTC, datetime, timedelta

    start = datetime.now(UTC) + timedelta(hours=2)
    end = start + timedelta(hours=1)
    return f"{start:%H}:00-{end:%H}:00"


async def test_use_ai_asks_the_chatbot_for_each_reply(new_user, fresh_replica, chatbot, h) -> None:
    servicer, _ = chatbot
    client: httpx.AsyncClient = await new_user()
    email = h.seller()
    profile = await h.verified_profile(client, fresh_replica, email, comments=3, replied_every=0)
    assert (await client.post("/bot/start", json={})).status_code == 200
    created = (await client.post("/bot/tasks", json={"task_type": "reply_comments", "profile_id": profile["id"],
                                                     "config": {"use_ai": True, "delay_seconds": 0}})).json()
    task = await h.wait_task(client, created["id"], h.finished)
    assert task["status"] == "completed" and task["progress_done"] == 3, task
    asked = [c for c in servicer.calls if c["contact_id"].startswith(f"tiktok_shop:{profile['id']}:comments:")]
    replies = fresh_replica.state(email)["received"]["comment_replies"]
    assert len(asked) == 3 and len(replies) == 3
    assert all("já verificamos" in r["text"] for r in replies)
