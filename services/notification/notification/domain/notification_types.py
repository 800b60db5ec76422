"""The notification types a browser can receive, and the control messages around them."""

from __future__ import annotations

from enum import StrEnum


class NotificationType(StrEnum):
    """Stored, resumable notifications; each maps from one event subject (see proto/EVENTS.md)."""

    BOT_TASK_STARTED = "bot_task_started"
    BOT_TASK_PROGRESS = "bot_task_progress"
    BOT_TASK_COMPLETED = "bot_task_completed"
    BOT_TASK_FAILED = "bot_task_failed"
    BOT_TASK_NEEDS_ATTENTION = "bot_task_needs_attention"
    BOT_WORKER_STARTED = "bot_worker_started"
    BOT_WORKER_STOPPED = "bot_worker_stopped"
    BOT_PROFILE_LOGIN_STATE = "bot_profile_login_state"
    CHATBOT_MESSAGE_RECEIVED = "chatbot_message_received"
    CHATBOT_REPLY_SENT = "chatbot_reply_sent"
    CHATBOT_HANDOFF_REQUESTED = "chatbot_handoff_requested"
    CHATBOT_CONVERSATION_UPDATED = "chatbot_conversation_updated"
    # The human inbox: a reply (the bot's or an agent's) leaving for the buyer, one dead-lettered, an assignment.
    CHATBOT_REPLY_QUEUED = "chatbot_reply_queued"
    CHATBOT_REPLY_FAILED = "chatbot_reply_failed"
    CHATBOT_CONVERSATION_ASSIGNED = "chatbot_conversation_assigned"
    # A channel's receipt: the buyer's device got the reply (delivered) or the buyer opened it (read).
    CHATBOT_REPLY_STATUS = "chatbot_reply_status"


class ControlType(StrEnum):
    """Messages about the connection itself: never stored, `id` is null, not filtered by `types`."""

    SUBSCRIBED = "subscribed"  # first message: the subscription is live (payload: connection settings)
    HEARTBEAT = "heartbeat"    # sent after a heartbeat period of silence, so clients can detect a dead link
    RESYNC = "resync"          # part of what followed last_event_id left the retention window: refetch state


class InvalidSubscription(ValueError):
    """The subscription asks for something that cannot exist (unknown type, malformed last_event_id)."""

    def __init__(self, field: str, description: str) -> None:
        super().__init__(f"{field}: {description}")
        self.field = field
        self.description = description


def parse_types(requested: list[str]) -> frozenset[str] | None:
    """The requested subset of types; None means every type."""
    wanted = {t.strip() for t in requested if t.strip()}
    if not wanted:
        return None
    unknown = sorted(wanted - {t.value for t in NotificationType})
    if unknown:
        raise InvalidSubscription("types", f"unknown notification types: {', '.join(unknown)}")
    return frozenset(wanted)


def parse_event_id(raw: str) -> int:
    """An event id is the decimal NOTIFICATIONS stream sequence; 0 means 'no resume'."""
    raw = raw.strip()
    if not raw:
        return 0
    if not raw.isdigit() or len(raw) > 19:
        raise InvalidSubscription("last_event_id", "must be an id received in a notification (digits)")
    return int(raw)
