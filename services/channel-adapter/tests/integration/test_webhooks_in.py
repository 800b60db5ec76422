"""Webhooks in through the real gateway: verification, normalization, dedupe, ignores and the replies that
the platform fakes receive (the chatbot is stood in for by a reply bot on the real NATS)."""

from __future__ import annotations

import asyncio
import time
import uuid

import jwt
from sellerbot.events.v1 import conversation_events_pb2 as events
from sellerbot_messaging import Subjects

from ..payloads import (
    chatwoot_headers,
    chatwoot_message,
    encode,
    evolution_text,
    instagram_messages,
    meta_headers,
    telegram_update,
)
from .conftest import (
    CHATWOOT_SECRET,
    EVOLUTION_SECRET,
    INSTAGRAM_APP_SECRET,
    INSTAGRAM_VERIFY_TOKEN,
    TELEGRAM_SECRET,
    stream_count,
    wait_until,
)

JSON = {"Content-Type": "application/json"}
EVO = {**JSON, "X-Webhook-Secret": EVOLUTION_SECRET}


async def test_evolution_text_is_answered_through_send_text_with_the_apikey(gateway, fakes, reply_bot) -> None:
    bot = reply_bot()
    response = await gateway.post("/seller-bot/webhook/evolution", content=encode(evolution_text()), headers=EVO)
    assert response.status_code == 200, response.text
    assert response.json()["published"] == 1
    await wait_until(lambda: fakes.evolution.successful("/message/sendText/acme-sales"), what="sendText")
    sent = fakes.evolution.successful("/message/sendText/acme-sales")[0]
    assert sent.headers["apikey"] == "evo-global-key"
    assert sent.body["number"] == "5511999999999"
    assert sent.body["text"] == "Olá Ana Souza! Você disse: Oi, tem o tênis azul 42?"
    inbound = bot.received[0]
    assert inbound.contact_id == "whatsapp:5511999999999"
    assert inbound.channel == events.CHANNEL_WHATSAPP and inbound.account_id == "acme-sales"


async def test_the_seeds_own_curl_is_accepted_and_answered(gateway, fakes, reply_bot) -> None:
    reply_bot()
    body = b'{"instance":"test","data":{"key":{"remoteJid":"test"},"message":{"conversation":"Ol\xc3\xa1"}}}'
    response = await gateway.post("/seller-bot/webhook/evolution", content=body, headers=EVO)
    assert response.status_code == 200, response.text
    await wait_until(lambda: fakes.evolution.successful("/message/sendText/test"), what="reply to the seed curl")
    assert fakes.evolution.successful("/message/sendText/test")[0].body["number"] == "test"


async def test_evolution_jwt_bearer_is_accepted_and_an_expired_one_refused(gateway, bus) -> None:
    now = int(time.time())
    good = jwt.encode({"iat": now, "exp": now + 600, "app": "evolution", "action": "webhook"}, EVOLUTION_SECRET,
                      algorithm="HS256")
    expired = jwt.encode({"iat": now - 700, "exp": now - 100, "app": "evolution", "action": "webhook"},
                         EVOLUTION_SECRET, algorithm="HS256")
    ok = await gateway.post("/seller-bot/webhook/evolution", content=encode(evolution_text()),
                            headers={**JSON, "Authorization": f"Bearer {good}"})
    assert ok.status_code == 200, ok.text
    refused = await gateway.post("/seller-bot/webhook/evolution", content=encode(evolution_text()),
                                 headers={**JSON, "Authorization": f"Bearer {expired}"})
    assert refused.status_code == 401
    assert refused.json()["error"] == "unauthorized"
    assert await stream_count(bus, Subjects.INBOUND_ALL) == 1


async def test_evolution_without_or_with_a_wrong_secret_is_401_and_publishes_nothing(gateway, bus) -> None:
    missing = await gateway.post("/seller-bot/webhook/evolution", content=encode(evolution_text()), headers=JSON)
    wrong = await gateway.post("/seller-bot/webhook/evolution", content=encode(evolution_text()),
                               headers={**JSON, "X-Webhook-Secret": "guess"})
    assert (missing.status_code, wrong.status_code) == (401, 401)
    assert missing.headers["content-type"].startswith("application/json")
    assert await stream_count(bus, Subjects.INBOUND_ALL) == 0


