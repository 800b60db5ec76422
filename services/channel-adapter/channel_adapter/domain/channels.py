"""The four messaging platforms: their webhook names, event channel names and text limits."""

from __future__ import annotations

from enum import StrEnum

from sellerbot.events.v1 import conversation_events_pb2 as events


class Platform(StrEnum):
    """A platform as sellers register it and as its webhook path names it."""

    EVOLUTION = "evolution"
    CHATWOOT = "chatwoot"
    INSTAGRAM = "instagram"
    TELEGRAM = "telegram"

    @property
    def channel(self) -> str:
        """The conversation channel name used in subjects, contact ids and events."""
        return "whatsapp" if self is Platform.EVOLUTION else self.value

    @property
    def channel_enum(self) -> events.Channel:
        return _CHANNEL_ENUMS[self]

    @property
    def text_limit(self) -> int:
        """Longest text one platform message may carry; longer replies are split."""
        return _TEXT_LIMITS[self]

    @classmethod
    def from_channel(cls, name: str) -> Platform:
        """Accepts `whatsapp`/`evolution`, `instagram`, `chatwoot`, `telegram` (any case)."""
        lowered = name.strip().lower()
        if lowered == "whatsapp":
            return cls.EVOLUTION
        return cls(lowered)

    @classmethod
    def from_channel_enum(cls, value: int) -> Platform:
        for platform, enum_value in _CHANNEL_ENUMS.items():
            if enum_value == value:
                return platform
        raise ValueError(f"channel {events.Channel.Name(value)} is not delivered by channel-adapter")


_CHANNEL_ENUMS: dict[Platform, events.Channel] = {
    Platform.EVOLUTION: events.CHANNEL_WHATSAPP,
    Platform.CHATWOOT: events.CHANNEL_CHATWOOT,
    Platform.INSTAGRAM: events.CHANNEL_INSTAGRAM,
    Platform.TELEGRAM: events.CHANNEL_TELEGRAM,
}

# Instagram: the Send API wants text "< 1000 chars", so parts stop at 999;
# Telegram: 1-4096 characters; WhatsApp accepts 65536 but long bubbles read badly, so 4096;
# Chatwoot has no documented limit, the bound keeps one message readable for the agent.
_TEXT_LIMITS: dict[Platform, int] = {
    Platform.EVOLUTION: 4096,
    Platform.CHATWOOT: 10000,
    Platform.INSTAGRAM: 999,
    Platform.TELEGRAM: 4096,
}
