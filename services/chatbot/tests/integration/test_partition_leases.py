"""Partition leases on the real JetStream key-value bucket: a replica that took leases but could not start
their consumers gives them back and takes them again on a later beat, so no partition stays held unconsumed."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

import pytest
from chatbot.events.partitions import BUCKET, PartitionLeases
from nats.js.errors import NoKeysError
from sellerbot_messaging import EventBus, MessagingSettings

from ..conftest import drop_streams, eventually

PARTITIONS = 4


@pytest.fixture
async def bus(nats_url: str, nats_namespace: str) -> AsyncIterator[EventBus]:
    bus = await EventBus.connect(MessagingSettings(nats_url=nats_url, nats_namespace=nats_namespace), "leases")
    yield bus
    await bus.close()
    await drop_streams(nats_url, nats_namespace)


class Replica:
    def __init__(self, bus: EventBus, name: str, fail_first: int = 0) -> None:
        self.consuming: set[int] = set()
        self.failures = fail_first
        self.leases = PartitionLeases(bus, name, self.acquired, self.released, lease_seconds=1.0,
                                      partitions=PARTITIONS)

    async def acquired(self, partitions: set[int]) -> None:
        if self.failures:
            self.failures -= 1
            raise RuntimeError("consumer creation timed out")
        self.consuming |= partitions

    async def released(self, partitions: set[int]) -> None:
        self.consuming -= partitions


async def test_leases_whose_consumers_failed_to_start_are_given_back_and_taken_again(bus: EventBus) -> None:
    first = Replica(bus, "replica-a")
    await first.leases.start()
    assert first.consuming == set(range(PARTITIONS))
    second = Replica(bus, "replica-b", fail_first=1)  # the first partitions it takes fail to start consuming
    await second.leases.start()
    try:
        def settled() -> bool:
            a, b = first.consuming, second.consuming
            return (second.failures == 0 and bool(a) and bool(b) and a | b == set(range(PARTITIONS))
                    and not a & b and first.leases.owned == a and second.leases.owned == b)
        await eventually(settled, timeout=15)
    finally:
        await second.leases.stop()
        await first.leases.stop()
    kv = await bus.key_value(BUCKET, 1.0)
    with contextlib.suppress(NoKeysError):
        assert [key for key in await kv.keys() if key.startswith("lease.")] == []
