"""Publishing the chatbot's events: replies out, conversation updates and handoffs."""

from __future__ import annotations

from datetime import datetime

from google.protobuf.timestamp_pb2 import Timestamp
from sellerbot.events.v1 import conversation_events_pb2 as ev
from sellerbot_messaging import EventBus, Subjects

CHANNELS: dict[str, int] = {
    "whatsapp": ev.CHANNEL_WHATSAPP, "instagram": ev.CHANNEL_INSTAGRAM, "chatwoot": ev.CHANNEL_CHATWOOT,
    "telegram": ev.CHANNEL_TELEGRAM, "api": ev.CHANNEL_API, "tiktok_shop": ev.CHANNEL_TIKTOK_SHOP,
}
CHANNEL_NAMES: dict[int, str] = {value: name for name, value in CHANNELS.items()}
ORIGINS = {"bot": ev.HANDOFF_ORIGIN_BOT, "api": ev.HANDOFF_ORIGIN_API, "human_agent": ev.HANDOFF_ORIGIN_HUMAN_AGENT}


def channel_enum(name: str) -> str:
    """The proto enum value name of a channel ("whatsapp" -> "CHANNEL_WHATSAPP")."""
    return f"CHANNEL_{name.upper()}" if name in CHANNELS else "CHANNEL_UNSPECIFIED"


def channel_name(channel: int) -> str:
    return CHANNEL_NAMES.get(channel, "api")


def timestamp(at: datetime) -> Timestamp:
    ts = Timestamp()
    ts.FromDatetime(at)
    return ts


class ConversationEvents:
    def __init__(self, bus: EventBus) -> None:
        self._bus = bus

    @property
    def connected(self) -> bool:
        return self._bus.connected

    async def reply(self, reply: ev.OutboundReply, channel: str) -> None:
        await self._bus.publish(Subjects.outbound(channel), reply, reply.reply_id, reply.user_id)

    async def updated(self, update: ev.ConversationUpdated) -> None:
        """A dashboard refresh: best effort, JetStream's ack not awaited (the next update supersedes it)."""
        await self._bus.publish_unacked(Subjects.CONVERSATION_UPDATED, update, update.event_id, update.user_id)

    async def handoff(self, handoff: ev.HandoffRequested, channel: str) -> None:
        await self._bus.publish(Subjects.handoff(channel), handoff, handoff.event_id, handoff.user_id)

    async def assigned(self, assignment: ev.ConversationAssigned) -> None:
        await self._bus.publish(Subjects.CONVERSATION_ASSIGNED, assignment, assignment.event_id,
                                assignment.user_id)
