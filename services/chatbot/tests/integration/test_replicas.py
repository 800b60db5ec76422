"""Two chatbot replicas on one NATS, PostgreSQL and Redis: they split the inbound partitions between them
through their leases, every contact is answered once and in order whichever replica holds it, a burst is
still one turn, and when a replica dies its partitions (and the messages it had stored but not answered)
are taken over by the other once its leases expire."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from chatbot.main import ChatbotService
from google.protobuf import struct_pb2
from sellerbot.chatbot.v1 import chatbot_pb2 as pb
from sellerbot_messaging import INBOUND_PARTITIONS, inbound_partition

from ..conftest import Client, EventTap, eventually

LEASE_SECONDS = 2.0
ALL = set(range(INBOUND_PARTITIONS))


async def _replicas(chatbot_factory: Callable[..., Any]) -> tuple[ChatbotService, ChatbotService]:
    first = await chatbot_factory(chatbot_partition_lease_seconds=LEASE_SECONDS, chatbot_replica_id="replica-a")
    assert first.leases is not None and first.leases.owned == ALL  # alone, it takes every partition at start
    second = await chatbot_factory(chatbot_partition_lease_seconds=LEASE_SECONDS, chatbot_replica_id="replica-b")
    await eventually(lambda: _split(first, second), timeout=4 * LEASE_SECONDS)
    return first, second


def _split(*replicas: ChatbotService) -> bool:
    owned = [r.leases.owned if r.leases else set() for r in replicas]
    return all(owned) and set().union(*owned) == ALL and sum(len(o) for o in owned) == INBOUND_PARTITIONS


async def _seller(service: ChatbotService, window: float) -> str:
    user = f"seller-{uuid.uuid4().hex[:8]}"
    client = Client(service.port, user)
    patch = struct_pb2.Struct()
    patch.update({"debounce": {"window_seconds": window, "max_wait_seconds": 5}})
    await client.UpdateConfig(pb.UpdateConfigRequest(patch=patch))
    await client.channel.close()
    return user


def _contacts_of(user: str, partitions: set[int], count: int) -> list[str]:
    """`count` contacts of `user` whose partitions are among `partitions`."""
    found: list[str] = []
    number = 0
    while len(found) < count:
        contact = f"whatsapp:55119{number:08d}"
        if inbound_partition(user, contact) in partitions:
            found.append(contact)
        number += 1
    return found


def _answered(tap: EventTap, contact: str) -> list[str]:
    """The event ids a contact's replies answered, in the order the replies were published."""
    return [event_id for reply in tap.replies(contact) for event_id in reply.in_reply_to]


async def test_two_replicas_share_the_partitions_and_answer_each_burst_once_in_order(
    chatbot_factory: Callable[..., Any], nats_url: str, nats_namespace: str,
) -> None:
    first, second = await _replicas(chatbot_factory)
    tap = await EventTap(nats_namespace).start(nats_url)
    try:
        user = await _seller(first, window=0.5)
        contacts = [f"whatsapp:55118{n:08d}" for n in range(24)]
        bursts = {contact: [await tap.inbound(user, contact, text) for text in ("oi", "tem fone?", "aceita pix?")]
                  for contact in contacts}
        await eventually(lambda: all(tap.replies(c) for c in contacts), timeout=15)
        await first.pipeline.idle()
        await second.pipeline.idle()
        for contact, sent in bursts.items():
            assert len(tap.replies(contact)) == 1, contact  # one burst, one turn, on whichever replica holds it
            assert _answered(tap, contact) == sent
        partitions = {inbound_partition(user, c) for c in contacts}
        assert partitions & first.leases.owned and partitions & second.leases.owned  # type: ignore[union-attr]
    finally:
        await tap.close()


async def test_a_dead_replicas_partitions_and_stored_messages_are_taken_over_once_its_leases_expire(
    chatbot_factory: Callable[..., Any], nats_url: str, nats_namespace: str,
) -> None:
    doomed, survivor = await _replicas(chatbot_factory)
    assert doomed.leases is not None and survivor.leases is not None
    tap = await EventTap(nats_namespace).start(nats_url)
    try:
        user = await _seller(survivor, window=1.5)
        theirs = _contacts_of(user, doomed.leases.owned, 6)
        first_words = {c: await tap.inbound(user, c, "oi, quanto custa o frete?") for c in theirs}
        # Stored by the doomed replica, whose burst window is still open when it loses NATS and dies.
        await eventually(lambda: _pending_on(doomed, user, theirs), timeout=5)
        assert doomed.bus is not None
        await doomed.bus.close()
        later_words = {c: await tap.inbound(user, c, "e aceita pix?") for c in theirs}
        await eventually(lambda: survivor.leases.owned == ALL, timeout=4 * LEASE_SECONDS)  # type: ignore[union-attr]
        await eventually(lambda: all(len(_answered(tap, c)) == 2 for c in theirs), timeout=15)
        await survivor.pipeline.idle()
        for contact in theirs:
            assert _answered(tap, contact) == [first_words[contact], later_words[contact]]
    finally:
        await tap.close()


async def _pending_on(service: ChatbotService, user: str, contacts: list[str]) -> bool:
    pending = set(await service.bot.repository.contacts_with_pending())
    return all((user, contact) in pending for contact in contacts)