async def test_byevents_url_suffix_is_understood(gateway, bus) -> None:
    payload = evolution_text()
    del payload["event"]
    response = await gateway.post("/seller-bot/webhook/evolution/messages-upsert", content=encode(payload),
                                  headers=EVO)
    assert response.status_code == 200 and response.json()["published"] == 1


async def test_duplicate_delivery_is_answered_once(gateway, fakes, reply_bot, bus) -> None:
    reply_bot()
    body = encode(evolution_text(message_id="3EB0DUPLICATE0001"))
    first = await gateway.post("/seller-bot/webhook/evolution", content=body, headers=EVO)
    second = await gateway.post("/seller-bot/webhook/evolution", content=body, headers=EVO)
    assert first.json()["published"] == 1
    assert second.status_code == 200 and second.json()["duplicates"] == 1
    await wait_until(lambda: fakes.evolution.successful("sendText"), what="the reply")
    assert await stream_count(bus, Subjects.INBOUND_ALL) == 1
    assert len(fakes.evolution.successful("sendText")) == 1


async def test_own_messages_echoes_broadcasts_and_groups_are_ignored(gateway, bus) -> None:
    cases = [
        (evolution_text(from_me=True), "own_message"),
        (evolution_text(jid="status@broadcast"), "broadcast"),
        (evolution_text(jid="120363000000000001@newsletter"), "newsletter"),
        (evolution_text(jid="120363025000000000@g.us", participant="5511777777777@s.whatsapp.net"), "group_chat"),
        ({**evolution_text(), "event": "messages.update"}, "status_update"),
        ({**evolution_text(), "event": "connection.update"}, "status_update"),
        ({**evolution_text(), "event": "qrcode.updated"}, "unsupported_event"),
    ]
    for payload, reason in cases:
        response = await gateway.post("/seller-bot/webhook/evolution", content=encode(payload), headers=EVO)
        assert response.status_code == 200
        assert response.json()["ignored"] == {reason: 1}, (reason, response.json())
    assert await stream_count(bus, Subjects.INBOUND_ALL) == 0


async def test_group_chats_are_answered_when_the_setting_allows(start_adapter, start_gateway, tap) -> None:
    adapter = await start_adapter(accept_group_chats=True)
    gateway = await start_gateway(adapter)
    inbound = tap(Subjects.INBOUND_ALL, events.InboundMessage)
    payload = evolution_text(jid="120363025000000000@g.us", participant="5511777777777@s.whatsapp.net")
    response = await gateway.post("/seller-bot/webhook/evolution", content=encode(payload), headers=EVO)
    assert response.json()["published"] == 1
    message = (await inbound.wait_for(1))[0]
    assert message.contact_id == "whatsapp:5511777777777"
    assert message.conversation_id == "120363025000000000@g.us"


async def test_lid_contact_uses_the_phone_from_remote_jid_alt(gateway, tap) -> None:
    inbound = tap(Subjects.INBOUND_ALL, events.InboundMessage)
    payload = evolution_text(jid="123456789012345@lid", addressingMode="lid",
                             remoteJidAlt="5511999999999@s.whatsapp.net")
    await gateway.post("/seller-bot/webhook/evolution", content=encode(payload), headers=EVO)
    message = (await inbound.wait_for(1))[0]
    assert message.contact_id == "whatsapp:5511999999999"
    assert message.alternate_contact_id == "whatsapp:123456789012345@lid"


async def test_webhooks_sent_together_each_keep_their_own_trace_into_jetstream(gateway, tap) -> None:
    """The gateway batches concurrent webhooks into one gRPC call; each event still continues its caller's trace."""
    inbound = tap(Subjects.INBOUND_ALL, events.InboundMessage)
    trace_ids = {f"TRACE{n:04d}": uuid.uuid4().hex for n in range(12)}

    async def post(message_id: str) -> int:
        response = await gateway.post(
            "/seller-bot/webhook/evolution", content=encode(evolution_text(message_id=message_id)),
            headers={**EVO, "traceparent": f"00-{trace_ids[message_id]}-{uuid.uuid4().hex[:16]}-00"})
        return response.status_code

    assert await asyncio.gather(*(post(m) for m in trace_ids)) == [200] * len(trace_ids)
    await inbound.wait_for(len(trace_ids))
    for message, meta in zip(inbound.received, inbound.metas, strict=True):
        message_id = message.platform_message_id
        assert meta.headers["traceparent"].split("-")[1] == trace_ids[message_id], message_id


