"""Each user gets their own events (all tabs, each once), in the seed's message shape, and nobody else's."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime
from typing import Any

from google.protobuf import struct_pb2
from sellerbot.events.v1 import bot_events_pb2 as bot
from sellerbot.events.v1 import conversation_events_pb2 as conv
from sellerbot_messaging import Subjects


def _now(event: Any, field: str = "at") -> Any:
    getattr(event, field).FromDatetime(datetime.now(UTC))
    return event


async def publish_seed_events(stack: Any, user: str) -> None:
    """The seed's five bot notifications, in order."""
    result = struct_pb2.Struct()
    result.update({"replied": 12})
    events = [
        (Subjects.bot_worker("started"), bot.BotWorkerEvent(user_id=user, worker_id="w1", profiles=["p1", "p2"])),
        (Subjects.bot_task("started"), bot.BotTaskEvent(user_id=user, task_id="t1", task_type="reply_comments",
                                                        profile_id="p1", status="running")),
        (Subjects.bot_task("completed"), bot.BotTaskEvent(user_id=user, task_id="t1", task_type="reply_comments",
                                                          result=result, duration_seconds=4.25)),
        (Subjects.bot_task("failed"), bot.BotTaskEvent(user_id=user, task_id="t2", error="timeout", retry_count=2)),
        (Subjects.bot_worker("stopped"), bot.BotWorkerEvent(user_id=user, worker_id="w1", reason="stopped by user")),
    ]
    for subject, event in events:
        await stack.publish(subject, _now(event), uuid.uuid4().hex, user)


async def test_a_user_receives_the_seed_notifications_and_another_user_nothing(stack: Any) -> None:
    replica = await stack.replica()
    gateway = await stack.gateway(replica)
    alice, bob = f"alice-{uuid.uuid4().hex[:6]}", f"bob-{uuid.uuid4().hex[:6]}"
    alice_tab = await gateway.connect(alice)
    bob_tab = await gateway.connect(bob)

    await publish_seed_events(stack, alice)
    received = await alice_tab.wait_for(5)

    assert [(n["type"], n["payload"]) for n in received] == [
        ("bot_worker_started", {"worker_id": "w1", "profiles": ["p1", "p2"]}),
        ("bot_task_started", {"task_id": "t1", "task_type": "reply_comments", "profile_id": "p1"}),
        ("bot_task_completed", {"task_id": "t1", "result": {"replied": 12}, "duration": 4.25}),
        ("bot_task_failed", {"task_id": "t2", "error": "timeout", "retry_count": 2}),
        ("bot_worker_stopped", {"worker_id": "w1", "reason": "stopped by user"}),
    ]
    assert alice_tab.ids == sorted(set(alice_tab.ids))
    assert all(set(n) == {"id", "type", "payload", "ts"} and n["ts"].endswith("Z") for n in received)
    # Bob's events after Alice's prove Bob's socket was live the whole time, and got only his own.
    await stack.publish(Subjects.bot_worker("started"), _now(bot.BotWorkerEvent(user_id=bob, worker_id="wb")),
                        uuid.uuid4().hex, bob)
    await bob_tab.wait_for(1)
    await asyncio.sleep(0.2)
    assert [n["payload"]["worker_id"] for n in bob_tab.notifications] == ["wb"]
    assert len(alice_tab.notifications) == 5


async def test_every_tab_of_a_user_receives_each_event_exactly_once(stack: Any) -> None:
    replica = await stack.replica()
    gateway = await stack.gateway(replica)
    user = f"seller-{uuid.uuid4().hex[:6]}"
    tabs = [await gateway.connect(user) for _ in range(3)]

    for n in range(20):
        event = _now(bot.BotTaskEvent(user_id=user, task_id=f"t{n}", progress_done=n, progress_total=20))
        await stack.publish(Subjects.bot_task("progress"), event, f"t{n}:progress", user)
    for tab in tabs:
        await tab.wait_for(20)
    await asyncio.sleep(0.3)
    expected = [f"t{n}" for n in range(20)]
    for tab in tabs:
        assert [n["payload"]["task_id"] for n in tab.notifications] == expected
        assert tab.ids == tabs[0].ids  # the same ids on every tab: one stored notification each
    assert tabs[0].notifications[3]["payload"] == {"task_id": "t3", "done": 3, "total": 20}
    assert replica.hub.connections == 1  # the tabs share one upstream subscription on this gateway


