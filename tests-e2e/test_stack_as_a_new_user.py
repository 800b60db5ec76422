"""What a new user checks after `make run`: health, login, each area of the API, end to end."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from typing import Any

import httpx

from .conftest import RunningStack


def poll(check: Callable[[], Any], seconds: float = 30, interval: float = 0.2) -> Any:
    deadline = time.monotonic() + seconds
    while True:
        result = check()
        if result:
            return result
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(interval)


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_health_lists_every_dependency_and_all_are_up(stack: RunningStack) -> None:
    assert httpx.get(f"{stack.url}/readyz").json() == {"status": "ready"}
    public = httpx.get(f"{stack.url}/seller-bot/health").json()
    assert public == {"status": "ok", "checks": {"database": "up", "cache": "up", "event-bus": "up",
                                                 "service": "up"}}, stack.logs()
    report = httpx.get(f"{stack.url}/seller-bot/health", headers=auth(stack.token())).json()
    names = {d["name"]: d["status"] for d in report["dependencies"]}
    assert names == {"database": "ok", "redis": "ok", "nats": "ok", "automation": "ok", "chatbot": "ok",
                     "channel-adapter": "ok", "notification": "ok"}, stack.logs()


def test_login_and_a_protected_route(stack: RunningStack) -> None:
    assert httpx.get(f"{stack.url}/bot/tasks").status_code == 401
    response = httpx.get(f"{stack.url}/bot/tasks", headers=auth(stack.token()))
    assert response.status_code == 200, response.text
    assert isinstance(response.json(), list)


def test_the_seed_message_example_answers_with_the_catalog_price(stack: RunningStack) -> None:
    headers = auth(stack.token())
    product = httpx.post(f"{stack.url}/seller-bot/products", headers=headers, json={
        "sku": "X-001", "name": "produto X", "price": 49.90, "stock": 12,
        "description": "Produto X de teste"})
    assert product.status_code == 201, product.text
    contact = f"whatsapp:55119{uuid.uuid4().int % 10**8:08d}"
    response = httpx.post(f"{stack.url}/seller-bot/message", headers=headers, json={
        "contact_id": contact, "message": "Qual o preço do produto X?", "channel": "whatsapp"}, timeout=30)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["intent"] == "price"
    assert "R$ 49,90" in body["reply"]
    conversations = httpx.get(f"{stack.url}/seller-bot/conversations", headers=headers).json()
    assert any(c["contact_id"] == contact for c in conversations)
    intents = httpx.get(f"{stack.url}/seller-bot/stats/intents", headers=headers).json()
    assert any(i["intent"] == "price" and int(i["count"]) >= 1 for i in intents["intents"])
    funnel = httpx.get(f"{stack.url}/seller-bot/stats/funnel", headers=headers).json()
    assert int(funnel["stages"][0]["count"]) >= 1


def test_an_evolution_webhook_gets_a_portuguese_reply_through_the_fake(stack: RunningStack) -> None:
    httpx.delete(f"{stack.evolution_url}/_fake/requests")
    seed_body = {"instance": "test", "data": {"key": {"remoteJid": "test"}, "message": {"conversation": "Olá"}}}
    accepted = httpx.post(f"{stack.url}/seller-bot/webhook/evolution", json=seed_body)
    assert accepted.status_code == 200, accepted.text

    def sent() -> list[dict[str, Any]]:
        received = httpx.get(f"{stack.evolution_url}/_fake/requests").json()
        return [r for r in received if r["path"] == "/message/sendText/test"]

    requests = poll(sent, 30)
    assert requests[0]["headers"]["apikey"] == "evo-e2e-key"
    text = requests[0]["body"]["text"].lower()
    assert any(word in text for word in ("olá", "oi", "bem-vind", "ajudar")), text


def test_a_handoff_silences_the_bot_until_released(stack: RunningStack) -> None:
    headers = auth(stack.token())
    contact = f"whatsapp:55219{uuid.uuid4().int % 10**8:08d}"

    def say(text: str) -> dict[str, Any]:
        response = httpx.post(f"{stack.url}/seller-bot/message", headers=headers, timeout=30,
                              json={"contact_id": contact, "message": text, "channel": "whatsapp"})
        assert response.status_code == 200, response.text
        return dict(response.json())

    first = say("Oi, boa tarde!")
    assert first["reply"]
    handoff = httpx.post(f"{stack.url}/seller-bot/conversations/{first['conversation_id']}/handoff",
                         headers=headers, json={"reason": "cliente VIP"})
    assert handoff.status_code == 200, handoff.text
    assert handoff.json()["handoff_state"] in {"waiting_human", "human"}
    silenced = say("Vocês entregam em Niterói?")
    assert silenced["reply"] == ""
    released = httpx.post(f"{stack.url}/seller-bot/conversations/{first['conversation_id']}/release", headers=headers)
    assert released.status_code == 200, released.text
    assert say("Vocês entregam em Niterói?")["reply"]
