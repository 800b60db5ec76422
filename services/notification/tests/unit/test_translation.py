"""Event -> notification: every type's payload is the documented contract (proto/EVENTS.md)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from google.protobuf import struct_pb2
from notification.domain.notification_types import (
    InvalidSubscription,
    NotificationType,
    parse_event_id,
    parse_types,
)
from notification.domain.translation import UndecodableEvent, translate
from sellerbot.events.v1 import bot_events_pb2 as bot
from sellerbot.events.v1 import conversation_events_pb2 as conv

AT = datetime(2026, 11, 25, 10, 0, 0, tzinfo=UTC)


def _bytes(event: object) -> bytes:
    return event.SerializeToString()  # type: ignore[attr-defined]


def test_the_seed_bot_payloads_are_exact() -> None:
    result = struct_pb2.Struct()
    result.update({"replied": 3})
    task = bot.BotTaskEvent(user_id="u", task_id="t", task_type="reply_reviews", profile_id="p", result=result,
                            duration_seconds=1.23456, error="captcha", retry_count=1)
    task.at.FromDatetime(AT)
    worker = bot.BotWorkerEvent(user_id="u", worker_id="w", profiles=["a", "b"], reason="idle")
    cases = {
        "bot.task.started": ("bot_task_started", {"task_id": "t", "task_type": "reply_reviews", "profile_id": "p"}),
        "bot.task.completed": ("bot_task_completed", {"task_id": "t", "result": {"replied": 3}, "duration": 1.235}),
        "bot.task.failed": ("bot_task_failed", {"task_id": "t", "error": "captcha", "retry_count": 1}),
        "bot.worker.started": ("bot_worker_started", {"worker_id": "w", "profiles": ["a", "b"]}),
        "bot.worker.stopped": ("bot_worker_stopped", {"worker_id": "w", "reason": "idle"}),
    }
    for subject, (kind, payload) in cases.items():
        event = worker if subject.startswith("bot.worker") else task
        draft = translate(subject, _bytes(event))
        assert draft is not None
        assert (draft.user_id, draft.type.value, draft.payload) == ("u", kind, payload)
    draft = translate("bot.task.started", _bytes(task))
    assert draft is not None and draft.ts == AT.replace(tzinfo=None)


def test_chatbot_events_name_the_channel_and_contact() -> None:
    inbound = conv.InboundMessage(user_id="u", channel=conv.CHANNEL_INSTAGRAM, contact_id="instagram:1", text="oi")
    draft = translate("conversations.inbound.instagram", _bytes(inbound))
    assert draft is not None and draft.type is NotificationType.CHATBOT_MESSAGE_RECEIVED
    assert draft.payload["channel"] == "instagram" and draft.payload["text"] == "oi"
    assert draft.ts is None  # no producer timestamp: the stream's store time is used instead
    handoff = conv.HandoffRequested(user_id="u", channel=conv.CHANNEL_TELEGRAM, contact_id="telegram:9",
                                    origin=conv.HANDOFF_ORIGIN_HUMAN_AGENT, reason="agent replied")
    draft = translate("conversations.handoff.telegram", _bytes(handoff))
    assert draft is not None and draft.payload["origin"] == "human_agent"
    updated = conv.ConversationUpdated(user_id="u", channel=conv.CHANNEL_API, contact_id="api:1", stage="won")
    draft = translate("conversations.updated", _bytes(updated))
    assert draft is not None and draft.payload["stage"] == "won"


def test_only_delivered_replies_become_reply_sent() -> None:
    failed = conv.ReplyDelivered(user_id="u", reply_id="r", delivered=False)
    assert translate("conversations.delivery.whatsapp", _bytes(failed)) is None
    sent = conv.ReplyDelivered(user_id="u", channel=conv.CHANNEL_WHATSAPP, contact_id="c", reply_id="r",
                               delivered=True)
    draft = translate("conversations.delivery.whatsapp", _bytes(sent))
    assert draft is not None and draft.payload == {"contact_id": "c", "channel": "whatsapp", "reply_id": "r"}


def test_a_dead_lettered_reply_becomes_reply_failed() -> None:
    dead = conv.ReplyDelivered(user_id="u", channel=conv.CHANNEL_TELEGRAM, contact_id="c", reply_id="r",
                               delivered=False, dead_lettered=True, error="bot was blocked by the user")
    draft = translate("conversations.delivery.telegram", _bytes(dead))
    assert draft is not None and draft.type is NotificationType.CHATBOT_REPLY_FAILED
    assert draft.payload == {"contact_id": "c", "channel": "telegram", "reply_id": "r",
                             "error": "bot was blocked by the user"}


def test_channel_receipts_become_reply_status_and_a_failed_receipt_reply_failed() -> None:
    for status, name in ((conv.DELIVERY_STATUS_DELIVERED, "delivered"), (conv.DELIVERY_STATUS_READ, "read")):
        receipt = conv.ReplyDelivered(user_id="u", channel=conv.CHANNEL_WHATSAPP, contact_id="c", reply_id="r",
                                      delivered=True, status=status, receipt=True)
        draft = translate("conversations.delivery.whatsapp", _bytes(receipt))
        assert draft is not None and draft.type is NotificationType.CHATBOT_REPLY_STATUS
        assert draft.payload == {"contact_id": "c", "channel": "whatsapp", "reply_id": "r", "status": name}
    failed = conv.ReplyDelivered(user_id="u", channel=conv.CHANNEL_CHATWOOT, contact_id="c", reply_id="r",
                                 status=conv.DELIVERY_STATUS_FAILED, receipt=True, error="131047")
    draft = translate("conversations.delivery.chatwoot", _bytes(failed))
    assert draft is not None and draft.type is NotificationType.CHATBOT_REPLY_FAILED
    assert draft.payload["error"] == "131047"
    sent = conv.ReplyDelivered(user_id="u", reply_id="r", delivered=True, status=conv.DELIVERY_STATUS_SENT)
    draft = translate("conversations.delivery.telegram", _bytes(sent))
    assert draft is not None and draft.type is NotificationType.CHATBOT_REPLY_SENT


def test_outgoing_replies_name_their_author_for_the_inbox() -> None:
    bot_reply = conv.OutboundReply(user_id="u", channel=conv.CHANNEL_WHATSAPP, contact_id="c", reply_id="r1",
                                   text="Temos sim!", intent="availability", inbox_conversation_id="conv-1")
    draft = translate("conversations.outbound.whatsapp", _bytes(bot_reply))
    assert draft is not None and draft.type is NotificationType.CHATBOT_REPLY_QUEUED
    assert draft.payload["author"] == "bot" and draft.payload["conversation_id"] == "conv-1"
    assert draft.payload["text"] == "Temos sim!" and draft.payload["intent"] == "availability"
    agent_reply = conv.OutboundReply(user_id="u", channel=conv.CHANNEL_WHATSAPP, contact_id="c", reply_id="r2",
                                     text="Oi, aqui é a Bia", author_id="m-1", author_name="bia@loja.test")
    draft = translate("conversations.outbound.whatsapp", _bytes(agent_reply))
    assert draft is not None and draft.payload["author"] == "human"
    assert draft.payload["author_name"] == "bia@loja.test"


def test_assignments_become_conversation_assigned() -> None:
    assigned = conv.ConversationAssigned(user_id="u", channel=conv.CHANNEL_INSTAGRAM, contact_id="c",
                                         conversation_id="conv-1", assignee_id="m-1", assignee_name="bia",
                                         assigned_by="m-2")
    draft = translate("conversations.assigned", _bytes(assigned))
    assert draft is not None and draft.type is NotificationType.CHATBOT_CONVERSATION_ASSIGNED
    assert draft.payload == {"contact_id": "c", "channel": "instagram", "conversation_id": "conv-1",
                             "assignee_id": "m-1", "assignee_name": "bia", "assigned_by": "m-2"}


def test_subjects_that_are_not_notifications_are_skipped() -> None:
    assert translate("conversations.order", _bytes(conv.OrderPlaced(user_id="u"))) is None
    assert translate("bot.task.queued", _bytes(bot.BotTaskEvent(user_id="u"))) is None


def test_bytes_that_are_not_the_subject_event_are_undecodable() -> None:
    with pytest.raises(UndecodableEvent):
        translate("bot.task.started", b"\xff\xff\xff")


def test_types_and_resume_ids_are_validated() -> None:
    assert parse_types([]) is None
    assert parse_types(["bot_task_failed", " "]) == frozenset({"bot_task_failed"})
    with pytest.raises(InvalidSubscription, match="bot_nope"):
        parse_types(["bot_nope"])
    assert parse_event_id("") == 0
    assert parse_event_id("42") == 42
    for bad in ("-1", "4x", "1" * 20):
        with pytest.raises(InvalidSubscription):
            parse_event_id(bad)
