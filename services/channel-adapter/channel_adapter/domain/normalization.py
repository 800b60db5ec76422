"""Turn each platform's webhook payload into normalized inbound messages, human take-overs or ignores.

Pure functions over already-parsed JSON; every variant listed in shared/reference/channels.md is handled.
The dedupe keys returned here become the JetStream `Nats-Msg-Id` ("<channel>:<key>").
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any


class IgnoreReason(StrEnum):
    OWN_MESSAGE = "own_message"
    ECHO = "echo"
    PRIVATE_NOTE = "private_note"
    STATUS_UPDATE = "status_update"
    BROADCAST = "broadcast"
    NEWSLETTER = "newsletter"
    GROUP_CHAT = "group_chat"
    BOT_MESSAGE = "bot_message"
    NOT_FROM_CONTACT = "not_from_contact"
    CONVERSATION_WITH_HUMAN = "conversation_with_human"
    EDITED_MESSAGE = "edited_message"
    DELETED_MESSAGE = "deleted_message"
    UNSUPPORTED_EVENT = "unsupported_event"
    UNSUPPORTED_MESSAGE = "unsupported_message"


@dataclass(frozen=True)
class InboundText:
    """One customer message, normalized (text and/or media)."""

    dedupe_key: str
    account_key: str
    contact_id: str
    contact_name: str
    conversation_id: str
    text: str
    media_type: str = ""
    media_url: str = ""
    platform_message_id: str = ""
    platform_timestamp: datetime | None = None
    alternate_contact_id: str = ""


@dataclass(frozen=True)
class HumanTookOver:
    """A human agent answered the customer from the platform: the bot must go quiet."""

    dedupe_key: str
    account_key: str
    contact_id: str
    conversation_id: str
    agent_name: str
    platform_message_id: str


@dataclass(frozen=True)
class Ignored:
    reason: IgnoreReason
    account_key: str = ""


Outcome = InboundText | HumanTookOver | Ignored


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _str(value: Any) -> str:
    return "" if value is None else str(value)


def _from_unix(value: Any, milliseconds: bool = False) -> datetime | None:
    if isinstance(value, dict):  # protobuf Long from some Baileys builds: {"low": n, "high": 0}
        value = value.get("low")
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return datetime.fromtimestamp(number / 1000 if milliseconds else number, tz=UTC)


def _from_iso_or_unix(value: Any) -> datetime | None:
    if isinstance(value, str) and not value.replace(".", "").isdigit():
        try:
            return datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return None
    return _from_unix(value)


# ---------------------------------------------------------------- Evolution API (WhatsApp)

_EVOLUTION_MEDIA = {
    "imageMessage": "image",
    "audioMessage": "audio",
    "videoMessage": "video",
    "documentMessage": "document",
    "documentWithCaptionMessage": "document",
    "stickerMessage": "sticker",
    "locationMessage": "location",
}
_EVOLUTION_STATUS_EVENTS = {"messages.update", "send.message.update", "messages.edited", "messages.delete",
                            "presence.update", "chats.update", "contacts.update", "connection.update"}


def evolution_event(name: str) -> str:
    """`MESSAGES_UPSERT`, `messages-upsert` (byEvents URL) and `messages.upsert` are the same event."""
    return name.strip().strip("/").lower().replace("_", ".").replace("-", ".")


def whatsapp_contact(jid: str) -> str:
    """`5511999999999@s.whatsapp.net` -> `whatsapp:5511999999999`; other JIDs (`@lid`, `@g.us`) stay whole."""
    local, at, domain = jid.partition("@")
    if at and domain in ("s.whatsapp.net", "c.us"):
        return f"whatsapp:{local.split(':', 1)[0]}"
    return f"whatsapp:{jid}"


def parse_evolution(
    payload: dict[str, Any], path_suffix: str, body_digest: str, accept_group_chats: bool
) -> list[Outcome]:
    instance = _str(payload.get("instance"))
    # The seed's own sample has no `event`: a bare message is an upsert.
    event = evolution_event(_str(payload.get("event")) or path_suffix or "messages.upsert")
    if event == "send.message":
        return [Ignored(IgnoreReason.OWN_MESSAGE, instance)]
    if event in _EVOLUTION_STATUS_EVENTS:
        return [Ignored(IgnoreReason.STATUS_UPDATE, instance)]
    if event != "messages.upsert":
        return [Ignored(IgnoreReason.UNSUPPORTED_EVENT, instance)]
    data = payload.get("data")
    items = data if isinstance(data, list) else [data]
    return [
        _evolution_message(instance, _dict(item), f"{body_digest}:{n}" if n else body_digest, accept_group_chats)
        for n, item in enumerate(items)
    ]


def _evolution_text(message: dict[str, Any]) -> str:
    for candidate in (
        message.get("conversation"),
        _dict(message.get("extendedTextMessage")).get("text"),
        _dict(message.get("imageMessage")).get("caption"),
        _dict(message.get("videoMessage")).get("caption"),
        _dict(message.get("documentMessage")).get("caption"),
        _dict(_dict(_dict(message.get("documentWithCaptionMessage")).get("message")).get("documentMessage"))
        .get("caption"),
    ):
        if isinstance(candidate, str) and candidate:
            return candidate
    return ""


def _evolution_media(data: dict[str, Any], message: dict[str, Any]) -> tuple[str, str]:
    message_type = _str(data.get("messageType"))
    kind = _EVOLUTION_MEDIA.get(message_type, "")
    if not kind:
        found = next((key for key in _EVOLUTION_MEDIA if key in message), "")
        message_type, kind = found, _EVOLUTION_MEDIA.get(found, "")
    if not kind:
        return "", ""
    body = _dict(message.get(message_type))
    if kind == "location":
        return kind, f"geo:{body.get('degreesLatitude', '')},{body.get('degreesLongitude', '')}"
    # With S3/MinIO Evolution adds `mediaUrl`; otherwise the WhatsApp CDN url (fetch via getBase64FromMediaMessage).
    url = _str(message.get("mediaUrl") or data.get("mediaUrl") or body.get("url"))
    return kind, url


def _evolution_message(instance: str, data: dict[str, Any], body_digest: str, accept_groups: bool) -> Outcome:
    key = _dict(data.get("key"))
    remote_jid = _str(key.get("remoteJid"))
    if key.get("fromMe") is True:
        return Ignored(IgnoreReason.OWN_MESSAGE, instance)
    if remote_jid.endswith("@broadcast"):
        return Ignored(IgnoreReason.BROADCAST, instance)
    if remote_jid.endswith("@newsletter"):
        return Ignored(IgnoreReason.NEWSLETTER, instance)
    group = remote_jid.endswith("@g.us")
    if group and not accept_groups:
        return Ignored(IgnoreReason.GROUP_CHAT, instance)
    if group:
        primary, alternate = _str(key.get("participant")), _str(key.get("participantAlt"))
    else:
        primary, alternate = remote_jid, _str(key.get("remoteJidAlt"))
    # Privacy LIDs (`NNN@lid`): the phone JID, when the server knows it, is in the *Alt field.
    is_lid = primary.endswith("@lid") or key.get("addressingMode") == "lid"
    contact_jid, other_jid = (alternate, primary) if is_lid and alternate else (primary, "")
    message = _dict(data.get("message"))
    text = _evolution_text(message)
    media_type, media_url = _evolution_media(data, message)
    if not text and not media_type:
        return Ignored(IgnoreReason.UNSUPPORTED_MESSAGE, instance)
    message_id = _str(key.get("id"))
    return InboundText(
        dedupe_key=f"{instance}:{message_id or 'sha256-' + body_digest}",
        account_key=instance,
        contact_id=whatsapp_contact(contact_jid),
        contact_name=_str(data.get("pushName")),
        conversation_id=remote_jid,
        text=text,
        media_type=media_type,
        media_url=media_url,
        platform_message_id=message_id,
        platform_timestamp=_from_unix(data.get("messageTimestamp")),
        alternate_contact_id=whatsapp_contact(other_jid) if other_jid else "",
    )


# ---------------------------------------------------------------- Chatwoot

_CHATWOOT_MESSAGE_TYPES = {0: "incoming", 1: "outgoing", 2: "activity", 3: "template"}
_CHATWOOT_STATUS_EVENTS = {"message_updated", "conversation_status_changed", "conversation_updated",
                           "conversation_opened", "conversation_resolved", "conversation_created",
                           "conversation_typing_on", "conversation_typing_off"}
_CHATWOOT_MEDIA = {"image": "image", "audio": "audio", "video": "video", "file": "document",
                   "location": "location", "fallback": "document", "story_mention": "image"}


def chatwoot_account_key(payload: dict[str, Any]) -> str:
    return _str(_dict(payload.get("account")).get("id"))


def parse_chatwoot(payload: dict[str, Any], delivery_id: str, bot_mode: bool) -> list[Outcome]:
    account = chatwoot_account_key(payload)
    event = _str(payload.get("event"))
    if event in _CHATWOOT_STATUS_EVENTS:
        return [Ignored(IgnoreReason.STATUS_UPDATE, account)]
    if event != "message_created":
        return [Ignored(IgnoreReason.UNSUPPORTED_EVENT, account)]
    raw_type = payload.get("message_type")
    message_type = _CHATWOOT_MESSAGE_TYPES.get(raw_type, "") if isinstance(raw_type, int) else _str(raw_type)
    sender = _dict(payload.get("sender"))
    sender_type = _str(sender.get("type")).lower()
    conversation = _dict(payload.get("conversation"))
    message_id = _str(payload.get("id"))
    dedupe_key = delivery_id or f"{account}:{message_id}"
    if payload.get("private") is True:
        return [Ignored(IgnoreReason.PRIVATE_NOTE, account)]
    if message_type == "outgoing" and sender_type == "user":
        customer = _dict(_dict(conversation.get("meta")).get("sender"))
        return [HumanTookOver(
            dedupe_key=dedupe_key, account_key=account,
            contact_id=f"chatwoot:{_str(customer.get('id'))}",
            conversation_id=_str(conversation.get("id")),
            agent_name=_str(sender.get("name")), platform_message_id=message_id,
        )]
    if message_type in ("outgoing", "template"):
        return [Ignored(IgnoreReason.OWN_MESSAGE, account)]
    if message_type != "incoming":
        return [Ignored(IgnoreReason.STATUS_UPDATE, account)]
    if sender_type != "contact":
        return [Ignored(IgnoreReason.NOT_FROM_CONTACT, account)]
    if bot_mode and _str(conversation.get("status")) not in ("pending", ""):
        return [Ignored(IgnoreReason.CONVERSATION_WITH_HUMAN, account)]
    attachments = _list(payload.get("attachments"))
    first = _dict(attachments[0]) if attachments else {}
    media_type = _CHATWOOT_MEDIA.get(_str(first.get("file_type")), "document") if first else ""
    text = _str(payload.get("content"))
    if not text and not media_type:
        return [Ignored(IgnoreReason.UNSUPPORTED_MESSAGE, account)]
    return [InboundText(
        dedupe_key=dedupe_key, account_key=account,
        contact_id=f"chatwoot:{_str(sender.get('id'))}", contact_name=_str(sender.get("name")),
        alternate_contact_id=_chatwoot_phone(sender, conversation), conversation_id=_str(conversation.get("id")),
        text=text,
        media_type=media_type, media_url=_str(first.get("data_url")),
        platform_message_id=message_id, platform_timestamp=_from_iso_or_unix(payload.get("created_at")),
    )]


def _chatwoot_phone(sender: dict[str, Any], conversation: dict[str, Any]) -> str:
    """The contact's phone as Chatwoot knows it (`+55 11 99999-9999`, on the sender or the conversation's
    contact): `phone:5511999999999`, so the chatbot's CRM finds the same person it knows from WhatsApp."""
    raw = _str(sender.get("phone_number")) or _str(_dict(_dict(conversation.get("meta")).get("sender"))
                                                   .get("phone_number"))
    digits = "".join(ch for ch in raw if ch.isdigit())
    return f"phone:{digits}" if len(digits) >= 10 else ""


