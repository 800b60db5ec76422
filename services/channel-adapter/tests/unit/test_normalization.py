"""Every payload variant of the reference, normalized without I/O."""

from __future__ import annotations

from channel_adapter.domain.normalization import (
    HumanTookOver,
    Ignored,
    IgnoreReason,
    InboundText,
    evolution_event,
    parse_chatwoot,
    parse_evolution,
    parse_instagram,
    parse_telegram,
    whatsapp_contact,
)

from ..payloads import chatwoot_message, evolution_text, instagram_messages, telegram_update


def only(outcomes: list) -> object:
    assert len(outcomes) == 1
    return outcomes[0]


def test_evolution_text_in_conversation_extended_text_or_caption() -> None:
    plain = only(parse_evolution(evolution_text(text="Oi", message_id="ABC"), "", "d", False))
    assert isinstance(plain, InboundText)
    assert (plain.text, plain.dedupe_key, plain.contact_id) == ("Oi", "acme-sales:ABC", "whatsapp:5511999999999")
    older = evolution_text()
    older["data"]["message"] = {"extendedTextMessage": {"text": "link https://x.test"}}
    assert only(parse_evolution(older, "", "d", False)).text == "link https://x.test"
    video = evolution_text()
    video["data"]["messageType"] = "videoMessage"
    video["data"]["message"] = {"videoMessage": {"caption": "olha", "url": "https://mmg/v.enc"}}
    result = only(parse_evolution(video, "", "d", False))
    assert (result.text, result.media_type, result.media_url) == ("olha", "video", "https://mmg/v.enc")


def test_evolution_upper_snake_and_by_events_names_are_one_event() -> None:
    assert evolution_event("MESSAGES_UPSERT") == evolution_event("messages-upsert") == "messages.upsert"
    assert evolution_event("/messages-upsert") == "messages.upsert"


def test_evolution_lid_without_alt_keeps_the_lid_as_contact() -> None:
    result = only(parse_evolution(evolution_text(jid="99887766@lid", addressingMode="lid"), "", "d", False))
    assert result.contact_id == "whatsapp:99887766@lid" and result.alternate_contact_id == ""


def test_evolution_message_without_id_is_deduplicated_by_body_digest() -> None:
    payload = {"instance": "test", "data": {"key": {"remoteJid": "test"}, "message": {"conversation": "Olá"}}}
    result = only(parse_evolution(payload, "", "abc123", False))
    assert result.dedupe_key == "test:sha256-abc123" and result.contact_id == "whatsapp:test"


def test_evolution_send_message_reactions_and_locations() -> None:
    assert only(parse_evolution({**evolution_text(), "event": "send.message"}, "", "d", False)) == Ignored(
        IgnoreReason.OWN_MESSAGE, "acme-sales")
    reaction = evolution_text()
    reaction["data"]["messageType"] = "reactionMessage"
    reaction["data"]["message"] = {"reactionMessage": {"text": "👍"}}
    assert only(parse_evolution(reaction, "", "d", False)).reason is IgnoreReason.UNSUPPORTED_MESSAGE
    location = evolution_text()
    location["data"]["messageType"] = "locationMessage"
    location["data"]["message"] = {"locationMessage": {"degreesLatitude": -23.5, "degreesLongitude": -46.6}}
    assert only(parse_evolution(location, "", "d", False)).media_url == "geo:-23.5,-46.6"


def test_whatsapp_contact_ids() -> None:
    assert whatsapp_contact("5511999999999@s.whatsapp.net") == "whatsapp:5511999999999"
    assert whatsapp_contact("5511999999999:12@s.whatsapp.net") == "whatsapp:5511999999999"
    assert whatsapp_contact("123@lid") == "whatsapp:123@lid"


def test_chatwoot_incoming_contact_message_is_normalized() -> None:
    result = only(parse_chatwoot(chatwoot_message(message_id=48213), "", bot_mode=False))
    assert isinstance(result, InboundText)
    assert (result.account_key, result.conversation_id, result.contact_id) == ("3", "1577", "chatwoot:912")
    assert result.dedupe_key == "3:48213"
    assert result.alternate_contact_id == "phone:5511999999999"  # the CRM's same-phone identity
    assert only(parse_chatwoot(chatwoot_message(), "delivery-uuid", False)).dedupe_key == "delivery-uuid"


