"""The live feed follows membership: a member removed from the shop is cut off from its WebSocket events
(gateway served by uvicorn over real sockets; no notification service runs, so the feed keeps retrying)."""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
import pytest
import uvicorn
import websockets
from api_gateway.main import create_app
from api_gateway.settings import GatewaySettings
from sellerbot_devstack.servers import free_port

from .test_team_permissions import Shop, make_shop


@pytest.fixture
async def served_gateway(gateway_settings: Callable[..., GatewaySettings]) -> AsyncIterator[str]:
    settings = gateway_settings(ws_membership_check_seconds=0.2, rate_limit_api="100000/minute",
                                gateway_metrics_port=0)
    server = uvicorn.Server(uvicorn.Config(create_app(settings), host="127.0.0.1", port=free_port(),
                                           log_config=None, lifespan="on"))
    serving = asyncio.create_task(server.serve())
    deadline = time.monotonic() + 60
    while not server.started:
        assert not serving.done() and time.monotonic() < deadline, "gateway did not start"
        await asyncio.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{server.config.port}"
    finally:
        server.should_exit = True
        await asyncio.wait_for(serving, 30)


def _ws(url: str, token: str) -> Any:
    return websockets.connect(url.replace("http://", "ws://") + f"/ws/notifications?token={token}")


async def test_a_removed_member_loses_the_live_feed_at_once(served_gateway: str) -> None:
    async with httpx.AsyncClient(base_url=served_gateway, timeout=30) as api:
        shop: Shop = await make_shop(api)
        async with _ws(served_gateway, shop.tokens["agent"]) as agent_socket:
            removed = await api.delete(f"/team/members/{shop.ids['agent']}", headers=shop.headers("owner"))
            assert removed.status_code == 204
            with pytest.raises(websockets.ConnectionClosed):
                await asyncio.wait_for(agent_socket.recv(), 10)
            assert agent_socket.close_code == 4401
            assert agent_socket.close_reason == "user no longer exists"
        async with _ws(served_gateway, shop.tokens["agent"]) as again:
            with pytest.raises(websockets.ConnectionClosed):
                await asyncio.wait_for(again.recv(), 10)
            assert again.close_code == 4401


async def test_the_token_travels_as_a_websocket_protocol_and_the_server_chooses_bearer(served_gateway: str) -> None:
    async with httpx.AsyncClient(base_url=served_gateway, timeout=30) as api:
        shop: Shop = await make_shop(api)
    url = served_gateway.replace("http://", "ws://") + "/ws/notifications"
    async with websockets.connect(url, subprotocols=["bearer", shop.tokens["viewer"]]) as socket:
        assert socket.subprotocol == "bearer"
        await socket.send(json.dumps({"type": "ping"}))
        deadline = time.monotonic() + 10
        while json.loads(await asyncio.wait_for(socket.recv(), 10))["type"] != "pong":
            assert time.monotonic() < deadline, "no pong"
    async with websockets.connect(url, subprotocols=["bearer", "forged.token.value"]) as forged:
        with pytest.raises(websockets.ConnectionClosed):
            await asyncio.wait_for(forged.recv(), 10)
        assert forged.close_code == 4401


async def test_a_token_in_the_query_string_is_redacted_from_the_server_logs(
    served_gateway: str, caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO)
    async with httpx.AsyncClient(base_url=served_gateway, timeout=30) as api:
        shop: Shop = await make_shop(api)
        assert (await api.get("/livez", params={"token": "query-secret-9f3e"})).status_code == 200
    token = shop.tokens["agent"]
    async with _ws(served_gateway, token) as socket:
        await socket.send(json.dumps({"type": "ping"}))
        await asyncio.wait_for(socket.recv(), 10)
    server_log = "\n".join(r.getMessage() for r in caplog.records if r.name != "httpx")  # httpx: the test's client
    assert token not in server_log and "query-secret-9f3e" not in server_log
    assert '"WebSocket /ws/notifications?token=[redacted]"' in server_log
    assert "GET /livez?token=[redacted]" in server_log
