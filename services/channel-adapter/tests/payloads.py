"""Webhook payloads in the platforms' real formats (shared/reference/channels.md), and their signatures."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
import uuid
from typing import Any


def evolution_text(instance: str = "acme-sales", text: str = "Oi, tem o tênis azul 42?",
                   jid: str = "5511999999999@s.whatsapp.net", message_id: str | None = None,
                   from_me: bool = False, **key_extra: Any) -> dict[str, Any]:
    return {
        "event": "messages.upsert", "instance": instance,
        "data": {
            "key": {"remoteJid": jid, "fromMe": from_me, "id": message_id or uuid.uuid4().hex[:22].upper(),
                    **key_extra},
            "pushName": "Ana Souza", "status": "DELIVERY_ACK", "message": {"conversation": text},
            "messageType": "conversation", "messageTimestamp": int(time.time()),
            "instanceId": "b86cc92f-5985-8d7f-b814-2c3f1a7e9d01", "source": "android",
        },
        "destination": "https://bot.example.com/seller-bot/webhook/evolution",
        "date_time": "2026-11-25T01:30:12.512Z", "sender": "5511888888888@s.whatsapp.net",
        "server_url": "https://evo.example.com", "apikey": None,
    }


def chatwoot_message(account_id: int = 3, conversation_id: int = 1577, content: str = "Tem no tamanho 42?",
                     message_type: str = "incoming", sender_type: str = "contact", private: bool = False,
                     message_id: int | None = None, status: str = "pending") -> dict[str, Any]:
    sender = ({"id": 912, "name": "Ana Souza", "type": "contact"} if sender_type == "contact"
              else {"id": 5, "name": "Carla (agent)", "email": "carla@acme.test", "type": sender_type})
    return {
        "event": "message_created", "id": message_id or int(uuid.uuid4().int % 10**8), "content": content,
        "content_type": "text", "content_attributes": {}, "additional_attributes": {},
        "message_type": message_type, "private": private, "source_id": "wamid.HBgMNTUxMTk5OTk5OTk5FQIAEhgg",
        "created_at": "2026-11-25T01:30:12.000Z", "sender": sender,
        "inbox": {"id": 7, "name": "WhatsApp Sales"}, "account": {"id": account_id, "name": "Acme Shoes"},
        "conversation": {
            "id": conversation_id, "inbox_id": 7, "channel": "Channel::Whatsapp", "status": status,
            "can_reply": True, "contact_inbox": {"source_id": "5511999999999"},
            "meta": {"sender": {"id": 912, "name": "Ana Souza", "phone_number": "+5511999999999",
                                "type": "contact"}, "assignee": None},
            "labels": [], "custom_attributes": {}, "unread_count": 1, "timestamp": int(time.time()),
        },
    }


def chatwoot_headers(body: bytes, secret: str, timestamp: int | None = None,
                     delivery: str | None = None) -> dict[str, str]:
    ts = str(timestamp if timestamp is not None else int(time.time()))
    signature = "sha256=" + hmac.new(secret.encode(), ts.encode() + b"." + body, hashlib.sha256).hexdigest()
    return {"Content-Type": "application/json", "X-Chatwoot-Signature": signature, "X-Chatwoot-Timestamp": ts,
            "X-Chatwoot-Delivery": delivery or str(uuid.uuid4())}


def instagram_messages(account_id: str = "17841400000000001",
                       messages: list[tuple[str, str]] | None = None, **message_extra: Any) -> dict[str, Any]:
    """`messages`: (sender IGSID, text) pairs, all in one entry."""
    pairs = messages or [("1234567890123456", "Vocês entregam no Porto?")]
    return {"object": "instagram", "entry": [{
        "id": account_id, "time": int(time.time() * 1000),
        "messaging": [{
            "sender": {"id": sender}, "recipient": {"id": account_id}, "timestamp": int(time.time() * 1000),
            "message": {"mid": "aWdf" + uuid.uuid4().hex, "text": text, **message_extra},
        } for sender, text in pairs],
    }]}


def meta_headers(body: bytes, app_secret: str) -> dict[str, str]:
    signature = "sha256=" + hmac.new(app_secret.encode(), body, hashlib.sha256).hexdigest()
    return {"Content-Type": "application/json", "X-Hub-Signature-256": signature}


def telegram_update(text: str = "Oi, tem o tênis azul 42?", chat_id: int = 555000111, chat_type: str = "private",
                    update_id: int | None = None) -> dict[str, Any]:
    return {
        "update_id": update_id or int(uuid.uuid4().int % 10**9),
        "message": {
            "message_id": 4321,
            "from": {"id": 555000111, "is_bot": False, "first_name": "Ana", "username": "ana_s",
                     "language_code": "pt-br"},
            "chat": {"id": chat_id, "first_name": "Ana", "username": "ana_s", "type": chat_type},
            "date": int(time.time()), "text": text,
        },
    }


def encode(payload: dict[str, Any]) -> bytes:
    return json.dumps(payload, ensure_ascii=False).encode()
