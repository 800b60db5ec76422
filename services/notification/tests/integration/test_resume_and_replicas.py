"""Resume with last_event_id (on any replica), several replicas at once, a replica restart under a live socket."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

from sellerbot.events.v1 import bot_events_pb2 as bot
from sellerbot_messaging import Subjects


async def _progress(stack: Any, user: str, first: int, count: int) -> None:
    for n in range(first, first + count):
        event = bot.BotTaskEvent(user_id=user, task_id="t", progress_done=n, progress_total=100)
        event.at.GetCurrentTime()
        await stack.publish(Subjects.bot_task("progress"), event, f"{user}:t:{n}", user)


def _done(client: Any) -> list[int]:
    return [n["payload"]["done"] for n in client.notifications]


async def test_a_reconnecting_client_gets_what_it_missed_in_order_without_duplicates(stack: Any) -> None:
    gateway = await stack.gateway(await stack.replica())
    user = "u-" + uuid.uuid4().hex[:6]
    first = await gateway.connect(user)
    await _progress(stack, user, 0, 5)
    await first.wait_for(5)
    last_id = first.notifications[2]["id"]  # pretend it saw only the first three
    await first.close()
    await _progress(stack, user, 5, 5)  # published while disconnected

    again = await gateway.connect(user, last_event_id=last_id)
    await again.wait_for(7)
    await _progress(stack, user, 10, 2)  # and live after the replay
    await again.wait_for(9)
    await asyncio.sleep(0.2)
    assert _done(again) == [3, 4, 5, 6, 7, 8, 9, 10, 11]
    assert again.ids == sorted(set(again.ids))
    assert again.of_type("resync") == []


async def test_resume_with_a_type_subset_replays_only_those_types(stack: Any) -> None:
    gateway = await stack.gateway(await stack.replica())
    user = "u-" + uuid.uuid4().hex[:6]
    first = await gateway.connect(user)
    await first.wait_for(0)
    await first.close()
    for kind in ("started", "progress", "completed"):
        event = bot.BotTaskEvent(user_id=user, task_id=kind)
        await stack.publish(Subjects.bot_task(kind), event, f"{user}:{kind}", user)
    again = await gateway.connect(user, last_event_id="1", types="bot_task_completed")
    await again.wait_for(1)
    await asyncio.sleep(0.2)
    assert [n["type"] for n in again.notifications] == ["bot_task_completed"]


async def test_two_replicas_deliver_each_event_once_per_connection_and_resume_each_others_ids(stack: Any) -> None:
    one, two = await stack.replica(), await stack.replica()
    gateway_one, gateway_two = await stack.gateway(one), await stack.gateway(two)
    user, other = "u-" + uuid.uuid4().hex[:6], "u-" + uuid.uuid4().hex[:6]
    on_one = await gateway_one.connect(user)
    on_two = await gateway_two.connect(user)
    stranger = await gateway_two.connect(other)

    await _progress(stack, user, 0, 30)
    await on_one.wait_for(30)
    await on_two.wait_for(30)
    await asyncio.sleep(0.3)
    assert _done(on_one) == _done(on_two) == list(range(30))
    assert on_one.ids == on_two.ids  # one stored notification per event, whichever replica translated it
    assert stranger.notifications == []

    # The client of replica one drops after event 19 and comes back through replica two.
    resume_from = on_one.notifications[19]["id"]
    await on_one.close()
    await _progress(stack, user, 30, 5)
    moved = await gateway_two.connect(user, last_event_id=resume_from)
    await moved.wait_for(15)
    await asyncio.sleep(0.2)
    assert _done(moved) == list(range(20, 35))


async def test_a_replica_restart_under_an_open_socket_is_invisible_to_the_client(stack: Any) -> None:
    replica = await stack.replica()
    port = replica.port
    gateway = await stack.gateway(replica)
    user = "u-" + uuid.uuid4().hex[:6]
    client = await gateway.connect(user)
    await _progress(stack, user, 0, 3)
    await client.wait_for(3)

    await replica.stop()
    stack.replicas.remove(replica)
    await _progress(stack, user, 3, 3)  # while no replica runs at all
    await stack.replica(notification_grpc_addr=f"127.0.0.1:{port}")
    await _progress(stack, user, 6, 3)

    await client.wait_for(9, seconds=30)
    await asyncio.sleep(0.2)
    assert _done(client) == list(range(9))
    assert client.ws.close_code is None
    assert len(client.of_type("subscribed")) == 1


async def test_one_gateway_dialling_every_replica_spreads_its_streams_and_each_user_gets_each_event_once(
    stack: Any,
) -> None:
    """As with `make run --replicas notification=2` (and a headless Service in Kubernetes): the gateway's one
    channel lists both replicas, round_robin spreads the users' Subscribe streams over them, and every
    replica reads every notification, so no user misses or doubles an event wherever its stream landed."""
    one, two = await stack.replica(), await stack.replica()
    gateway = await stack.gateway(target=f"ipv4:127.0.0.1:{one.port},127.0.0.1:{two.port}")
    users = ["u-" + uuid.uuid4().hex[:6] for _ in range(6)]
    clients = {user: await gateway.connect(user) for user in users}
    assert one.hub.connections > 0 and two.hub.connections > 0
    assert one.hub.connections + two.hub.connections == len(users)

    for user in users:
        await _progress(stack, user, 0, 5)
    for client in clients.values():
        await client.wait_for(5)
    await asyncio.sleep(0.2)
    assert all(_done(client) == list(range(5)) for client in clients.values())
