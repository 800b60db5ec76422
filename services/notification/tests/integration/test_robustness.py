"""A NATS outage closes nothing and delivery resumes; a slow client is cut off without slowing the others."""

from __future__ import annotations

import asyncio
import socket
import uuid
from pathlib import Path
from typing import Any

import pytest
import websockets
from api_gateway.api.routes.ws import WS_CLOSED
from sellerbot.events.v1 import bot_events_pb2 as bot
from sellerbot.events.v1 import conversation_events_pb2 as conv
from sellerbot_devstack.servers import free_port
from sellerbot_messaging import Subjects


async def _publish_with_retry(stack: Any, user: str, n: int) -> None:
    event = bot.BotTaskEvent(user_id=user, task_id=f"t{n}")
    event.at.GetCurrentTime()
    deadline = asyncio.get_running_loop().time() + 30
    while True:
        try:
            await stack.publish(Subjects.bot_task("completed"), event, f"{user}:{n}", user)
            return
        except Exception:
            assert asyncio.get_running_loop().time() < deadline, "NATS did not come back"
            await asyncio.sleep(0.2)


async def test_a_nats_restart_closes_no_socket_and_delivery_resumes(
    stack_on: Any, own_nats_server: Any, tmp_path: Path
) -> None:
    store, port = tmp_path / "nats", free_port()
    server = own_nats_server(data_dir=store, port=port)
    stack = stack_on(server.url)
    replica = await stack.replica()
    gateway = await stack.gateway(replica)
    user = "u-" + uuid.uuid4().hex[:6]
    client = await gateway.connect(user)
    for n in range(3):
        await _publish_with_retry(stack, user, n)
    await client.wait_for(3)

    server.stop()
    await stack.wait_until(lambda: not replica.nc.is_connected, 10, "the replica notices the outage")
    await asyncio.sleep(1.5)  # readers time out and retry: the socket must not care
    assert client.ws.close_code is None
    own_nats_server(data_dir=store, port=port)
    for n in range(3, 6):
        await _publish_with_retry(stack, user, n)

    await client.wait_for(6, seconds=30)
    await asyncio.sleep(0.3)
    assert [n["payload"]["task_id"] for n in client.notifications] == [f"t{n}" for n in range(6)]
    assert client.ids == sorted(set(client.ids))
    assert client.ws.close_code is None
    assert len(client.of_type("subscribed")) == 1


async def _slow_socket(url: str) -> Any:
    """A client with a tiny receive buffer that stops reading: the server's writes back up at once."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    host, port = url.split("//")[1].split("/")[0].split(":")
    sock.connect((host, int(port)))
    sock.setblocking(False)
    return await websockets.connect(url, sock=sock, max_queue=1, compression=None)


async def test_a_slow_client_is_closed_with_a_reason_while_the_others_keep_up(stack: Any) -> None:
    replica = await stack.replica(notification_max_pending=50)
    gateway = await stack.gateway(replica)
    user = "u-" + uuid.uuid4().hex[:6]
    fast = await gateway.connect(user)
    slow = await _slow_socket(gateway.url(stack.token(user)))
    slow.transport.pause_reading()
    feeds = gateway.server.config.app.state.notification_feeds
    await stack.wait_until(lambda: len(feeds[(user, "")].sessions) == 2, what="both tabs on the user's feed")
    slow_closes = WS_CLOSED.labels("slow_client")._value.get()

    text = "x" * 20_000  # big frames fill the socket buffers quickly (the slow client has no compression)
    sent = 0
    while WS_CLOSED.labels("slow_client")._value.get() == slow_closes:
        assert sent < 1000, "the slow client was never cut off"
        for _ in range(25):
            event = conv.InboundMessage(user_id=user, channel=conv.CHANNEL_API, contact_id=f"api:{sent}", text=text)
            event.received_at.GetCurrentTime()
            await stack.publish(Subjects.inbound("api"), event, f"{user}:{sent}", user)
            sent += 1
        await fast.wait_for(sent, seconds=10)  # the fast tab keeps up at every step

    slow.transport.resume_reading()
    with pytest.raises(websockets.ConnectionClosed):
        while True:
            await asyncio.wait_for(slow.recv(), 10)
    assert slow.close_code == 4429
    assert "slow client" in (slow.close_reason or "")
    await fast.wait_for(sent)
    assert [n["payload"]["contact_id"] for n in fast.notifications] == [f"api:{n}" for n in range(sent)]
    assert fast.ws.close_code is None
    assert replica.hub.connections == 1  # the fast tab's (shared) upstream subscription is untouched
