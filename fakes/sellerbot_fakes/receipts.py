"""Delivery receipts as the platforms send them to our webhooks, for a message one of the fakes accepted.

Evolution `messages.update` (v2 and 1.8 shapes, EVO `whatsapp.baileys.service.ts` `messages.update` handler),
Chatwoot `message_updated` (Message#webhook_data; `status` only inside `conversation.messages[]` upstream, at the
top level with chatwoot PR #15908), Instagram `messaging_seen` (`read.mid`) and the Messenger forms
`message_deliveries` / `message_reads` (`delivery.mids`, `watermark`). Telegram sends none.
"""

from __future__ import annotations

import time
import uuid
from typing import Any


def evolution_messages_update(instance: str, key_id: str, remote_jid: str, status: str,
                              version: str = "v2") -> dict[str, Any]:
    """`status`: ERROR | PENDING | SERVER_ACK | DELIVERY_ACK | READ | PLAYED."""
    if version == "v1":
        data: dict[str, Any] = {"remoteJid": remote_jid, "fromMe": True, "id": key_id, "status": status,
                                "datetime": int(time.time() * 1000), "owner": instance}
    else:
        data = {"messageId": uuid.uuid4().hex[:25], "keyId": key_id, "remoteJid": remote_jid, "fromMe": True,
                "participant": remote_jid, "status": status, "instanceId": str(uuid.uuid4())}
    return {"event": "messages.update", "instance": instance, "data": data,
            "destination": "http://127.0.0.1/seller-bot/webhook/evolution", "date_time": time.strftime(
                "%Y-%m-%dT%H:%M:%S.000Z", time.gmtime()), "sender": "5511888888888@s.whatsapp.net",
            "server_url": "http://127.0.0.1:8081", "apikey": None}


def chatwoot_message_updated(account_id: int, conversation_id: int, message_id: int, status: str,
                             top_level_status: bool = False, external_error: str = "") -> dict[str, Any]:
    """`status`: sent | delivered | read | failed."""
    payload: dict[str, Any] = {
        "event": "message_updated", "id": message_id, "content": "…", "content_type": "text",
        "content_attributes": {"external_error": external_error} if external_error else {},
        "message_type": "outgoing", "private": False, "source_id": f"wamid.{uuid.uuid4().hex}",
        "created_at": time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime()),
        "sender": {"id": 1, "name": "Seller Bot", "type": "agent_bot"},
        "inbox": {"id": 7, "name": "WhatsApp Sales"}, "account": {"id": account_id, "name": "Shop"},
        "conversation": {"id": conversation_id, "inbox_id": 7, "status": "pending", "channel": "Channel::Whatsapp",
                         "messages": [{"id": message_id, "message_type": 1, "status": status,
                                       "conversation_id": conversation_id}]},
    }
    if top_level_status:
        payload["status"] = status
    return payload


def instagram_receipt(account_id: str, igsid: str, *, read_mid: str = "", delivered_mids: tuple[str, ...] = (),
                      watermark_ms: int | None = None, read: bool = False) -> dict[str, Any]:
    """`read_mid`: Instagram's messaging_seen; `delivered_mids`/`watermark_ms`: message_deliveries;
    `read=True` with only a watermark: message_reads."""
    event: dict[str, Any] = {"sender": {"id": igsid}, "recipient": {"id": account_id},
                             "timestamp": int(time.time() * 1000)}
    if read_mid:
        event["read"] = {"mid": read_mid}
    elif read:
        event["read"] = {"watermark": watermark_ms}
    else:
        event["delivery"] = {"watermark": watermark_ms or int(time.time() * 1000)}
        if delivered_mids:
            event["delivery"]["mids"] = list(delivered_mids)
    return {"object": "instagram", "entry": [{"id": account_id, "time": int(time.time() * 1000),
                                              "messaging": [event]}]}
