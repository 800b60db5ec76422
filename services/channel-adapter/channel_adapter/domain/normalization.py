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
    UNKNOWN_MESSAGE = "receipt_for_unknown_message"  # a receipt for a message we did not send (or forgot)
    STALE_RECEIPT = "stale_receipt"  # the reply is already further along (a late 'delivered' after 'read')


class ReceiptStatus(StrEnum):
    """What a channel's receipt says about a message we sent (the steps before, sent/pending, are not news)."""

    DELIVERED = "delivered"
    READ = "read"
    FAILED = "failed"

    @property
    def follows(self) -> frozenset[str]:
        """The receipt statuses this one may replace: never backwards (read stays read; failed only before any
        delivery; a message the platform first called failed may still be delivered)."""
        return _FOLLOWS[self]


_FOLLOWS = {ReceiptStatus.FAILED: frozenset({""}), ReceiptStatus.DELIVERED: frozenset({"", "failed"}),
            ReceiptStatus.READ: frozenset({"", "failed", "delivered"})}


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


@dataclass(frozen=True)
class Receipt:
    """The channel reports where messages we sent got to: by their platform ids, or (Meta) by a watermark:
    every message to `contact_id` sent at or before it."""

    account_key: str
    status: ReceiptStatus
    platform_message_ids: tuple[str, ...] = ()
    contact_id: str = ""
    watermark: datetime | None = None
    error: str = ""


Outcome = InboundText | HumanTookOver | Ignored | Receipt


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
_EVOLUTION_STATUS_EVENTS = {"send.message.update", "messages.edited", "messages.delete",
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
    if event == "messages.update":
        updates = payload.get("data")
        return [_evolution_receipt(instance, _dict(item))
                for item in (updates if isinstance(updates, list) else [updates])]
    if event != "messages.upsert":
        return [Ignored(IgnoreReason.UNSUPPORTED_EVENT, instance)]
    data = payload.get("data")
    items = data if isinstance(data, list) else [data]
    return [
        _evolution_message(instance, _dict(item), f"{body_digest}:{n}" if n else body_digest, accept_group_chats)
        for n, item in enumerate(items)
    ]


# Baileys' ack levels as Evolution names them (ERROR 0, PENDING 1, SERVER_ACK 2, DELIVERY_ACK 3, READ 4, PLAYED 5).
_EVOLUTION_RECEIPTS = {"DELIVERY_ACK": ReceiptStatus.DELIVERED, "READ": ReceiptStatus.READ,
                       "PLAYED": ReceiptStatus.READ, "ERROR": ReceiptStatus.FAILED,
                       "3": ReceiptStatus.DELIVERED, "4": ReceiptStatus.READ, "5": ReceiptStatus.READ,
                       "0": ReceiptStatus.FAILED}


def _evolution_receipt(instance: str, data: dict[str, Any]) -> Outcome:
    """`messages.update`: v2 sends `{keyId, remoteJid, fromMe, status, messageId (its own row id)}`, v1 (1.8) the
    Baileys key spread (`{id, remoteJid, fromMe, status, datetime, owner}`); some builds nest `key`."""
    key = _dict(data.get("key"))
    from_me = data.get("fromMe", key.get("fromMe"))
    status = _EVOLUTION_RECEIPTS.get(_str(data.get("status")).upper())
    message_id = _str(data.get("keyId") or key.get("id") or data.get("id"))
    if from_me is not True or status is None or not message_id:  # a read of the buyer's message, SERVER_ACK...
        return Ignored(IgnoreReason.STATUS_UPDATE, instance)
    error = "WhatsApp reported an error delivering the message (status ERROR)" if status is ReceiptStatus.FAILED else ""
    return Receipt(instance, status, (message_id,), error=error)


def _evolution_text(message: dict[str, Any]) -> str:
    text = message.get("conversation")  # a plain text message: nearly every one
    if isinstance(text, str) and text:
        return text
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
_CHATWOOT_STATUS_EVENTS = {"conversation_status_changed", "conversation_updated",
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
    if event == "message_updated":
        return [_chatwoot_receipt(account, payload)]
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


_CHATWOOT_RECEIPTS = {"delivered": ReceiptStatus.DELIVERED, "read": ReceiptStatus.READ,
                      "failed": ReceiptStatus.FAILED, 1: ReceiptStatus.DELIVERED, 2: ReceiptStatus.READ,
                      3: ReceiptStatus.FAILED}


def _chatwoot_receipt(account: str, payload: dict[str, Any]) -> Outcome:
    """`message_updated` of an outgoing message whose `status` (sent|delivered|read|failed) moved.

    Upstream `Message#webhook_data` leaves `status` out (chatwoot PR #15908 adds it); the conversation's
    `messages[]` (push_event_data, which has it) carries it when the updated message is the last one.
    """
    message_id = _str(payload.get("id"))
    raw_type = payload.get("message_type")
    message_type = _CHATWOOT_MESSAGE_TYPES.get(raw_type, "") if isinstance(raw_type, int) else _str(raw_type)
    if message_type not in ("outgoing", "template") or payload.get("private") is True or not message_id:
        return Ignored(IgnoreReason.STATUS_UPDATE, account)
    raw_status = payload.get("status")
    if raw_status is None:
        same = [m for m in map(_dict, _list(_dict(payload.get("conversation")).get("messages")))
                if _str(m.get("id")) == message_id]
        raw_status = same[0].get("status") if same else None
    status = _CHATWOOT_RECEIPTS.get(raw_status if isinstance(raw_status, int) else _str(raw_status))
    if status is None:
        return Ignored(IgnoreReason.STATUS_UPDATE, account)
    error = ""
    if status is ReceiptStatus.FAILED:
        error = _str(_dict(payload.get("content_attributes")).get("external_error")) or "Chatwoot marked it failed"
    return Receipt(account, status, (message_id,), error=error)


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
        if "read" in event or "delivery" in event:
            return _instagram_receipt(account, sender, event)
        if any(k in event for k in ("reaction", "message_edit")):
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


def _instagram_receipt(account: str, sender: str, event: dict[str, Any]) -> Outcome:
    """`messaging_seen` (`read: {mid}`, Instagram) and the Messenger forms `message_reads` (`read: {watermark}`)
    and `message_deliveries` (`delivery: {mids?, watermark}`): the sender is the buyer who got our messages."""
    read, delivery = _dict(event.get("read")), _dict(event.get("delivery"))
    status = ReceiptStatus.READ if event.get("read") is not None else ReceiptStatus.DELIVERED
    body = read if status is ReceiptStatus.READ else delivery
    mids = tuple(_str(m) for m in [body.get("mid"), *_list(body.get("mids"))] if m)
    watermark = _from_unix(body.get("watermark"), milliseconds=True)
    if not mids and watermark is None:
        return Ignored(IgnoreReason.STATUS_UPDATE, account)
    return Receipt(account, status, mids, contact_id=f"instagram:{sender}" if sender else "",
                   watermark=None if mids else watermark)


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
