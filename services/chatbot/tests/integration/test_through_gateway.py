"""The acceptance flow as a new user checks it: HTTP through the real gateway to the chatbot service."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from chatbot.main import ChatbotService
from sellerbot_devstack.servers import free_port


@pytest.fixture
async def gateway(chatbot: ChatbotService, postgres_url: str, redis_url: str, nats_url: str):
    from api_gateway.main import create_app
    from api_gateway.settings import GatewaySettings

    settings = GatewaySettings(  # type: ignore[call-arg]
        _env_file=None, database_url=postgres_url, redis_url=redis_url, nats_url=nats_url,
        jwt_secret="test-secret-" + "x" * 32, admin_email="chatbot-admin@test.local",
        admin_password="admin-password-123", chatbot_grpc_addr=f"127.0.0.1:{chatbot.port}",
        automation_grpc_addr=f"127.0.0.1:{free_port()}", channel_adapter_grpc_addr=f"127.0.0.1:{free_port()}",
        notification_grpc_addr=f"127.0.0.1:{free_port()}", service_metrics_urls="", grpc_timeout_seconds=10.0,
        rate_limit_api="1000/minute",
    )
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app, client=("10.9.8.7", 1234))
        async with httpx.AsyncClient(transport=transport, base_url="http://gateway.test") as client:
            login = await client.post("/auth/login", json={"email": "chatbot-admin@test.local",
                                                           "password": "admin-password-123"})
            assert login.status_code == 200, login.text
            client.headers["Authorization"] = f"Bearer {login.json()['access_token']}"
            yield client


async def test_acceptance_through_the_gateway(gateway: httpx.AsyncClient) -> None:
    await gateway.delete("/seller-bot/conversations")
    created = await gateway.post("/seller-bot/products", json={"sku": "PX-ACC", "name": "X", "price": 49.90,
                                                               "stock": 5})
    assert created.status_code == 201, created.text
    body = {"contact_id": "whatsapp:5511999999999", "message": "Qual o preço do produto X?", "channel": "whatsapp"}
    answer = (await gateway.post("/seller-bot/message", json=body)).json()
    assert "R$ 49,90" in answer["reply"] and answer["intent"] == "price" and answer["conversation_id"]

    conversations = (await gateway.get("/seller-bot/conversations")).json()
    assert [c["contact_id"] for c in conversations] == ["whatsapp:5511999999999"]
    intents: dict[str, Any] = (await gateway.get("/seller-bot/stats/intents", params={"period": "24h"})).json()
    assert any(i["intent"] == "price" and i["count"] >= 1 for i in intents["intents"])
    funnel = (await gateway.get("/seller-bot/stats/funnel")).json()
    assert funnel["stages"][2]["stage"] == "price_asked" and funnel["stages"][2]["count"] >= 1

    handoff = await gateway.post(f"/seller-bot/conversations/{answer['conversation_id']}/handoff", json={})
    assert handoff.status_code == 200 and handoff.json()["handoff_state"] == "waiting_human"
    after = (await gateway.post("/seller-bot/message", json=body)).json()
    assert after["reply"] == "" and after["handoff_state"] == "waiting_human"


async def test_bad_config_is_a_422_naming_the_fields(gateway: httpx.AsyncClient) -> None:
    response = await gateway.patch("/seller-bot/config", json={"llm": {"temperature": 7}, "tone": "rude"})
    assert response.status_code == 422
    assert {f["field"] for f in response.json()["fields"]} == {"llm.temperature", "tone"}
    missing = await gateway.post("/seller-bot/conversations/nope/handoff", json={})
    assert missing.status_code == 404


async def test_an_agent_cannot_answer_where_no_channel_carries_the_reply(gateway: httpx.AsyncClient) -> None:
    """API and TikTok Shop conversations: the inbox says so (can_reply) and refuses a reply with 409 and why,
    before taking the conversation from the bot; a WhatsApp conversation can be answered."""
    ids = {}
    for channel in ("api", "tiktok_shop", "whatsapp"):
        body = {"contact_id": f"{channel}:buyer-can-reply", "message": "oi", "channel": channel}
        answer = await gateway.post("/seller-bot/message", json=body)
        assert answer.status_code == 200, answer.text
        ids[channel] = answer.json()["conversation_id"]
    listed = {c["channel"]: c for c in (await gateway.get("/seller-bot/inbox", params={"limit": 200})).json()[
        "conversations"] if c["contact_id"].endswith(":buyer-can-reply")}
    assert (listed["whatsapp"]["can_reply"], listed["whatsapp"]["reply_unavailable_reason"]) == (True, "")
    for channel, where in (("api", "POST /seller-bot/message"), ("tiktok_shop", "Seller Center")):
        assert listed[channel]["can_reply"] is False and where in listed[channel]["reply_unavailable_reason"]
        url = f"/seller-bot/conversations/{ids[channel]}/messages"
        refused = await gateway.post(url, json={"text": "Oi, aqui é a Bia"})
        assert refused.status_code == 409, refused.text
        assert refused.json()["error"] == "conflict" and where in refused.json()["detail"]
        thread = (await gateway.get(url)).json()
        assert thread["conversation"]["handoff_state"] == "bot" and thread["conversation"]["can_reply"] is False
        assert all(m["author"] != "human" for m in thread["messages"])
    answered = await gateway.post(f"/seller-bot/conversations/{ids['whatsapp']}/messages", json={"text": "Oi!"})
    assert answered.status_code == 201, answered.text
