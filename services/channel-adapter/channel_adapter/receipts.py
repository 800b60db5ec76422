"""Delivery receipts: a channel says a message we sent was delivered, read or failed; the reply it belonged to
is found by the platform message id recorded when it was sent (Meta: by buyer and watermark) and its new
status is published as ReplyDelivered (`receipt=true`) on `conversations.delivery.<channel>`.

Each reply's furthest receipt status is kept with its sent parts, and a receipt that would move it backwards
(Meta may report a read before the delivery; Evolution redelivers) is answered as `stale_receipt` and not
published. Telegram sends no receipts: a Telegram reply stays `sent`.
"""

from __future__ import annotations

from dataclasses import dataclass

import structlog
from sellerbot.events.v1 import conversation_events_pb2 as events
from sellerbot_messaging import EventBus, Subjects

from channel_adapter.adapters.delivery_records import DeliveryRecords, SentReply
from channel_adapter.domain.accounts import ChannelAccount
from channel_adapter.domain.channels import Platform
from channel_adapter.domain.normalization import Receipt, ReceiptStatus
from channel_adapter.metrics import RECEIPTS
from channel_adapter.timestamps import now

log = structlog.get_logger(__name__)
_STATUS = {ReceiptStatus.DELIVERED: events.DELIVERY_STATUS_DELIVERED, ReceiptStatus.READ: events.DELIVERY_STATUS_READ,
           ReceiptStatus.FAILED: events.DELIVERY_STATUS_FAILED}


@dataclass(frozen=True)
class ReceiptOutcome:
    published: int = 0
    duplicates: int = 0
    unknown: bool = False
    stale: int = 0


class DeliveryReceipts:
    def __init__(self, records: DeliveryRecords, bus: EventBus) -> None:
        self._records = records
        self._bus = bus

    async def replies_of(self, platform: Platform, owner: ChannelAccount, receipt: Receipt) -> list[SentReply]:
        """Only the owner's own replies: an account's webhook cannot move another seller's messages."""
        if receipt.platform_message_ids:
            return await self._records.replies_by_message_ids(platform.value, owner.user_id,
                                                              receipt.platform_message_ids)
        if receipt.watermark is None or not receipt.contact_id:
            return []
        return await self._records.replies_until(platform.value, owner.user_id, receipt.contact_id,
                                                 receipt.watermark)

    async def publish(self, platform: Platform, owner: ChannelAccount, receipt: Receipt) -> ReceiptOutcome:
        replies = await self.replies_of(platform, owner, receipt)
        if not replies:
            RECEIPTS.labels(platform.channel, receipt.status.value, "unknown").inc()
            return ReceiptOutcome(unknown=True)
        duplicates = 0
        fresh = [reply for reply in replies if reply.receipt_status in receipt.status.follows]
        for reply in fresh:
            # One event per reply and status: the platform's redeliveries and the other parts' receipts of a
            # split reply are dropped by JetStream (duplicate window), and the chatbot never moves a status back.
            event = events.ReplyDelivered(
                event_id=f"receipt:{reply.reply_id}:{receipt.status.value}", user_id=reply.user_id,
                channel=platform.channel_enum, contact_id=reply.contact_id, reply_id=reply.reply_id,
                delivered=receipt.status is not ReceiptStatus.FAILED, platform_message_id=reply.platform_message_id,
                error=receipt.error, status=_STATUS[receipt.status], receipt=True, at=now())
            ack = await self._bus.publish(Subjects.delivery(platform.channel), event, event.event_id, reply.user_id)
            # After the publish: a failed publish is answered 503 and the platform's retry still finds it new.
            await self._records.advance_receipt(reply.reply_id, receipt.status.value, receipt.status.follows)
            duplicates += int(bool(ack.duplicate))
            RECEIPTS.labels(platform.channel, receipt.status.value, "duplicate" if ack.duplicate else "stored").inc()
        stale = len(replies) - len(fresh)
        if stale:
            RECEIPTS.labels(platform.channel, receipt.status.value, "stale").inc(stale)
        log.info("delivery_receipt", channel=platform.channel, status=receipt.status.value, replies=len(fresh),
                 stale=stale)
        return ReceiptOutcome(published=len(fresh) - duplicates, duplicates=duplicates, stale=stale)