def test_chatwoot_integer_message_types_and_attachments() -> None:
    payload = chatwoot_message()
    payload["message_type"] = 0
    payload["content"] = None
    payload["attachments"] = [{"id": 1, "file_type": "audio", "data_url": "https://cw.test/a.ogg"}]
    result = only(parse_chatwoot(payload, "", False))
    assert (result.text, result.media_type, result.media_url) == ("", "audio", "https://cw.test/a.ogg")


def test_chatwoot_bot_mode_leaves_open_conversations_to_humans() -> None:
    open_one = chatwoot_message(status="open")
    assert only(parse_chatwoot(open_one, "", bot_mode=True)).reason is IgnoreReason.CONVERSATION_WITH_HUMAN
    assert isinstance(only(parse_chatwoot(open_one, "", bot_mode=False)), InboundText)


def test_chatwoot_human_agent_outgoing_is_a_takeover() -> None:
    result = only(parse_chatwoot(chatwoot_message(message_type="outgoing", sender_type="user"), "", False))
    assert isinstance(result, HumanTookOver) and result.agent_name == "Carla (agent)"


def test_instagram_batches_with_several_entries() -> None:
    first = instagram_messages(account_id="A", messages=[("u1", "oi")])
    second = instagram_messages(account_id="B", messages=[("u2", "olá"), ("B", "my own reply")])
    payload = {"object": "instagram", "entry": first["entry"] + second["entry"]}
    outcomes = parse_instagram(payload)
    assert [getattr(o, "account_key", "") for o in outcomes] == ["A", "B", "B"]
    assert outcomes[2] == Ignored(IgnoreReason.ECHO, "B")
    assert outcomes[1].contact_id == "instagram:u2"


def test_instagram_attachments_reactions_and_deleted() -> None:
    media = instagram_messages()
    message = media["entry"][0]["messaging"][0]["message"]
    del message["text"]
    message["attachments"] = [{"type": "image", "payload": {"url": "https://lookaside.test/img"}}]
    result = only(parse_instagram(media))
    assert (result.media_type, result.media_url) == ("image", "https://lookaside.test/img")
    reaction = instagram_messages()
    event = reaction["entry"][0]["messaging"][0]
    del event["message"]
    event["reaction"] = {"mid": "m", "action": "react", "reaction": "love"}
    assert only(parse_instagram(reaction)).reason is IgnoreReason.STATUS_UPDATE
    assert only(parse_instagram(instagram_messages(is_deleted=True))).reason is IgnoreReason.DELETED_MESSAGE
    assert only(parse_instagram({"object": "page", "entry": []})).reason is IgnoreReason.UNSUPPORTED_EVENT


def test_telegram_text_photo_edits_bots_and_groups() -> None:
    result = only(parse_telegram(telegram_update(update_id=902345671), "7000001", False))
    assert result.dedupe_key == "7000001:902345671" and result.contact_id == "telegram:555000111"
    photo = telegram_update()
    del photo["message"]["text"]
    photo["message"]["photo"] = [{"file_id": "small"}, {"file_id": "large"}]
    photo["message"]["caption"] = "esse"
    assert only(parse_telegram(photo, "b", False)).media_url == "tg-file:large"
    assert only(parse_telegram({"update_id": 1, "edited_message": {}}, "b", False)).reason is (
        IgnoreReason.EDITED_MESSAGE)
    bot = telegram_update()
    bot["message"]["from"]["is_bot"] = True
    assert only(parse_telegram(bot, "b", False)).reason is IgnoreReason.BOT_MESSAGE
    group = telegram_update(chat_type="group")
    assert only(parse_telegram(group, "b", False)).reason is IgnoreReason.GROUP_CHAT
    assert isinstance(only(parse_telegram(group, "b", True)), InboundText)
