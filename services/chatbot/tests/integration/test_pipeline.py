"""The JetStream conversation pipeline against real NATS, PostgreSQL and Redis."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import nats
from chatbot.domain.responder import HANDED_OVER_NOTICE, RELEASED_NOTICE, WAITING_REMINDER
from chatbot.main import ChatbotService
from nats.js.api import DeliverPolicy
from sellerbot.chatbot.v1 import chatbot_pb2 as pb
from sellerbot.events.v1 import conversation_events_pb2 as ev
from sellerbot_devstack.servers import free_port
from sellerbot_messaging import EventMeta, Subjects

from ..conftest import Client, EventTap, eventually


def _user() -> str:
    return f"seller-{uuid.uuid4().hex[:8]}"


async def _zero_debounce(client_for, user: str) -> None:
    client = client_for(user)
    await client.UpdateConfig(pb.UpdateConfigRequest(patch=_struct({"debounce": {"window_seconds": 0,
                                                                                   "max_wait_seconds": 0}})))


def _struct(data: dict) -> object:
    from google.protobuf import struct_pb2

    s = struct_pb2.Struct()
    s.update(data)
    return s


async def test_inbound_message_gets_exactly_one_reply_even_when_delivered_twice(
    chatbot: ChatbotService, tap: EventTap, client_for
) -> None:
    user, contact = _user(), "whatsapp:5511988887777"
    await _zero_debounce(client_for, user)
    await client_for(user).add_product(sku="X1", name="Produto X", price=49.90, stock=5)
    event_id = await tap.inbound(user, contact, "Qual o preço do produto X?")
    replies = await eventually(lambda: tap.replies(contact))
    # The platform redelivers the same message after JetStream's duplicate window (new Nats-Msg-Id) ...
    await tap.inbound(user, contact, "Qual o preço do produto X?", event_id=event_id, msg_id=f"retry-{event_id}")
    # ... and JetStream redelivers the original (its ack was lost): the handler runs again for it.
    redelivered = ev.InboundMessage(event_id=event_id, user_id=user, channel=ev.CHANNEL_WHATSAPP,
                                    contact_id=contact, text="Qual o preço do produto X?")
    await chatbot.pipeline.handle(redelivered, EventMeta("conversations.inbound.whatsapp", event_id, 2, 1, {}))
    await chatbot.pipeline.idle()
    await tap.inbound(user, contact, "obrigado!")  # a later, new message proves the pipeline kept going
    await eventually(lambda: len(tap.replies(contact)) == 2)
    replies = tap.replies(contact)
    assert list(replies[0].in_reply_to) == [event_id]
    assert "R$ 49,90" in replies[0].text and replies[0].intent == "price"
    assert sum(event_id in r.in_reply_to for r in replies) == 1


async def test_a_burst_is_answered_once_with_every_message_in_platform_order(
    chatbot: ChatbotService, tap: EventTap, client_for
) -> None:
    user, contact = _user(), "whatsapp:5511977776666"
    client = client_for(user)
    await client.UpdateConfig(pb.UpdateConfigRequest(patch=_struct(
        {"debounce": {"window_seconds": 0.6, "max_wait_seconds": 5}})))
    await client.add_product(sku="FONE", name="Fone Bluetooth", price=129.90, stock=4)
    base = datetime.now(UTC)
    second = await tap.inbound(user, contact, "quanto custa o fone bluetooth?", at=base + timedelta(seconds=2))
    first = await tap.inbound(user, contact, "oi", at=base)
    third = await tap.inbound(user, contact, "aceita pix?", at=base + timedelta(seconds=3))
    reply = (await eventually(lambda: tap.replies(contact)))[0]
    await chatbot.pipeline.idle()
    assert list(reply.in_reply_to) == [first, second, third]
    assert "R$ 129,90" in reply.text
    assert len(tap.replies(contact)) == 1


async def test_a_buyer_waiting_for_a_person_hears_once_that_one_is_coming_and_is_stored_for_the_agent(
    chatbot: ChatbotService, tap: EventTap, client_for
) -> None:
    user, contact = _user(), "whatsapp:5511955554444"
    client = client_for(user)
    await client.UpdateConfig(pb.UpdateConfigRequest(patch=_struct(
        {"debounce": {"window_seconds": 0, "max_wait_seconds": 0}})))
    await tap.inbound(user, contact, "cadê meu pedido 48213?")
    offered = await eventually(lambda: tap.replies(contact))
    assert "48213" in offered[0].text and "pessoa" in offered[0].text  # offered, not handed off yet
    await tap.inbound(user, contact, "quero falar com uma pessoa")
    handed = await eventually(lambda: tap.replies(contact)[1:])
    assert "pessoa da equipe" in handed[0].text
    for text in ("cadê a pessoa? quero falar com um atendente", "alguém aí? quero um atendente humano", "oi?"):
        await tap.inbound(user, contact, text)
        await chatbot.pipeline.idle()
    replies = await eventually(lambda: tap.replies(contact)[2:])
    assert [r.text for r in replies] == [WAITING_REMINDER]
    row = await chatbot.bot.repository.current_conversation(user, contact)
    assert row is not None and row.handoff_state == "waiting_human"

    async def stored_for_the_agent() -> list[str]:
        return [text for direction, text in await chatbot.bot.repository.history(row.id) if direction == "in"]

    await eventually(lambda: _ends_with(stored_for_the_agent(), "oi?"))
    assert (await stored_for_the_agent())[-3:] == [
        "cadê a pessoa? quero falar com um atendente", "alguém aí? quero um atendente humano", "oi?"]


async def _ends_with(texts: Any, last: str) -> bool:
    return bool((await texts)[-1:] == [last])


async def test_handoff_silences_the_bot_and_cancels_the_pending_reply(
    chatbot: ChatbotService, tap: EventTap, client_for
) -> None:
    user, contact = _user(), "whatsapp:5511966665555"
    client = client_for(user)
    await client.UpdateConfig(pb.UpdateConfigRequest(patch=_struct(
        {"debounce": {"window_seconds": 1.5, "max_wait_seconds": 5}})))
    first = await client.message(contact, "oi, tudo bem?")
    assert first.reply
    await tap.inbound(user, contact, "qual o preço?")  # waiting in the debounce window ...
    handed = await client.HandoffConversation(pb.HandoffConversationRequest(id=first.conversation_id,
                                                                            reason="vou atender"))
    assert handed.handoff_state == "waiting_human"
    await tap.inbound(user, contact, "alô??")
    await chatbot.pipeline.idle()
    later = await client.message(contact, "quanto custa?")
    assert later.reply == "" and later.handoff_state == "waiting_human"
    notices = await eventually(lambda: tap.replies(contact))  # the buyer is told once what happens next
    assert [r.text for r in notices] == [HANDED_OVER_NOTICE]
    handoffs = await eventually(lambda: tap.events("conversations.handoff.whatsapp", ev.HandoffRequested))
    assert handoffs[0].origin == ev.HANDOFF_ORIGIN_API and "Cliente: oi, tudo bem?" in handoffs[0].summary
    released = await client.ReleaseConversation(pb.ReleaseConversationRequest(id=first.conversation_id))
    assert released.handoff_state == "bot"
    notices = await eventually(lambda: tap.replies(contact)[1:])
    assert [r.text for r in notices] == [RELEASED_NOTICE]
    assert (await client.message(contact, "e o frete?")).reply


async def test_a_human_agent_replying_from_chatwoot_makes_the_bot_go_quiet(
    chatbot: ChatbotService, tap: EventTap, client_for
) -> None:
    user, contact = _user(), "whatsapp:5511955554444"
    await _zero_debounce(client_for, user)
    await tap.inbound(user, contact, "oi")
    await eventually(lambda: tap.replies(contact))
    await tap.human_agent_replied(user, contact)

    async def with_human() -> bool:
        row = await chatbot.bot.repository.current_conversation(user, contact)
        return row is not None and row.handoff_state == "human"

    await eventually(with_human)
    await tap.inbound(user, contact, "qual o preço?")

    async def recorded() -> bool:
        row = await chatbot.bot.repository.current_conversation(user, contact)
        return row is not None and row.message_count == 2

    await eventually(recorded)
    await chatbot.pipeline.idle()
    assert len(tap.replies(contact)) == 1


async def test_customer_asking_for_a_human_hands_off_automatically(
    chatbot: ChatbotService, tap: EventTap, client_for
) -> None:
    user, contact = _user(), "whatsapp:5511944443333"
    client = client_for(user)
    answer = await client.message(contact, "quero falar com um atendente humano")
    assert answer.intent == "human" and answer.handoff_state == "waiting_human"
    handoff = (await eventually(lambda: tap.events("conversations.handoff.", ev.HandoffRequested)))[0]
    assert handoff.origin == ev.HANDOFF_ORIGIN_BOT and handoff.contact_id == contact


async def test_an_order_event_converts_the_conversation_in_the_funnel(
    chatbot: ChatbotService, tap: EventTap, client_for
) -> None:
    user, contact = _user(), "whatsapp:5511933332222"
    client = client_for(user)
    await client.add_product(sku="X1", name="Produto X", price=49.90, stock=5)
    await client.message(contact, "quanto custa o produto X?")
    await tap.order_placed(user, contact, "PED-1", 49.90)

    async def converted() -> bool:
        funnel = await client.GetFunnel(pb.GetFunnelRequest(period="1d"))
        return dict((s.stage, s.count) for s in funnel.stages).get("converted") == 1

    await eventually(converted)


async def _outbound_in_stream(nats_url: str, namespace: str, contact: str) -> list[list[str]]:
    """What each reply to `contact` in the stream answered, in stream order (JetStream kept it, whoever was
    subscribed when it was published)."""
    connection = await nats.connect(nats_url)
    try:
        subscription = await connection.jetstream().subscribe(
            f"{namespace}.conversations.outbound.>", ordered_consumer=True, deliver_policy=DeliverPolicy.ALL)
        answered: list[list[str]] = []
        while True:
            try:
                msg = await subscription.next_msg(timeout=1)
            except TimeoutError:
                break
            reply = ev.OutboundReply.FromString(msg.data)
            if reply.contact_id == contact:
                answered.append(list(reply.in_reply_to))
            if not msg.metadata.num_pending:
                break
        await subscription.unsubscribe()
        return answered
    finally:
        await connection.close()


async def _held_of(service: ChatbotService, user: str) -> list[str]:
    return [h.reply_id for h in await service.bot.repository.held_replies() if h.user_id == user]


async def test_while_nats_is_down_a_turn_stands_and_its_replies_go_out_in_order_once_it_is_back(
    chatbot_factory, own_nats_server, nats_namespace: str, tmp_path: Path
) -> None:
    """The reply is recorded with the turn, held, and published after the commit: with NATS gone the turn
    stands (the messages are answered, the thread shows the reply), its reply and the contact's next one
    wait, and both reach the stream once each, in order, when NATS is back."""
    port = free_port()
    nats_server = own_nats_server(data_dir=tmp_path / "nats", port=port)
    service: ChatbotService = await chatbot_factory(nats_url=nats_server.url)
    user, contact = _user(), "whatsapp:5511977770000"
    await service.bot.receive(user, contact, "whatsapp", "e-down-1", "qual o preço?", datetime.now(UTC))
    nats_server.stop()
    await eventually(lambda: not service.bus.connected)

    first = await service.bot.answer(user, "", deliver=True, contact_id=contact)
    await service.bot.receive(user, contact, "whatsapp", "e-down-2", "vocês entregam em Recife?", datetime.now(UTC))
    second = await service.bot.answer(user, "", deliver=True, contact_id=contact)
    assert first is not None and first.reply and not first.delivered
    assert second is not None and second.reply and not second.delivered
    loaded = await service.bot.repository.load_turn(user, contact_id=contact)
    conversation, pending = loaded.conversation, loaded.pending
    assert conversation is not None and pending == []
    assert [d for d, _ in await service.bot.repository.history(conversation.id)] == ["in", "out", "in", "out"]
    assert len(await _held_of(service, user)) == 2

    own_nats_server(data_dir=tmp_path / "nats", port=port)
    await eventually(lambda: _no_longer_held(service, user), timeout=60)
    assert await _outbound_in_stream(nats_server.url, nats_namespace, contact) == [["e-down-1"], ["e-down-2"]]


async def _no_longer_held(service: ChatbotService, user: str) -> bool:
    return not await _held_of(service, user)


async def test_a_reply_a_dead_process_held_is_published_once_by_the_next_owner_before_its_next_turn(
    chatbot_factory, own_nats_server, nats_namespace: str, tmp_path: Path
) -> None:
    """A process that recorded a turn and died before JetStream acked its reply (here: NATS gone, then the
    process stopped) leaves the reply held; the replica that takes the contact's partition over publishes it
    first, once, and only then answers the contact's next message."""
    port = free_port()
    nats_server = own_nats_server(data_dir=tmp_path / "nats", port=port)
    lease = {"chatbot_partition_lease_seconds": 1.0}
    dying: ChatbotService = await chatbot_factory(nats_url=nats_server.url, chatbot_replica_id="dying", **lease)
    user, contact = _user(), "whatsapp:5511966660000"
    await _zero_debounce_of(dying, user)
    await dying.bot.receive(user, contact, "whatsapp", "e-held", "qual o preço?", datetime.now(UTC))
    nats_server.stop()
    await eventually(lambda: not dying.bus.connected)
    answered = await dying.bot.answer(user, "", deliver=True, contact_id=contact)
    assert answered is not None and answered.reply and not answered.delivered
    await dying.stop()
    assert len(await _held_of(dying, user)) == 1

    own_nats_server(data_dir=tmp_path / "nats", port=port)
    publisher = await nats.connect(nats_server.url)  # the contact writes again while no replica runs
    event = ev.InboundMessage(event_id="e-after", user_id=user, channel=ev.CHANNEL_WHATSAPP, contact_id=contact,
                              text="e o frete?")
    await publisher.jetstream().publish(f"{nats_namespace}.{Subjects.inbound('whatsapp', user, contact)}",
                                        event.SerializeToString(), headers={"Nats-Msg-Id": "e-after"})
    await publisher.close()
    successor: ChatbotService = await chatbot_factory(nats_url=nats_server.url, chatbot_replica_id="next", **lease)
    await eventually(lambda: _replies_in_stream(nats_server.url, nats_namespace, contact, 2), timeout=30)
    assert await _outbound_in_stream(nats_server.url, nats_namespace, contact) == [["e-held"], ["e-after"]]
    await eventually(lambda: _no_longer_held(successor, user))