# ---------------------------------------------------------------- Instagram (Meta webhooks)

_INSTAGRAM_MEDIA = {"image": "image", "audio": "audio", "video": "video", "file": "document",
                    "story_mention": "image", "ig_reel": "video", "reel": "video", "share": "image",
                    "animated_image": "image"}


def instagram_account_keys(payload: dict[str, Any]) -> list[str]:
    return [_str(_dict(entry).get("id")) for entry in _list(payload.get("entry"))]


def parse_instagram(payload: dict[str, Any]) -> list[Outcome]:
    if payload.get("object") != "instagram":
        return [Ignored(IgnoreReason.UNSUPPORTED_EVENT)]
    outcomes: list[Outcome] = []
    for entry in map(_dict, _list(payload.get("entry"))):
        account = _str(entry.get("id"))
        outcomes.extend(_instagram_event(account, _dict(event)) for event in _list(entry.get("messaging")))
        outcomes.extend(Ignored(IgnoreReason.UNSUPPORTED_EVENT, account) for _ in _list(entry.get("changes")))
    return outcomes or [Ignored(IgnoreReason.UNSUPPORTED_EVENT)]


def _instagram_event(account: str, event: dict[str, Any]) -> Outcome:
    sender = _str(_dict(event.get("sender")).get("id"))
    message = event.get("message")
    if not isinstance(message, dict):
        if any(k in event for k in ("reaction", "read", "delivery", "message_edit")):
            return Ignored(IgnoreReason.STATUS_UPDATE, account)
        return Ignored(IgnoreReason.UNSUPPORTED_EVENT, account)
    if message.get("is_echo") is True or (sender and sender == account):
        return Ignored(IgnoreReason.ECHO, account)
    if message.get("is_deleted") is True:
        return Ignored(IgnoreReason.DELETED_MESSAGE, account)
    if message.get("is_unsupported") is True:
        return Ignored(IgnoreReason.UNSUPPORTED_MESSAGE, account)
    attachments = _list(message.get("attachments"))
    first = _dict(attachments[0]) if attachments else {}
    media_type = _INSTAGRAM_MEDIA.get(_str(first.get("type")), "document") if first else ""
    text = _str(message.get("text"))
    if not text and not media_type:
        return Ignored(IgnoreReason.UNSUPPORTED_MESSAGE, account)
    mid = _str(message.get("mid"))
    return InboundText(
        dedupe_key=mid, account_key=account, contact_id=f"instagram:{sender}", contact_name="",
        conversation_id=sender, text=text, media_type=media_type,
        media_url=_str(_dict(first.get("payload")).get("url")), platform_message_id=mid,
        platform_timestamp=_from_unix(event.get("timestamp"), milliseconds=True),
    )


