"""The channels' delivery receipts, parsed: what each says, for which of our messages; never backwards."""

from __future__ import annotations

from datetime import UTC, datetime

from channel_adapter.domain.normalization import (
    Ignored,
    IgnoreReason,
    Receipt,
    ReceiptStatus,
    parse_chatwoot,
    parse_evolution,
    parse_instagram,
)
from sellerbot_fakes.receipts import chatwoot_message_updated, evolution_messages_update, instagram_receipt

JID = "5511999999999@s.whatsapp.net"


def test_evolution_messages_update_v2_and_v1() -> None:
    for version in ("v2", "v1"):
        for status, expected in (("DELIVERY_ACK", ReceiptStatus.DELIVERED), ("READ", ReceiptStatus.READ),
                                 ("PLAYED", ReceiptStatus.READ), ("ERROR", ReceiptStatus.FAILED)):
            [receipt] = parse_evolution(evolution_messages_update("loja", "3EB0AA", JID, status, version), "", "d",
                                        False)
            assert isinstance(receipt, Receipt), (version, status)
            assert (receipt.status, receipt.platform_message_ids, receipt.account_key) == (expected, ("3EB0AA",),
                                                                                         "loja")
    pending = parse_evolution(evolution_messages_update("loja", "3EB0AA", JID, "SERVER_ACK"), "", "d", False)
    theirs = evolution_messages_update("loja", "3EB0AA", JID, "READ")
    theirs["data"]["fromMe"] = False  # our read of the buyer's message
    assert pending == parse_evolution(theirs, "", "d", False) == [Ignored(IgnoreReason.STATUS_UPDATE, "loja")]


def test_chatwoot_message_updated_status_in_the_payload_or_its_conversation() -> None:
    [nested] = parse_chatwoot(chatwoot_message_updated(3, 1577, 42, "read"), "", False)
    [top] = parse_chatwoot(chatwoot_message_updated(3, 1577, 42, "failed", top_level_status=True,
                                                    external_error="131047"), "", False)
    assert nested == Receipt("3", ReceiptStatus.READ, ("42",))
    assert top == Receipt("3", ReceiptStatus.FAILED, ("42",), error="131047")
    assert parse_chatwoot(chatwoot_message_updated(3, 1577, 42, "sent"), "", False)[0] == Ignored(
        IgnoreReason.STATUS_UPDATE, "3")


def test_instagram_seen_deliveries_and_watermarks() -> None:
    [seen] = parse_instagram(instagram_receipt("IG1", "buyer", read_mid="mid.1"))
    [delivered] = parse_instagram(instagram_receipt("IG1", "buyer", delivered_mids=("mid.1", "mid.2")))
    [by_watermark] = parse_instagram(instagram_receipt("IG1", "buyer", watermark_ms=1_764_034_212_000, read=True))
    assert seen == Receipt("IG1", ReceiptStatus.READ, ("mid.1",), contact_id="instagram:buyer")
    assert delivered.status is ReceiptStatus.DELIVERED and delivered.platform_message_ids == ("mid.1", "mid.2")
    assert by_watermark.status is ReceiptStatus.READ and by_watermark.platform_message_ids == ()
    assert by_watermark.watermark == datetime.fromtimestamp(1_764_034_212, UTC)


def test_a_receipt_never_moves_a_message_back() -> None:
    assert "" in ReceiptStatus.FAILED.follows and "delivered" not in ReceiptStatus.FAILED.follows
    assert "read" not in ReceiptStatus.DELIVERED.follows and "failed" in ReceiptStatus.DELIVERED.follows
    assert "read" not in ReceiptStatus.READ.follows and "delivered" in ReceiptStatus.READ.follows