async def test_media_message_carries_type_url_and_caption(gateway, tap) -> None:
    inbound = tap(Subjects.INBOUND_ALL, events.InboundMessage)
    payload = evolution_text()
    payload["data"]["messageType"] = "imageMessage"
    payload["data"]["message"] = {"imageMessage": {"url": "https://mmg.whatsapp.net/v/t62/abc.enc",
                                                   "mimetype": "image/jpeg", "caption": "Tem esse?"}}
    await gateway.post("/seller-bot/webhook/evolution", content=encode(payload), headers=EVO)
    message = (await inbound.wait_for(1))[0]
    assert (message.media_type, message.text) == ("image", "Tem esse?")
    assert message.media_url == "https://mmg.whatsapp.net/v/t62/abc.enc"


async def test_malformed_json_is_400_and_wrong_content_type_415_with_nothing_published(gateway, bus) -> None:
    malformed = await gateway.post("/seller-bot/webhook/evolution", content=b'{"instance": ', headers=EVO)
    assert malformed.status_code == 400 and malformed.json()["error"] == "malformed_json"
    form = await gateway.post("/seller-bot/webhook/evolution", content=b"instance=x",
                              headers={"Content-Type": "application/x-www-form-urlencoded",
                                       "X-Webhook-Secret": EVOLUTION_SECRET})
    assert form.status_code == 415 and form.json()["error"] == "unsupported_media_type"
    assert await stream_count(bus, Subjects.INBOUND_ALL) == 0


async def test_a_two_mib_body_is_413_at_the_gateway(gateway, bus) -> None:
    big = b'{"instance":"x","pad":"' + b"a" * (2 * 1024 * 1024) + b'"}'
    response = await gateway.post("/seller-bot/webhook/evolution", content=big, headers=EVO)
    assert response.status_code == 413
    assert await stream_count(bus, Subjects.INBOUND_ALL) == 0


async def test_chatwoot_signed_message_is_answered_in_the_conversation(gateway, fakes, reply_bot) -> None:
    reply_bot()
    body = encode(chatwoot_message())
    response = await gateway.post("/seller-bot/webhook/chatwoot", content=body,
                                  headers=chatwoot_headers(body, CHATWOOT_SECRET))
    assert response.status_code == 200, response.text
    path = "/api/v1/accounts/3/conversations/1577/messages"
    await wait_until(lambda: fakes.chatwoot.successful(path), what="Chatwoot reply")
    sent = fakes.chatwoot.successful(path)[0]
    assert sent.headers["api_access_token"] == "cw-agent-bot-token"
    assert sent.body["content"] == "Olá Ana Souza! Você disse: Tem no tamanho 42?"
    assert sent.body["message_type"] == "outgoing" and sent.body["private"] is False


async def test_chatwoot_bad_stale_or_missing_signatures_are_refused(gateway, bus) -> None:
    body = encode(chatwoot_message())
    bad = await gateway.post("/seller-bot/webhook/chatwoot", content=body,
                             headers=chatwoot_headers(body, "not-the-secret"))
    stale = await gateway.post("/seller-bot/webhook/chatwoot", content=body,
                               headers=chatwoot_headers(body, CHATWOOT_SECRET, timestamp=int(time.time()) - 301))
    unsigned = await gateway.post("/seller-bot/webhook/chatwoot", content=body, headers=JSON)
    assert [r.status_code for r in (bad, stale, unsigned)] == [401, 401, 401]
    assert bad.json()["error"] == "unauthorized"
    assert await stream_count(bus, Subjects.INBOUND_ALL) == 0


async def test_unsigned_chatwoot_is_accepted_when_signatures_are_not_required(start_adapter, start_gateway) -> None:
    adapter = await start_adapter(chatwoot_require_signature=False)
    gateway = await start_gateway(adapter)
    response = await gateway.post("/seller-bot/webhook/chatwoot", content=encode(chatwoot_message()), headers=JSON)
    assert response.status_code == 200 and response.json()["published"] == 1


