"""Replies and hand-offs out: retries, Retry-After, timeouts, circuit breaker, dead letters and their manual
retry, splitting, ordering, Instagram's 24-hour window, SendMessage and channel accounts."""

from __future__ import annotations

import socket
import time
import uuid
from typing import Any

from prometheus_client import REGISTRY
from sellerbot.channels.v1 import channel_adapter_pb2 as pb
from sellerbot.channels.v1 import channel_adapter_pb2_grpc
from sellerbot.events.v1 import conversation_events_pb2 as events
from sellerbot_grpc import open_channel, user_metadata
from sellerbot_messaging import EventBus, Subjects
from sqlalchemy import text

from ..payloads import chatwoot_headers, chatwoot_message, encode, instagram_messages, meta_headers
from .conftest import INSTAGRAM_APP_SECRET, TELEGRAM_SECRET, login, wait_until

TG_PATH = "/bot7000001:AAtestbottoken/sendMessage"


async def publish_reply(bus: EventBus, channel: int, text: str, *, contact_id: str, conversation_id: str = "",
                        account_id: str = "", user_id: str = "") -> events.OutboundReply:
    name = events.Channel.Name(channel).removeprefix("CHANNEL_").lower()
    reply = events.OutboundReply(reply_id=f"reply:{uuid.uuid4()}", user_id=user_id, channel=channel,
                                 account_id=account_id, contact_id=contact_id, conversation_id=conversation_id,
                                 text=text)
    await bus.publish(Subjects.outbound(name), reply, reply.reply_id, user_id)
    return reply


async def telegram_reply(bus: EventBus, text: str = "Temos sim!", user_id: str = "") -> events.OutboundReply:
    return await publish_reply(bus, events.CHANNEL_TELEGRAM, text, contact_id="telegram:555000111",
                               conversation_id="555000111", user_id=user_id)


