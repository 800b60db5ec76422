"""The live feed follows membership: a member removed from the shop is cut off from its WebSocket events
(gateway served by uvicorn over real sockets; no notification service runs, so the feed keeps retrying)."""

from __future__ import annotations

import asyncio
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
