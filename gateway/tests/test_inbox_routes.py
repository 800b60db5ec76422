"""The inbox routes' own checks, made before the chatbot is called: who may be assigned, what a quick reply
and a page request look like (the chatbot's side is tested in services/chatbot and through the whole stack)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest
from api_gateway.auth.permissions import Role

from .test_team_permissions import DUMMY_ID, make_shop


@pytest.fixture
async def shop_gateway(gateway_factory: Callable[..., Any]) -> httpx.AsyncClient:
    client: httpx.AsyncClient = await gateway_factory(rate_limit_api="100000/minute")
    return client


async def test_only_members_who_can_answer_are_assigned(shop_gateway: httpx.AsyncClient) -> None:
    shop = await make_shop(shop_gateway)
    url = f"/seller-bot/conversations/{DUMMY_ID}/assign"
    viewer = await shop_gateway.post(url, json={"user_id": shop.ids[Role.VIEWER]}, headers=shop.headers(Role.AGENT))
    assert viewer.status_code == 422 and "viewer cannot answer" in viewer.json()["detail"]
    other_shop = await make_shop(shop_gateway)
    stranger = await shop_gateway.post(url, json={"user_id": other_shop.ids[Role.AGENT]},
                                       headers=shop.headers(Role.AGENT))
    assert stranger.status_code == 422 and "not a member" in stranger.json()["detail"]


async def test_bad_quick_replies_and_page_requests_are_422(shop_gateway: httpx.AsyncClient) -> None:
    shop = await make_shop(shop_gateway)
    admin = shop.headers(Role.ADMIN)
    for body in ({"shortcut": "com espaço", "text": "x"}, {"shortcut": "preco", "text": ""}, {"shortcut": "preco"}):
        response = await shop_gateway.post("/seller-bot/quick-replies", json=body, headers=admin)
        assert response.status_code == 422, body
    for query in ("filter=todos", "limit=0", "limit=201", "channel=fax"):
        response = await shop_gateway.get(f"/seller-bot/inbox?{query}", headers=admin)
        assert response.status_code == 422, query
    too_long = await shop_gateway.post(f"/seller-bot/conversations/{DUMMY_ID}/messages", json={"text": "x" * 4097},
                                       headers=admin)
    assert too_long.status_code == 422