async def _replies_in_stream(nats_url: str, namespace: str, contact: str, count: int) -> bool:
    return len(await _outbound_in_stream(nats_url, namespace, contact)) >= count


async def _zero_debounce_of(service: ChatbotService, user: str) -> None:
    client = Client(service.port, user)
    await client.UpdateConfig(pb.UpdateConfigRequest(patch=_struct({"debounce": {"window_seconds": 0,
                                                                                   "max_wait_seconds": 0}})))
    await client.channel.close()


async def test_a_message_a_stalled_owner_stored_after_the_handover_is_answered_by_the_owners_sweep(
    chatbot_factory, own_nats_server, nats_namespace: str, tmp_path: Path
) -> None:
    """A previous owner that stalled past its lease can store a message after the new owner looked at the
    inbox (at acquisition and once more a little later) and then find the partition is no longer its own: it
    neither answers nor schedules it. The owner's periodic sweep answers it, once."""
    nats_server = own_nats_server(data_dir=tmp_path / "nats", port=free_port())
    lease = 1.0  # the sweep runs every 2 leases, for messages pending at least that long
    service: ChatbotService = await chatbot_factory(nats_url=nats_server.url, chatbot_replica_id="owner",
                                                    chatbot_partition_lease_seconds=lease)
    await eventually(lambda: len(service.leases.owned) == 16, timeout=30)
    user, contact = _user(), "whatsapp:5511955550000"
    await _zero_debounce_of(service, user)
    await asyncio.sleep(2 * lease + 0.5)  # the acquisition's looks are over
    # What the stalled process does: the message is stored, and not scheduled (its partition moved on).
    await service.bot.receive(user, contact, "whatsapp", "e-late", "qual o preço?", datetime.now(UTC))
    await eventually(lambda: _replies_in_stream(nats_server.url, nats_namespace, contact, 1), timeout=30)
    await service.pipeline.idle()
    assert await _outbound_in_stream(nats_server.url, nats_namespace, contact) == [["e-late"]]
    loaded = await service.bot.repository.load_turn(user, contact_id=contact)
    assert loaded.pending == []