async def test_chatwoot_notes_outgoing_and_bot_messages_are_not_answered(gateway, bus) -> None:
    for payload, reason in [
        (chatwoot_message(private=True), "private_note"),
        (chatwoot_message(message_type="outgoing", sender_type="agent_bot"), "own_message"),
        (chatwoot_message(message_type="template", sender_type="agent_bot"), "own_message"),
        ({**chatwoot_message(), "event": "conversation_status_changed"}, "status_update"),
        ({**chatwoot_message(), "event": "contact_created"}, "unsupported_event"),
    ]:
        body = encode(payload)
        response = await gateway.post("/seller-bot/webhook/chatwoot", content=body,
                                      headers=chatwoot_headers(body, CHATWOOT_SECRET))
        assert response.json()["ignored"] == {reason: 1}, (reason, response.json())
    assert await stream_count(bus, Subjects.INBOUND_ALL) == 0


async def test_a_human_agent_reply_in_chatwoot_requests_a_handoff(gateway, tap, bus) -> None:
    handoffs = tap(Subjects.HANDOFF_ALL, events.HandoffRequested)
    body = encode(chatwoot_message(message_type="outgoing", sender_type="user", content="Oi Ana, aqui é a Carla"))
    response = await gateway.post("/seller-bot/webhook/chatwoot", content=body,
                                  headers=chatwoot_headers(body, CHATWOOT_SECRET))
    assert response.status_code == 200
    handoff = (await handoffs.wait_for(1))[0]
    assert handoff.origin == events.HANDOFF_ORIGIN_HUMAN_AGENT
    assert (handoff.conversation_id, handoff.contact_id, handoff.account_id) == ("1577", "chatwoot:912", "3")
    assert await stream_count(bus, Subjects.INBOUND_ALL) == 0


async def test_instagram_handshake_echoes_the_challenge_and_refuses_a_wrong_token(gateway) -> None:
    ok = await gateway.get("/seller-bot/webhook/instagram", params={
        "hub.mode": "subscribe", "hub.verify_token": INSTAGRAM_VERIFY_TOKEN, "hub.challenge": "1158201444"})
    assert ok.status_code == 200 and ok.text == "1158201444"
    assert ok.headers["content-type"].startswith("text/plain")
    wrong = await gateway.get("/seller-bot/webhook/instagram", params={
        "hub.mode": "subscribe", "hub.verify_token": "nope", "hub.challenge": "1158201444"})
    assert wrong.status_code == 403


async def test_instagram_signed_batch_answers_every_sender_with_the_access_token(gateway, fakes, reply_bot) -> None:
    reply_bot()
    body = encode(instagram_messages(messages=[("1111", "Vocês entregam no Porto?"), ("2222", "Qual o preço?")]))
    response = await gateway.post("/seller-bot/webhook/instagram", content=body,
                                  headers=meta_headers(body, INSTAGRAM_APP_SECRET))
    assert response.status_code == 200 and response.json()["published"] == 2
    await wait_until(lambda: len(fakes.graph.successful("/v23.0/me/messages")) == 2, what="two IG replies")
    sent = {r.body["recipient"]["id"]: r for r in fakes.graph.successful("/v23.0/me/messages")}
    assert sent["1111"].headers["authorization"] == "Bearer IGAAtoken"
    assert sent["2222"].body["message"]["text"] == "Olá ! Você disse: Qual o preço?"


async def test_instagram_bad_signature_and_echo(gateway, bus) -> None:
    body = encode(instagram_messages())
    bad = await gateway.post("/seller-bot/webhook/instagram", content=body,
                             headers=meta_headers(body + b" ", INSTAGRAM_APP_SECRET))
    assert bad.status_code == 401
    echo = encode(instagram_messages(is_echo=True))
    ignored = await gateway.post("/seller-bot/webhook/instagram", content=echo,
                                 headers=meta_headers(echo, INSTAGRAM_APP_SECRET))
    assert ignored.json()["ignored"] == {"echo": 1}
    assert await stream_count(bus, Subjects.INBOUND_ALL) == 0


