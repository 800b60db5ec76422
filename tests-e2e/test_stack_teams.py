"""Teams through the running stack: the members of a shop share its data and its live events, the services
record which member acted, and another shop sees none of it, WebSocket included."""

from __future__ import annotations

import asyncio
import json
import uuid
from typing import Any

import httpx
import websockets

from .conftest import RunningStack
from .test_stack_as_a_new_user import auth

PASSWORD = "senha-da-equipe-1"


def _seller(stack: RunningStack) -> tuple[str, str]:
    """A new shop (its owner's token and id), created by the platform admin."""
    email = f"dona-{uuid.uuid4().hex[:8]}@loja.test"
    created = httpx.post(f"{stack.url}/auth/users", headers=auth(stack.token()),
                         json={"email": email, "password": PASSWORD})
    assert created.status_code == 201, created.text
    return stack.token(email, PASSWORD), created.json()["id"]


def _member(stack: RunningStack, owner_token: str, role: str) -> tuple[str, str]:
    email = f"{role}-{uuid.uuid4().hex[:8]}@loja.test"
    invited = httpx.post(f"{stack.url}/team/invitations", headers=auth(owner_token), json={"email": email,
                                                                                           "role": role})
    assert invited.status_code == 201, invited.text
    accepted = httpx.post(f"{stack.url}/team/invitations/accept",
                          json={"token": invited.json()["token"], "password": PASSWORD})
    assert accepted.status_code == 201, accepted.text
    return stack.token(email, PASSWORD), accepted.json()["user_id"]


class Socket:
    """A dashboard's live feed: frames collected in the background once the `subscribed` frame arrived."""

    def __init__(self, stack: RunningStack, token: str) -> None:
        self.url = stack.url.replace("http://", "ws://") + f"/ws/notifications?token={token}"
        self.frames: list[dict[str, Any]] = []
        self.subscribed = asyncio.Event()
        self.task: asyncio.Task[None] | None = None

    async def _listen(self) -> None:
        async with websockets.connect(self.url) as socket:
            async for raw in socket:
                frame = json.loads(raw)
                self.frames.append(frame)
                if frame["type"] == "subscribed":
                    self.subscribed.set()

    async def __aenter__(self) -> Socket:
        self.task = asyncio.create_task(self._listen())
        await asyncio.wait_for(self.subscribed.wait(), 20)
        return self

    async def __aexit__(self, *_: object) -> None:
        assert self.task is not None
        self.task.cancel()

    def contacts(self) -> set[str]:
        return {str(f["payload"].get("contact_id")) for f in self.frames if f["id"] is not None}

    async def wait_for_contact(self, contact_id: str, seconds: float = 20) -> None:
        deadline = asyncio.get_running_loop().time() + seconds
        while contact_id not in self.contacts():
            assert asyncio.get_running_loop().time() < deadline, f"no event for {contact_id}: {self.frames}"
            await asyncio.sleep(0.05)


async def test_members_share_their_shop_and_another_shop_sees_nothing(stack: RunningStack) -> None:
    owner_a, shop_a = _seller(stack)
    agent_a, _ = _member(stack, owner_a, "agent")
    admin_a, admin_a_id = _member(stack, owner_a, "admin")
    owner_b, _ = _seller(stack)
    contact_a = f"whatsapp:5511{uuid.uuid4().int % 10**9:09d}"
    contact_b = f"whatsapp:5521{uuid.uuid4().int % 10**9:09d}"
    sku = f"SKU-{uuid.uuid4().hex[:6]}"
    async with httpx.AsyncClient(base_url=stack.url, timeout=30) as api, \
            Socket(stack, agent_a) as agent_feed, Socket(stack, owner_b) as b_feed:
        product = await api.post("/seller-bot/products", headers=auth(admin_a),
                                 json={"sku": sku, "name": "Tênis Corrida", "price": 199.9})
        assert product.status_code == 201, product.text
        assert sku in {p["sku"] for p in (await api.get("/seller-bot/products", headers=auth(agent_a))).json()}
        assert sku not in {p["sku"] for p in (await api.get("/seller-bot/products", headers=auth(owner_b))).json()}

        sent = await api.post("/seller-bot/message", headers=auth(agent_a),
                              json={"contact_id": contact_a, "message": "Qual o preço do tênis?"})
        assert sent.status_code == 200, sent.text
        await agent_feed.wait_for_contact(contact_a)
        conversation_id = sent.json()["conversation_id"]
        mine = (await api.get("/seller-bot/conversations", headers=auth(owner_a))).json()
        assert contact_a in {c["contact_id"] for c in mine}
        theirs = (await api.get("/seller-bot/conversations", headers=auth(owner_b))).json()
        assert contact_a not in {c["contact_id"] for c in theirs}
        taken = await api.post(f"/seller-bot/conversations/{conversation_id}/handoff", headers=auth(agent_a))
        assert taken.status_code == 200 and taken.json()["handoff_state"] in {"waiting_human", "human"}, taken.text
        foreign = await api.post(f"/seller-bot/conversations/{conversation_id}/release", headers=auth(owner_b))
        assert foreign.status_code == 404, foreign.text

        # Shop B's own event arrives after shop A's: B's feed had the time to show A's and did not.
        other = await api.post("/seller-bot/message", headers=auth(owner_b),
                               json={"contact_id": contact_b, "message": "Oi"})
        assert other.status_code == 200, other.text
        await b_feed.wait_for_contact(contact_b)
        assert contact_a not in b_feed.contacts()
        assert contact_b not in agent_feed.contacts()

        config = await api.patch("/seller-bot/config", headers=auth(admin_a), json={"tone": "formal"})
        assert config.status_code == 200, config.text
        assert config.json()["updated_by"] == admin_a_id != shop_a

        profile = await api.post("/bot/profiles", headers=auth(owner_a), json={
            "name": "Loja A", "login": "seller@example.com", "password": "seller123"})
        assert profile.status_code == 201, profile.text
        task = await api.post("/bot/tasks", headers=auth(admin_a), json={
            "task_type": "reply_comments", "profile_id": profile.json()["id"], "config": {"max_replies": 1}})
        assert task.status_code == 201, task.text
        task_id = task.json()["id"]
        assert (await api.get(f"/bot/tasks/{task_id}", headers=auth(agent_a))).status_code == 200
        assert (await api.get(f"/bot/tasks/{task_id}", headers=auth(owner_b))).status_code == 404
        assert task_id not in {t["id"] for t in (await api.get("/bot/tasks", headers=auth(owner_b))).json()}
        assert (await api.delete(f"/bot/tasks/{task_id}", headers=auth(agent_a))).status_code == 403
        assert (await api.delete(f"/bot/tasks/{task_id}", headers=auth(admin_a))).status_code == 200