# ---------------------------------------------------------------- Telegram Bot API

_TELEGRAM_MEDIA = (("photo", "image"), ("voice", "audio"), ("audio", "audio"), ("video", "video"),
                   ("video_note", "video"), ("animation", "video"), ("document", "document"),
                   ("sticker", "sticker"), ("location", "location"))


def telegram_bot_id(bot_token: str) -> str:
    """The numeric bot id is the part of the token before the colon."""
    return bot_token.split(":", 1)[0] if bot_token else ""


def parse_telegram(payload: dict[str, Any], bot_key: str, accept_group_chats: bool) -> list[Outcome]:
    update_id = _str(payload.get("update_id"))
    if "edited_message" in payload:
        return [Ignored(IgnoreReason.EDITED_MESSAGE, bot_key)]
    if "channel_post" in payload or "edited_channel_post" in payload:
        return [Ignored(IgnoreReason.BROADCAST, bot_key)]
    message = payload.get("message")
    if not isinstance(message, dict):
        return [Ignored(IgnoreReason.UNSUPPORTED_EVENT, bot_key)]
    sender, chat = _dict(message.get("from")), _dict(message.get("chat"))
    if sender.get("is_bot") is True:
        return [Ignored(IgnoreReason.BOT_MESSAGE, bot_key)]
    if _str(chat.get("type")) not in ("private", "") and not accept_group_chats:
        return [Ignored(IgnoreReason.GROUP_CHAT, bot_key)]
    media_type, media_url = _telegram_media(message)
    text = _str(message.get("text") or message.get("caption"))
    if not text and not media_type:
        return [Ignored(IgnoreReason.UNSUPPORTED_MESSAGE, bot_key)]
    name = " ".join(p for p in (_str(sender.get("first_name")), _str(sender.get("last_name"))) if p)
    chat_id = _str(chat.get("id"))
    return [InboundText(
        dedupe_key=f"{bot_key}:{update_id}", account_key=bot_key, contact_id=f"telegram:{chat_id}",
        contact_name=name or _str(sender.get("username")), conversation_id=chat_id, text=text,
        media_type=media_type, media_url=media_url, platform_message_id=_str(message.get("message_id")),
        platform_timestamp=_from_unix(message.get("date")),
    )]


def _telegram_media(message: dict[str, Any]) -> tuple[str, str]:
    for field, kind in _TELEGRAM_MEDIA:
        value = message.get(field)
        if not value:
            continue
        if kind == "location":
            location = _dict(value)
            return kind, f"geo:{location.get('latitude', '')},{location.get('longitude', '')}"
        # Photos come as several sizes, the largest last; a file_id is fetched later with getFile.
        item = _dict(value[-1]) if isinstance(value, list) else _dict(value)
        return kind, f"tg-file:{_str(item.get('file_id'))}"
    return "", ""
