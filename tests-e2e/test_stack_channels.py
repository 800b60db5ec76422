"""Each channel as the platform really sends it, through the running stack, answered through its fake."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
import uuid
from typing import Any

import httpx

from .conftest import INSTAGRAM_APP_SECRET, TELEGRAM_BOT_TOKEN, TELEGRAM_SECRET_TOKEN, RunningStack
from .test_stack_as_a_new_user import poll


def _sent_to(fake_url: str, path_part: str) -> list[dict[str, Any]]:
    return [r for r in httpx.get(f"{fake_url}/_fake/requests").json()
            if path_part in r["path"] and r["method"] == "POST"]


def test_chatwoot_message_created_is_answered_in_the_conversation(stack: RunningStack) -> None:
    conversation = 1000 + uuid.uuid4().int % 8000
    payload = {
        "event": "message_created", "id": uuid.uuid4().int % 10**6, "content": "Oi! Vocês têm tênis azul 42?",
        "content_type": "text", "content_attributes": {}, "additional_attributes": {},
        "message_type": "incoming", "private": False, "created_at": "2026-11-25T01:30:12.000Z",
        "sender": {"id": 912, "name": "Ana Souza", "type": "contact"},
        "inbox": {"id": 7, "name": "WhatsApp Sales"}, "account": {"id": 1, "name": "Acme"},
        "conversation": {"id": conversation, "inbox_id": 7, "channel": "Channel::Api", "status": "pending",
                         "can_reply": True, "contact_inbox": {"source_id": "5511999999999"},
                         "meta": {"sender": {"id": 912, "name": "Ana Souza", "type": "contact"}, "assignee": None},
                         "labels": [], "custom_attributes": {}, "unread_count": 1, "timestamp": int(time.time())},
    }
    response = httpx.post(f"{stack.url}/seller-bot/webhook/chatwoot", json=payload,
                          headers={"X-Chatwoot-Delivery": str(uuid.uuid4())})
    assert response.status_code == 200, response.text
    sent = poll(lambda: _sent_to(stack.chatwoot_url, f"/conversations/{conversation}/messages"), 30)
    assert sent[0]["headers"]["api_access_token"] == "cw-e2e-token"
    assert sent[0]["body"]["message_type"] == "outgoing"
    assert sent[0]["body"]["content"]


def test_signed_instagram_message_is_answered_and_unsigned_is_refused(stack: RunningStack) -> None:
    sender = str(10**15 + uuid.uuid4().int % 10**15)
    body = json.dumps({"object": "instagram", "entry": [{"id": "17841400000000001", "time": int(time.time() * 1000),
        "messaging": [{"sender": {"id": sender}, "recipient": {"id": "17841400000000001"},
                       "timestamp": int(time.time() * 1000),
                       "message": {"mid": f"m_{uuid.uuid4().hex}", "text": "Vocês entregam em Porto Alegre?"}}]}]},
        ensure_ascii=False).encode()
    signature = "sha256=" + hmac.new(INSTAGRAM_APP_SECRET.encode(), body, hashlib.sha256).hexdigest()
    unsigned = httpx.post(f"{stack.url}/seller-bot/webhook/instagram", content=body,
                          headers={"Content-Type": "application/json"})
    assert unsigned.status_code == 401
    signed = httpx.post(f"{stack.url}/seller-bot/webhook/instagram", content=body,
                        headers={"Content-Type": "application/json", "X-Hub-Signature-256": signature})
    assert signed.status_code == 200, signed.text
    sent = poll(lambda: [r for r in _sent_to(stack.graph_url, "/messages")
                         if r["body"]["recipient"]["id"] == sender], 30)
    assert sent[0]["headers"]["authorization"] == "Bearer ig-e2e-token"
    assert sent[0]["body"]["message"]["text"]
    handshake = httpx.get(f"{stack.url}/seller-bot/webhook/instagram", params={
        "hub.mode": "subscribe", "hub.verify_token": "ig-verify-e2e", "hub.challenge": "1158201444"})
    assert handshake.status_code == 200
    assert handshake.text == "1158201444"


def test_telegram_update_is_answered_with_send_message(stack: RunningStack) -> None:
    chat_id = 500000000 + uuid.uuid4().int % 10**8
    update = {"update_id": uuid.uuid4().int % 10**9, "message": {
        "message_id": 4321, "date": int(time.time()), "text": "Qual o prazo de entrega?",
        "from": {"id": chat_id, "is_bot": False, "first_name": "Ana", "language_code": "pt-br"},
        "chat": {"id": chat_id, "first_name": "Ana", "type": "private"}}}
    wrong = httpx.post(f"{stack.url}/seller-bot/webhook/telegram", json=update,
                       headers={"X-Telegram-Bot-Api-Secret-Token": "nope"})
    assert wrong.status_code == 401
    accepted = httpx.post(f"{stack.url}/seller-bot/webhook/telegram", json=update,
                          headers={"X-Telegram-Bot-Api-Secret-Token": TELEGRAM_SECRET_TOKEN})
    assert accepted.status_code == 200, accepted.text
    sent = poll(lambda: [r for r in _sent_to(stack.telegram_url, f"/bot{TELEGRAM_BOT_TOKEN}/sendMessage")
                         if str(r["body"]["chat_id"]) == str(chat_id)], 30)
    assert sent[0]["body"]["text"]
