"""Turn the platform's events (proto/sellerbot/events/v1) into user notifications: type, payload, time.

Pure: a subject and the event bytes in, a `NotificationDraft` (or None when the event is not a notification)
out. The payload shapes are the contract documented in proto/EVENTS.md.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from google.protobuf import json_format
from google.protobuf.message import DecodeError, Message
from google.protobuf.timestamp_pb2 import Timestamp
from sellerbot.events.v1 import bot_events_pb2 as bot
from sellerbot.events.v1 import conversation_events_pb2 as conv

from notification.domain.notification_types import NotificationType as T


class UndecodableEvent(ValueError):
    """The bytes on a known subject are not the event that subject carries (can never succeed)."""


@dataclass(frozen=True)
class NotificationDraft:
    user_id: str
    type: T
    payload: dict[str, Any]
    ts: datetime | None  # the producer's timestamp; None when the event carries none


def _ts(stamp: Timestamp) -> datetime | None:
    if stamp.seconds == 0 and stamp.nanos == 0:
        return None
    return stamp.ToDatetime()


def _channel(value: int) -> str:
    return conv.Channel.Name(value).removeprefix("CHANNEL_").lower()


def _origin(value: int) -> str:
    return conv.HandoffOrigin.Name(value).removeprefix("HANDOFF_ORIGIN_").lower()


def _bot_task(kind: str, e: bot.BotTaskEvent) -> NotificationDraft | None:
    payloads: dict[str, tuple[T, dict[str, Any]]] = {
        "started": (T.BOT_TASK_STARTED,
                    {"task_id": e.task_id, "task_type": e.task_type, "profile_id": e.profile_id}),
        "progress": (T.BOT_TASK_PROGRESS,
                     {"task_id": e.task_id, "done": e.progress_done, "total": e.progress_total}),
        "completed": (T.BOT_TASK_COMPLETED,
                      {"task_id": e.task_id, "result": json_format.MessageToDict(e.result),
                       "duration": round(e.duration_seconds, 3)}),
        "failed": (T.BOT_TASK_FAILED, {"task_id": e.task_id, "error": e.error, "retry_count": e.retry_count}),
        "needs_attention": (T.BOT_TASK_NEEDS_ATTENTION,
                            {"task_id": e.task_id, "task_type": e.task_type, "profile_id": e.profile_id,
                             "reason": e.error}),
    }
    if kind not in payloads:
        return None
    kind_type, payload = payloads[kind]
    return NotificationDraft(e.user_id, kind_type, payload, _ts(e.at))


def _bot_worker(kind: str, e: bot.BotWorkerEvent) -> NotificationDraft | None:
    if kind == "started":
        return NotificationDraft(e.user_id, T.BOT_WORKER_STARTED,
                                 {"worker_id": e.worker_id, "profiles": list(e.profiles)}, _ts(e.at))
    if kind == "stopped":
        return NotificationDraft(e.user_id, T.BOT_WORKER_STOPPED,
                                 {"worker_id": e.worker_id, "reason": e.reason}, _ts(e.at))
    return None


def _login_state(_: str, e: bot.ProfileLoginState) -> NotificationDraft:
    return NotificationDraft(e.user_id, T.BOT_PROFILE_LOGIN_STATE,
                             {"profile_id": e.profile_id, "state": e.state, "reason": e.reason}, _ts(e.at))


def _inbound(_: str, e: conv.InboundMessage) -> NotificationDraft:
    return NotificationDraft(e.user_id, T.CHATBOT_MESSAGE_RECEIVED, {
        "contact_id": e.contact_id, "contact_name": e.contact_name, "channel": _channel(e.channel),
        "conversation_id": e.conversation_id, "text": e.text, "media_type": e.media_type,
    }, _ts(e.received_at) or _ts(e.platform_timestamp))


_RECEIPT_STATUS = {conv.DELIVERY_STATUS_DELIVERED: "delivered", conv.DELIVERY_STATUS_READ: "read"}


def _delivery(_: str, e: conv.ReplyDelivered) -> NotificationDraft | None:
    if e.receipt and e.status in _RECEIPT_STATUS:  # channel-adapter publishes only receipts that move forward
        return NotificationDraft(e.user_id, T.CHATBOT_REPLY_STATUS, {
            "contact_id": e.contact_id, "channel": _channel(e.channel), "reply_id": e.reply_id,
            "status": _RECEIPT_STATUS[e.status],
        }, _ts(e.at))
    failed_receipt = e.receipt and e.status == conv.DELIVERY_STATUS_FAILED
    if e.dead_lettered or failed_receipt:  # every attempt failed, or the channel could not deliver it
        return NotificationDraft(e.user_id, T.CHATBOT_REPLY_FAILED, {
            "contact_id": e.contact_id, "channel": _channel(e.channel), "reply_id": e.reply_id, "error": e.error,
        }, _ts(e.at))
    if not e.delivered:
        return None  # a failed attempt is retried or dead-lettered; the seller sees the reply once it is sent
    return NotificationDraft(e.user_id, T.CHATBOT_REPLY_SENT, {
        "contact_id": e.contact_id, "channel": _channel(e.channel), "reply_id": e.reply_id,
    }, _ts(e.at))


def _outbound(_: str, e: conv.OutboundReply) -> NotificationDraft:
    return NotificationDraft(e.user_id, T.CHATBOT_REPLY_QUEUED, {
        "contact_id": e.contact_id, "channel": _channel(e.channel), "conversation_id": e.inbox_conversation_id,
        "reply_id": e.reply_id, "text": e.text, "intent": e.intent, "author": "human" if e.author_id else "bot",
        "author_id": e.author_id, "author_name": e.author_name,
    }, _ts(e.produced_at))


def _assigned(_: str, e: conv.ConversationAssigned) -> NotificationDraft:
    return NotificationDraft(e.user_id, T.CHATBOT_CONVERSATION_ASSIGNED, {
        "contact_id": e.contact_id, "channel": _channel(e.channel), "conversation_id": e.conversation_id,
        "assignee_id": e.assignee_id, "assignee_name": e.assignee_name, "assigned_by": e.assigned_by,
    }, _ts(e.at))


def _handoff(_: str, e: conv.HandoffRequested) -> NotificationDraft:
    return NotificationDraft(e.user_id, T.CHATBOT_HANDOFF_REQUESTED, {
        "contact_id": e.contact_id, "channel": _channel(e.channel), "reason": e.reason, "summary": e.summary,
        "origin": _origin(e.origin), "conversation_id": e.conversation_id,
    }, _ts(e.requested_at))


def _conversation_updated(_: str, e: conv.ConversationUpdated) -> NotificationDraft:
    return NotificationDraft(e.user_id, T.CHATBOT_CONVERSATION_UPDATED, {
        "contact_id": e.contact_id, "channel": _channel(e.channel), "intent": e.intent, "stage": e.stage,
        "handoff_state": e.handoff_state, "conversation_id": e.conversation_id, "last_message": e.last_message,
    }, _ts(e.updated_at))


@dataclass(frozen=True)
class _Route:
    prefix: str
    event_type: type[Message]
    build: Callable[[str, Any], NotificationDraft | None]


# Subjects not listed (conversations.order, deadletters.*) are not notifications.
_ROUTES = (
    _Route("bot.task.", bot.BotTaskEvent, _bot_task),
    _Route("bot.worker.", bot.BotWorkerEvent, _bot_worker),
    _Route("bot.profile.login_state", bot.ProfileLoginState, _login_state),
    _Route("conversations.inbound.", conv.InboundMessage, _inbound),
    _Route("conversations.delivery.", conv.ReplyDelivered, _delivery),
    _Route("conversations.handoff.", conv.HandoffRequested, _handoff),
    _Route("conversations.updated", conv.ConversationUpdated, _conversation_updated),
    _Route("conversations.outbound.", conv.OutboundReply, _outbound),
    _Route("conversations.assigned", conv.ConversationAssigned, _assigned),
)


def translate(subject: str, data: bytes) -> NotificationDraft | None:
    """The notification for one event (subject without namespace), or None when it is not one.

    Raises UndecodableEvent when the bytes are not the subject's event.
    """
    for route in _ROUTES:
        if subject == route.prefix or (route.prefix.endswith(".") and subject.startswith(route.prefix)):
            try:
                event = route.event_type.FromString(data)
            except DecodeError as exc:
                raise UndecodableEvent(f"{subject}: {exc}") from exc
            return route.build(subject.removeprefix(route.prefix), event)
    return None