async def test_telegram_update_is_answered_with_send_message(gateway, fakes, reply_bot) -> None:
    reply_bot()
    response = await gateway.post("/seller-bot/webhook/telegram", content=encode(telegram_update()),
                                  headers={**JSON, "X-Telegram-Bot-Api-Secret-Token": TELEGRAM_SECRET})
    assert response.status_code == 200, response.text
    path = "/bot7000001:AAtestbottoken/sendMessage"
    await wait_until(lambda: fakes.telegram.successful(path), what="sendMessage")
    sent = fakes.telegram.successful(path)[0]
    assert sent.body == {"chat_id": 555000111, "text": "Olá Ana! Você disse: Oi, tem o tênis azul 42?"}


async def test_telegram_wrong_secret_token_and_group_chat(gateway, bus) -> None:
    wrong = await gateway.post("/seller-bot/webhook/telegram", content=encode(telegram_update()),
                               headers={**JSON, "X-Telegram-Bot-Api-Secret-Token": "wrong"})
    assert wrong.status_code == 401
    group = await gateway.post("/seller-bot/webhook/telegram",
                               content=encode(telegram_update(chat_id=-100123, chat_type="supergroup")),
                               headers={**JSON, "X-Telegram-Bot-Api-Secret-Token": TELEGRAM_SECRET})
    assert group.json()["ignored"] == {"group_chat": 1}
    assert await stream_count(bus, Subjects.INBOUND_ALL) == 0


async def test_jetstream_unreachable_is_503_so_the_platform_delivers_again(
    start_adapter, start_gateway, own_nats_server, nats_namespace
) -> None:
    server = own_nats_server()
    adapter = await start_adapter(nats_url=server.url)
    gateway = await start_gateway(adapter)
    ok = await gateway.post("/seller-bot/webhook/evolution", content=encode(evolution_text()), headers=EVO)
    assert ok.status_code == 200
    server.stop()
    down = await gateway.post("/seller-bot/webhook/evolution", content=encode(evolution_text()), headers=EVO)
    assert down.status_code == 503, down.text
    assert down.json()["error"] == "service_unavailable"


async def test_inbound_is_routed_to_the_seller_who_registered_the_account(gateway, tap) -> None:
    from .conftest import login

    headers = await login(gateway)
    me = (await gateway.get("/auth/me", headers=headers)).json()
    instance = f"seller-{uuid.uuid4().hex[:8]}"
    registered = await gateway.post("/seller-bot/channels", headers=headers, json={
        "channel": "evolution", "account_key": instance, "display_name": "Loja da Ana",
        "settings": {"base_url": "http://127.0.0.1:1"}, "secrets": {"api_key": "k1", "webhook_secret": "own-secret"}})
    assert registered.status_code == 201, registered.text
    inbound = tap(Subjects.INBOUND_ALL, events.InboundMessage)
    refused = await gateway.post("/seller-bot/webhook/evolution", content=encode(evolution_text(instance=instance)),
                                 headers=EVO)  # the env secret is not this seller's secret
    assert refused.status_code == 401
    accepted = await gateway.post("/seller-bot/webhook/evolution",
                                  content=encode(evolution_text(instance=instance)),
                                  headers={**JSON, "X-Webhook-Secret": "own-secret"})
    assert accepted.status_code == 200
    message = (await inbound.wait_for(1))[0]
    assert message.user_id == me["id"] and message.account_id == instance


async def test_an_instagram_batch_cannot_vouch_for_another_sellers_account(gateway, bus) -> None:
    from .conftest import login

    headers = await login(gateway)
    victim = f"178414{uuid.uuid4().int % 10**11:011d}"
    registered = await gateway.post("/seller-bot/channels", headers=headers, json={
        "channel": "instagram", "account_key": victim,
        "secrets": {"access_token": "victim-token", "app_secret": "victim-app-secret"}})
    assert registered.status_code == 201, registered.text
    forged = instagram_messages(account_id="17841400000000001")  # the env (default) account, signed below
    forged["entry"] += instagram_messages(account_id=victim, messages=[("666", "injected")])["entry"]
    body = encode(forged)
    response = await gateway.post("/seller-bot/webhook/instagram", content=body,
                                  headers=meta_headers(body, INSTAGRAM_APP_SECRET))
    assert response.status_code == 401
    assert await stream_count(bus, Subjects.INBOUND_ALL) == 0