def metric(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


async def test_platform_down_then_up_is_retried_and_delivered(adapter, bus, fakes, tap) -> None:
    deliveries = tap(Subjects.DELIVERY_ALL, events.ReplyDelivered)
    retried_before = metric("channel_adapter_send_retries_total", channel="telegram")
    fakes.telegram.fail(kind="status", status=503, times=2)
    reply = await telegram_reply(bus)
    report = (await deliveries.wait_for(1))[0]
    assert report.delivered and report.reply_id == reply.reply_id and report.attempts == 3
    assert [r.status for r in fakes.telegram.state.requests] == [503, 503, 200]
    assert metric("channel_adapter_send_retries_total", channel="telegram") == retried_before + 2


async def test_rate_limit_retry_after_is_honoured(adapter, bus, fakes, tap) -> None:
    deliveries = tap(Subjects.DELIVERY_ALL, events.ReplyDelivered)
    fakes.telegram.fail(kind="rate_limit", retry_after=0.6, times=1)
    await telegram_reply(bus)
    await deliveries.wait_for(1)
    first, second = fakes.telegram.state.requests
    assert (first.status, second.status) == (429, 200)
    assert second.at - first.at >= 0.55


async def test_a_timeout_is_retried(adapter, bus, fakes, tap) -> None:
    deliveries = tap(Subjects.DELIVERY_ALL, events.ReplyDelivered)
    fakes.telegram.fail(kind="timeout", delay_seconds=4, times=1)
    await telegram_reply(bus)
    report = (await deliveries.wait_for(1))[0]
    assert report.delivered and report.attempts == 2


async def test_an_unreachable_platform_is_retried_then_dead_lettered_as_unreachable(start_adapter, bus, tap) -> None:
    closed = socket.socket()
    closed.bind(("127.0.0.1", 0))  # bound, never listening: connections are refused
    try:
        await start_adapter(telegram_api_url=f"http://127.0.0.1:{closed.getsockname()[1]}", outbound_max_attempts=2)
        deliveries = tap(Subjects.DELIVERY_ALL, events.ReplyDelivered)
        await telegram_reply(bus)
        report = (await deliveries.wait_for(1))[0]
    finally:
        closed.close()
    assert not report.delivered and report.dead_lettered and report.attempts == 2
    assert report.error.startswith("unreachable: "), report.error


async def test_a_client_error_is_not_retried_and_is_dead_lettered_with_the_platform_error(
    adapter, bus, fakes, tap
) -> None:
    deliveries = tap(Subjects.DELIVERY_ALL, events.ReplyDelivered)
    fakes.telegram.fail(kind="status", status=400, times=1,
                        body={"ok": False, "error_code": 400, "description": "Bad Request: chat not found"})
    await telegram_reply(bus)
    report = (await deliveries.wait_for(1))[0]
    assert not report.delivered and report.dead_lettered and report.attempts == 1
    assert "chat not found" in report.error
    assert len(fakes.telegram.state.requests) == 1


async def test_down_for_good_goes_to_dead_letters_and_a_manual_retry_delivers(
    adapter, bus, fakes, tap, gateway
) -> None:
    headers = await login(gateway)
    me = (await gateway.get("/auth/me", headers=headers)).json()
    dead_stream = tap("deadletters.>", events.OutboundReply)
    fakes.telegram.fail(kind="status", status=502, times=-1)
    reply = await telegram_reply(bus, "Seu pedido saiu para entrega", user_id=me["id"])
    await dead_stream.wait_for(1)
    assert dead_stream.received[0].reply_id == reply.reply_id
    assert dead_stream.metas[0].headers["Sellerbot-Attempts"] == "3"
    listed = (await gateway.get("/seller-bot/dead-letters", headers=headers)).json()
    letter = next(d for d in listed if d["text"] == "Seu pedido saiu para entrega" and d["status"] == "dead")
    assert letter["channel"] == "telegram" and letter["attempts"] == 3 and "502" in letter["error"]
    fakes.telegram.heal()
    retried = await gateway.post(f"/seller-bot/dead-letters/{letter['id']}/retry", headers=headers)
    assert retried.status_code == 200 and retried.json()["status"] == "retried"
    await wait_until(lambda: fakes.telegram.successful(TG_PATH), what="manual retry delivered")
    assert fakes.telegram.successful(TG_PATH)[0].body["text"] == "Seu pedido saiu para entrega"

    async def delivered() -> bool:
        rows = (await gateway.get("/seller-bot/dead-letters", headers=headers)).json()
        return any(d["id"] == letter["id"] and d["status"] == "delivered" for d in rows)

    await wait_until(delivered, what="dead letter marked delivered")
    missing = await gateway.post(f"/seller-bot/dead-letters/{uuid.uuid4()}/retry", headers=headers)
    assert missing.status_code == 404


async def test_the_circuit_opens_after_repeated_failures(start_adapter, bus, fakes, tap) -> None:
    await start_adapter(circuit_failure_threshold=2, circuit_recovery_seconds=30)
    deliveries = tap(Subjects.DELIVERY_ALL, events.ReplyDelivered)
    fakes.telegram.fail(kind="status", status=503, times=-1)
    await telegram_reply(bus, "primeira")
    await telegram_reply(bus, "segunda")
    first, second = await deliveries.wait_for(2)
    assert "circuit open" in first.error and "circuit open" in second.error
    assert len(fakes.telegram.state.requests) == 2  # the open circuit spared the platform
    assert metric("channel_adapter_circuit_state", channel="telegram", account="7000001") == 2


async def test_long_replies_are_split_at_each_platform_limit_in_order(adapter, bus, fakes, tap) -> None:
    deliveries = tap(Subjects.DELIVERY_ALL, events.ReplyDelivered)
    long_text = " ".join(f"palavra{n:05d}" for n in range(800))  # 10,399 characters
    await telegram_reply(bus, long_text)
    await deliveries.wait_for(1)
    parts = [r.body["text"] for r in fakes.telegram.successful(TG_PATH)]
    assert len(parts) == 3 and all(len(p) <= 4096 for p in parts)
    assert " ".join(parts) == long_text


async def test_replies_to_one_contact_leave_in_the_order_they_were_produced(adapter, bus, fakes, tap) -> None:
    deliveries = tap(Subjects.DELIVERY_ALL, events.ReplyDelivered)
    fakes.telegram.fail(kind="status", status=500, times=2)
    for n in range(1, 6):
        await telegram_reply(bus, f"parte {n}")
    await deliveries.wait_for(5)
    assert [r.body["text"] for r in fakes.telegram.successful(TG_PATH)] == [f"parte {n}" for n in range(1, 6)]


async def test_instagram_reply_outside_the_24_hour_window_is_refused(adapter, bus, fakes, tap) -> None:
    deliveries = tap(Subjects.DELIVERY_ALL, events.ReplyDelivered)
    await publish_reply(bus, events.CHANNEL_INSTAGRAM, "Oi!", contact_id="instagram:999000",
                        conversation_id="999000", account_id="17841400000000001")
    report = (await deliveries.wait_for(1))[0]
    assert not report.delivered and report.dead_lettered and "24-hour" in report.error
    assert fakes.graph.state.requests == []


async def test_instagram_reply_inside_the_window_is_split_at_1000(adapter, gateway, bus, fakes, tap) -> None:
    deliveries = tap(Subjects.DELIVERY_ALL, events.ReplyDelivered)
    body = encode(instagram_messages(messages=[("3333", "Oi")]))
    response = await gateway.post("/seller-bot/webhook/instagram", content=body,
                                  headers=meta_headers(body, INSTAGRAM_APP_SECRET))
    assert response.status_code == 200
    await publish_reply(bus, events.CHANNEL_INSTAGRAM, "Frase longa. " * 180, contact_id="instagram:3333",
                        conversation_id="3333", account_id="17841400000000001")
    assert (await deliveries.wait_for(1))[0].delivered
    parts = fakes.graph.successful("/me/messages")
    assert len(parts) == 3 and all(len(p.body["message"]["text"]) < 1000 for p in parts)


async def test_evolution_v1_servers_get_the_v1_body(start_adapter, bus, fakes, tap) -> None:
    await start_adapter(evolution_api_version="v1")
    deliveries = tap(Subjects.DELIVERY_ALL, events.ReplyDelivered)
    await publish_reply(bus, events.CHANNEL_WHATSAPP, "Olá!", contact_id="whatsapp:5511999999999",
                        conversation_id="5511999999999@s.whatsapp.net", account_id="loja")
    await deliveries.wait_for(1)
    sent = fakes.evolution.successful("/message/sendText/loja")[0]
    assert sent.body["textMessage"] == {"text": "Olá!"} and sent.body["number"] == "5511999999999"
    assert sent.body["options"]["presence"] == "composing"


async def test_bot_handoff_posts_a_private_note_and_opens_the_chatwoot_conversation(adapter, bus, fakes) -> None:
    handoff = events.HandoffRequested(
        event_id=f"handoff:{uuid.uuid4()}", channel=events.CHANNEL_CHATWOOT, account_id="3",
        contact_id="chatwoot:912", conversation_id="1577", origin=events.HANDOFF_ORIGIN_BOT,
        reason="customer asked for a human", summary="Quer trocar o tamanho do tênis")
    await bus.publish(Subjects.handoff("chatwoot"), handoff, handoff.event_id)
    await wait_until(lambda: fakes.chatwoot.successful("toggle_status"), what="toggle_status")
    note = fakes.chatwoot.successful("/messages")[0]
    assert note.body["private"] is True and "Quer trocar o tamanho" in note.body["content"]
    assert note.headers["api_access_token"] == "cw-agent-bot-token"
    toggle = fakes.chatwoot.successful("toggle_status")[0]
    assert toggle.path == "/api/v1/accounts/3/conversations/1577/toggle_status"
    assert toggle.body == {"status": "open"}


async def test_our_own_chatwoot_reply_coming_back_is_not_a_human_takeover(adapter, gateway, bus, fakes, tap) -> None:
    deliveries = tap(Subjects.DELIVERY_ALL, events.ReplyDelivered)
    handoffs = tap(Subjects.HANDOFF_ALL, events.HandoffRequested)
    await publish_reply(bus, events.CHANNEL_CHATWOOT, "Temos sim", contact_id="chatwoot:912",
                        conversation_id="1577", account_id="3")
    report = (await deliveries.wait_for(1))[0]
    # Sent with a user token, Chatwoot echoes it as outgoing from a "user": recognised by its id.
    echo = chatwoot_message(message_type="outgoing", sender_type="user", content="Temos sim",
                            message_id=int(report.platform_message_id))
    body = encode(echo)
    response = await gateway.post("/seller-bot/webhook/chatwoot", content=body,
                                  headers=chatwoot_headers(body, "chatwoot-webhook-secret"))
    assert response.json()["ignored"] == {"own_message": 1}
    assert handoffs.received == []


async def test_send_message_rpc_delivers_now_and_reports_refusals(adapter, fakes) -> None:
    channel = open_channel(f"127.0.0.1:{adapter.port}")
    stub = channel_adapter_pb2_grpc.ChannelAdapterServiceStub(channel)
    try:
        sent = await stub.SendMessage(pb.SendMessageRequest(channel="telegram", contact_id="telegram:42",
                                                            text="Mensagem manual"),
                                      metadata=user_metadata("seller-1"))
        assert sent.platform_message_id and not sent.queued
        assert fakes.telegram.successful(TG_PATH)[0].body == {"chat_id": 42, "text": "Mensagem manual"}
        fakes.telegram.fail(kind="status", status=403, times=1,
                            body={"ok": False, "error_code": 403, "description": "Forbidden: bot was blocked"})
        try:
            await stub.SendMessage(pb.SendMessageRequest(channel="telegram", contact_id="telegram:42", text="x"),
                                   metadata=user_metadata("seller-1"))
            raise AssertionError("expected FAILED_PRECONDITION")
        except Exception as exc:
            assert "bot was blocked" in str(exc)
    finally:
        await channel.close()


async def test_channel_accounts_keep_secrets_encrypted_and_never_return_them(adapter, gateway) -> None:
    headers = await login(gateway)
    key = f"acme-{uuid.uuid4().hex[:8]}"
    created = await gateway.post("/seller-bot/channels", headers=headers, json={
        "channel": "telegram", "account_key": key, "display_name": "Bot da loja",
        "secrets": {"bot_token": "123:super-secret-token", "secret_token": "hook_secret"}})
    assert created.status_code == 201, created.text
    account = created.json()
    assert account["secret_fields"] == ["bot_token", "secret_token"] and "secrets" not in account
    assert "super-secret-token" not in created.text
    listed = (await gateway.get("/seller-bot/channels", headers=headers)).json()
    assert any(a["id"] == account["id"] for a in listed) and "super-secret-token" not in str(listed)
    async with adapter.engine.connect() as connection:
        stored = (await connection.execute(text(
            "SELECT secrets FROM channel_adapter_accounts WHERE id = :id"), {"id": account["id"]})).scalar_one()
    assert "super-secret-token" not in stored and stored.startswith("gAAAA")  # a Fernet token
    invalid = await gateway.post("/seller-bot/channels", headers=headers, json={
        "channel": "telegram", "account_key": "x", "secrets": {"bot_token": "1:a", "password": "p"}})
    assert invalid.status_code == 422
    assert {f["field"] for f in invalid.json()["fields"]} == {"secrets.password", "secrets.secret_token"}
    deleted = await gateway.delete(f"/seller-bot/channels/{account['id']}", headers=headers)
    assert deleted.status_code == 200
    again = await gateway.delete(f"/seller-bot/channels/{account['id']}", headers=headers)
    assert again.status_code == 404


async def test_a_registered_telegram_bot_replies_with_its_own_token(adapter, gateway, bus, fakes, reply_bot) -> None:
    headers = await login(gateway)
    me = (await gateway.get("/auth/me", headers=headers)).json()
    key = str(8000000 + int(time.time()) % 100000)
    registered = await gateway.post("/seller-bot/channels", headers=headers, json={
        "channel": "telegram", "account_key": key,
        "settings": {"base_url": fakes.telegram.url},
        "secrets": {"bot_token": f"{key}:seller-token", "secret_token": f"seller_{key}"}})
    assert registered.status_code == 201
    reply_bot()
    update: dict[str, Any] = {"update_id": 77, "message": {
        "message_id": 1, "from": {"id": 10, "is_bot": False, "first_name": "Rui"},
        "chat": {"id": 10, "type": "private"}, "date": int(time.time()), "text": "Oi"}}
    response = await gateway.post("/seller-bot/webhook/telegram", content=encode(update), headers={
        "Content-Type": "application/json", "X-Telegram-Bot-Api-Secret-Token": f"seller_{key}"})
    assert response.status_code == 200
    await wait_until(lambda: fakes.telegram.successful(f"/bot{key}:seller-token/sendMessage"), what="seller bot")
    assert me["id"]
    env_bot = await gateway.post("/seller-bot/webhook/telegram", content=encode({**update, "update_id": 78}),
                                 headers={"Content-Type": "application/json",
                                          "X-Telegram-Bot-Api-Secret-Token": TELEGRAM_SECRET})
    assert env_bot.status_code == 200
