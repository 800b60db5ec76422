"""Which channels can carry an agent's reply from the inbox: channel-adapter delivers WhatsApp, Instagram,
Chatwoot and Telegram; nothing delivers a reply to an API or TikTok Shop conversation after the fact."""

from __future__ import annotations

from chatbot.domain.config import Channel

_NO_AGENT_REPLIES = {
    Channel.API.value: "an API conversation (POST /seller-bot/message) has no channel to carry a later reply: "
                       "its caller gets only the bot's answer in the response",
    Channel.TIKTOK_SHOP.value: "TikTok Shop conversations are answered in Seller Center: Seller Bot cannot "
                               "deliver an agent's reply there",
}


def reply_unavailable_reason(channel: str) -> str:
    """Empty when an agent can answer on this channel; otherwise why not, for the agent to read."""
    return _NO_AGENT_REPLIES.get(channel, "")
