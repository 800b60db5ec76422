"""The socket's life: token checks (close 4401), bad subscriptions (4400), ping/pong, heartbeats, dead peers."""

from __future__ import annotations

import asyncio
import json
import uuid
from datetime import timedelta
from typing import Any

import jwt
import pytest
import websockets


async def _close_of(url: str, **connect: Any) -> tuple[int | None, str]:
    async with websockets.connect(url, **connect) as ws:
        with pytest.raises(websockets.ConnectionClosed):
            await asyncio.wait_for(ws.recv(), 10)
        return ws.close_code, ws.close_reason or ""


@pytest.mark.parametrize("case", ["missing", "forged", "expired", "refresh_token"])
async def test_a_bad_token_is_closed_with_4401_and_a_reason(stack: Any, case: str) -> None:
    gateway = await stack.gateway(await stack.replica())
    user = "u-" + uuid.uuid4().hex[:6]
    tokens = {
        "missing": None,
        "forged": jwt.encode({"sub": user, "type": "access", "iat": 1, "exp": 4102444800}, "forged-secret-" + "y" * 32,
                             algorithm="HS256"),
        "expired": stack.token(user, ttl=timedelta(seconds=-5)),
        "refresh_token": jwt.encode({"sub": user, "type": "refresh", "iat": 1, "exp": 4102444800},
                                    "notification-test-secret-" + "x" * 32, algorithm="HS256"),
    }
    code, reason = await _close_of(gateway.url(tokens[case]))
    assert code == 4401
    expected = {"missing": "missing token", "forged": "invalid token", "expired": "token expired",
                "refresh_token": "expected a access token"}[case]
    assert expected in reason


async def test_the_authorization_header_is_accepted_too(stack: Any) -> None:
    gateway = await stack.gateway(await stack.replica())
    user = "u-" + uuid.uuid4().hex[:6]
    await gateway.ensure_user(user)
    token = stack.token(user)
    async with websockets.connect(gateway.url(), additional_headers={"Authorization": f"Bearer {token}"}) as ws:
        first = json.loads(await asyncio.wait_for(ws.recv(), 10))
    assert first["type"] == "subscribed"
    assert first["id"] is None


async def test_a_token_that_expires_while_connected_closes_with_4401(stack: Any) -> None:
    gateway = await stack.gateway(await stack.replica())
    user = "u-" + uuid.uuid4().hex[:6]
    await gateway.ensure_user(user)
    token = stack.token(user, ttl=timedelta(seconds=2))
    async with websockets.connect(gateway.url(token)) as ws:
        assert json.loads(await ws.recv())["type"] == "subscribed"
        with pytest.raises(websockets.ConnectionClosed):
            while True:
                await asyncio.wait_for(ws.recv(), 10)
    assert ws.close_code == 4401
    assert ws.close_reason == "token expired"


async def test_an_unknown_type_or_malformed_resume_id_is_closed_with_4400(stack: Any) -> None:
    gateway = await stack.gateway(await stack.replica())
    user = "u-" + uuid.uuid4().hex[:6]
    await gateway.ensure_user(user)
    token = stack.token(user)
    code, reason = await _close_of(gateway.url(token, types="bot_task_started,bot_nonsense"))
    assert (code, "bot_nonsense" in reason) == (4400, True)
    first_frame_then_close = await _close_of(gateway.url(token, last_event_id="abc"))
    assert first_frame_then_close[0] == 4400
    assert "last_event_id" in first_frame_then_close[1]


async def test_a_client_ping_gets_a_pong_and_silence_gets_heartbeats(stack: Any) -> None:
    gateway = await stack.gateway(await stack.replica(notification_heartbeat_seconds=0.3))
    client = await gateway.connect("u-" + uuid.uuid4().hex[:6])
    await client.ws.send(json.dumps({"type": "ping"}))
    await stack.wait_until(lambda: client.of_type("pong") and len(client.of_type("heartbeat")) >= 2,
                           what="a pong and two heartbeats")
    pong = client.of_type("pong")[0]
    assert pong["id"] is None and pong["payload"] == {}
    assert client.notifications == []


async def test_a_dead_peer_is_dropped_by_the_keepalive_and_its_subscription_released(stack: Any) -> None:
    replica = await stack.replica()
    gateway = await stack.gateway(replica, ws_ping_interval=0.3, ws_ping_timeout=0.5)
    alive = await gateway.connect("u-" + uuid.uuid4().hex[:6])
    dead = await gateway.connect("u-" + uuid.uuid4().hex[:6])
    assert replica.hub.connections == 2
    dead.ws.transport.pause_reading()  # stops answering pings, like a peer whose network vanished
    await stack.wait_until(lambda: replica.hub.connections == 1, 10, "dead subscription released")
    await asyncio.sleep(1.0)  # several ping periods: the live one is untouched
    assert alive.ws.close_code is None
    assert replica.hub.connections == 1
    dead.ws.transport.abort()