async def test_chatbot_events_become_chatbot_notifications(stack: Any) -> None:
    replica = await stack.replica()
    gateway = await stack.gateway(replica)
    user = f"seller-{uuid.uuid4().hex[:6]}"
    tab = await gateway.connect(user)
    contact = "whatsapp:5511999999999"
    wa = conv.CHANNEL_WHATSAPP
    await stack.publish(Subjects.inbound("whatsapp"), _now(conv.InboundMessage(
        user_id=user, channel=wa, contact_id=contact, contact_name="Ana", text="Oi, tem tamanho M?"),
        "received_at"), "whatsapp:1", user)
    await stack.publish(Subjects.outbound("whatsapp"), conv.OutboundReply(user_id=user, reply_id="r1"), "r1", user)
    await stack.publish(Subjects.delivery("whatsapp"), _now(conv.ReplyDelivered(
        user_id=user, channel=wa, contact_id=contact, reply_id="r0", delivered=False)), "d0", user)
    await stack.publish(Subjects.delivery("whatsapp"), _now(conv.ReplyDelivered(
        user_id=user, channel=wa, contact_id=contact, reply_id="r1", delivered=True)), "d1", user)
    await stack.publish(Subjects.handoff("whatsapp"), _now(conv.HandoffRequested(
        user_id=user, channel=wa, contact_id=contact, origin=conv.HANDOFF_ORIGIN_BOT, reason="complaint",
        summary="Cliente quer trocar"), "requested_at"), "h1", user)
    await stack.publish(Subjects.CONVERSATION_UPDATED, _now(conv.ConversationUpdated(
        user_id=user, channel=wa, contact_id=contact, intent="size_question", stage="interested",
        handoff_state="human"), "updated_at"), "u1", user)

    received = await tab.wait_for(5)
    await asyncio.sleep(0.2)
    assert [n["type"] for n in tab.notifications] == [
        "chatbot_message_received", "chatbot_reply_queued", "chatbot_reply_sent", "chatbot_handoff_requested",
        "chatbot_conversation_updated"]
    assert received[0]["payload"]["text"] == "Oi, tem tamanho M?"
    assert received[0]["payload"]["channel"] == "whatsapp"
    assert received[1]["payload"]["reply_id"] == "r1"
    assert received[2]["payload"] == {"contact_id": contact, "channel": "whatsapp", "reply_id": "r1"}
    assert received[3]["payload"]["reason"] == "complaint"
    assert received[3]["payload"]["summary"] == "Cliente quer trocar"
    assert received[4]["payload"]["handoff_state"] == "human"


async def test_a_client_can_subscribe_to_a_subset_of_types(stack: Any) -> None:
    replica = await stack.replica()
    gateway = await stack.gateway(replica)
    user = f"seller-{uuid.uuid4().hex[:6]}"
    only_done = await gateway.connect(user, types="bot_task_completed,bot_task_failed")
    everything = await gateway.connect(user)
    for kind in ("started", "completed", "started", "failed"):
        await stack.publish(Subjects.bot_task(kind), _now(bot.BotTaskEvent(user_id=user, task_id=kind)),
                            uuid.uuid4().hex, user)
    await everything.wait_for(4)
    await only_done.wait_for(2)
    await asyncio.sleep(0.2)
    assert [n["type"] for n in only_done.notifications] == ["bot_task_completed", "bot_task_failed"]
    assert only_done.frames[0]["payload"]["types"] == ["bot_task_completed", "bot_task_failed"]
