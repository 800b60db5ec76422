"""Delivery receipts through the real gateway: the platforms' own status webhooks (Evolution `messages.update`,
Chatwoot `message_updated`, Instagram seen / deliveries) become ReplyDelivered events for the reply that was sent
as that platform message; receipts for messages we never sent are ignored."""

from __future__ import annotations

import time
from typing import Any

from sellerbot.events.v1 import conversation_events_pb2 as events
from sellerbot_fakes.receipts import chatwoot_message_updated, evolution_messages_update, instagram_receipt
from sellerbot_messaging import Subjects

from ..payloads import chatwoot_headers, encode, instagram_messages, meta_headers
from .conftest import CHATWOOT_SECRET, EVOLUTION_SECRET, INSTAGRAM_APP_SECRET
from .test_replies_out import publish_reply

EVO = {"Content-Type": "application/json", "X-Webhook-Secret": EVOLUTION_SECRET}
IG_ACCOUNT = "17841400000000001"


async def _post(gateway: Any, channel: str, payload: dict[str, Any]) -> dict[str, Any]:
    body = encode(payload)
    headers = {"evolution": EVO, "chatwoot": chatwoot_headers(body, CHATWOOT_SECRET) if channel == "chatwoot" else {},
               "instagram": meta_headers(body, INSTAGRAM_APP_SECRET)}[channel]
    response = await gateway.post(f"/seller-bot/webhook/{channel}", content=body, headers=headers)
    assert response.status_code == 200, response.text
    answer: dict[str, Any] = response.json()
    return answer


async def test_whatsapp_receipts_report_delivered_then_read_for_the_reply_sent(gateway, bus, fakes, tap) -> None:
    deliveries = tap(Subjects.DELIVERY_ALL, events.ReplyDelivered)
    reply = await publish_reply(bus, events.CHANNEL_WHATSAPP, "Temos sim!", contact_id="whatsapp:5511999999999",
                                conversation_id="5511999999999@s.whatsapp.net", account_id="acme-sales")
    [sent] = await deliveries.wait_for(1)
    assert sent.status == events.DELIVERY_STATUS_SENT and not sent.receipt
    key_id = sent.platform_message_id  # the key.id Evolution's sendText answered
    assert key_id.startswith("3EB0")
    jid = "5511999999999@s.whatsapp.net"

    assert (await _post(gateway, "evolution", evolution_messages_update("acme-sales", key_id, jid,
                                                                        "SERVER_ACK")))["ignored"]
    assert (await _post(gateway, "evolution", evolution_messages_update(
        "acme-sales", key_id, jid, "DELIVERY_ACK")))["published"] == 1
    assert (await _post(gateway, "evolution", evolution_messages_update(
        "acme-sales", key_id, jid, "READ", version="v1")))["published"] == 1
    again = await _post(gateway, "evolution", evolution_messages_update("acme-sales", key_id, jid, "READ"))
    late = await _post(gateway, "evolution", evolution_messages_update("acme-sales", key_id, jid, "DELIVERY_ACK"))
    assert again["ignored"] == late["ignored"] == {"stale_receipt": 1}  # read stays read
    unknown = await _post(gateway, "evolution", evolution_messages_update("acme-sales", "3EB0NOTOURS", jid, "READ"))
    assert unknown["ignored"] == {"receipt_for_unknown_message": 1}

    _, delivered, read = await deliveries.wait_for(3)
    assert [(e.status, e.receipt, e.reply_id) for e in (delivered, read)] == [
        (events.DELIVERY_STATUS_DELIVERED, True, reply.reply_id), (events.DELIVERY_STATUS_READ, True, reply.reply_id)]
    assert delivered.contact_id == "whatsapp:5511999999999" and delivered.channel == events.CHANNEL_WHATSAPP


async def test_chatwoot_and_instagram_receipts(gateway, bus, fakes, tap) -> None:
    deliveries = tap(Subjects.DELIVERY_ALL, events.ReplyDelivered)
    chatwoot = await publish_reply(bus, events.CHANNEL_CHATWOOT, "Oi!", contact_id="chatwoot:912",
                                   conversation_id="1577", account_id="3")
    message_id = int((await deliveries.wait_for(1))[0].platform_message_id)
    assert (await _post(gateway, "chatwoot", chatwoot_message_updated(3, 1577, message_id, "sent")))["ignored"]
    failed = await _post(gateway, "chatwoot", chatwoot_message_updated(
        3, 1577, message_id, "failed", top_level_status=True, external_error="131047 re-engagement"))
    assert failed["published"] == 1
    report = (await deliveries.wait_for(2))[1]
    assert (report.reply_id, report.status, report.delivered) == (chatwoot.reply_id, events.DELIVERY_STATUS_FAILED,
                                                                   False)
    assert "131047" in report.error

    body = encode(instagram_messages(messages=[("4444", "Oi")]))  # opens the 24-hour window
    await gateway.post("/seller-bot/webhook/instagram", content=body, headers=meta_headers(body, INSTAGRAM_APP_SECRET))
    first = await publish_reply(bus, events.CHANNEL_INSTAGRAM, "Um", contact_id="instagram:4444",
                                conversation_id="4444", account_id=IG_ACCOUNT)
    mid = (await deliveries.wait_for(3))[2].platform_message_id
    watermark = int(time.time() * 1000) + 1000
    assert (await _post(gateway, "instagram", instagram_receipt(IG_ACCOUNT, "4444", watermark_ms=watermark)))[
        "published"] == 1
    assert (await _post(gateway, "instagram", instagram_receipt(IG_ACCOUNT, "4444", read_mid=mid)))["published"] == 1
    late = await _post(gateway, "instagram", instagram_receipt(IG_ACCOUNT, "4444", delivered_mids=(mid,)))
    assert late["ignored"] == {"stale_receipt": 1}
    stranger = await _post(gateway, "instagram", instagram_receipt(IG_ACCOUNT, "5555", watermark_ms=watermark))
    assert stranger["ignored"] == {"receipt_for_unknown_message": 1}
    delivered, read = (await deliveries.wait_for(5))[3:]
    assert [(e.reply_id, e.status) for e in (delivered, read)] == [
        (first.reply_id, events.DELIVERY_STATUS_DELIVERED), (first.reply_id, events.DELIVERY_STATUS_READ)]
