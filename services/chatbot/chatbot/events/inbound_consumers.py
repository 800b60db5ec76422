"""The inbound consumers of the partitions this replica leases: one durable JetStream consumer per
partition (`chatbot-inbound-<nn>` on `conversations.inbound.*.<n>`), started when its lease is taken and
stopped when it is given up."""

from __future__ import annotations

import asyncio
import contextlib

import structlog
from sellerbot.events.v1 import conversation_events_pb2 as ev
from sellerbot_messaging import EventBus, Subjects
from sellerbot_messaging.streams import CONVERSATIONS

from chatbot.events.inbound import InboundPipeline
from chatbot.metrics import PARTITION_HANDOVERS

log = structlog.get_logger(__name__)
# Per partition: with every partition on one replica, 16 x 4 events are stored at once at most.
PARTITION_CONCURRENCY = 4
PARTITION_BATCH = 16


def durable_name(partition: int) -> str:
    return f"chatbot-inbound-{partition:02d}"


class InboundConsumers:
    def __init__(self, bus: EventBus, pipeline: InboundPipeline, recheck_after: float) -> None:
        self._bus = bus
        self._pipeline = pipeline
        self._recheck_after = recheck_after
        self._consumers: dict[int, asyncio.Task[None]] = {}
        self._rechecks: set[asyncio.Task[None]] = set()

    async def acquired(self, partitions: set[int]) -> None:
        """Consume the partitions from their first unacked message, in stream order (a dead owner's
        deliveries are replayed now, ahead of newer messages), then answer what their inbox holds. Replies a
        dead owner recorded and did not publish go out first, before any new turn of their contacts."""
        await self._pipeline.publish_held(partitions)
        self._pipeline.own(partitions)
        for partition in sorted(partitions):
            durable = durable_name(partition)
            replayed = await self._bus.replay_unacked(durable, CONVERSATIONS)
            if replayed:
                log.info("partition_unacked_replayed", partition=partition, unacked=replayed)
            self._consumers[partition] = self._bus.consume(
                Subjects.inbound_partition(partition), durable, ev.InboundMessage, self._pipeline.handle,
                stream=CONVERSATIONS, batch=PARTITION_BATCH, concurrency=PARTITION_CONCURRENCY)
        PARTITION_HANDOVERS.labels("acquired").inc(len(partitions))
        await self._pipeline.recover(partitions)
        # A previous owner that stalled past its lease may still store a message or two before it notices:
        # look at the inbox once more when it surely has.
        recheck = asyncio.create_task(self._recover_later(partitions))
        self._rechecks.add(recheck)
        recheck.add_done_callback(self._rechecks.discard)

    async def released(self, partitions: set[int]) -> None:
        for partition in partitions:
            consumer = self._consumers.pop(partition, None)
            if consumer is not None:
                consumer.cancel()
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await consumer
        PARTITION_HANDOVERS.labels("released").inc(len(partitions))
        await self._pipeline.drop(partitions)

    async def _recover_later(self, partitions: set[int]) -> None:
        await asyncio.sleep(self._recheck_after)
        owned = partitions & set(self._consumers)
        if owned:
            with contextlib.suppress(Exception):
                await self._look_again(owned)

    def sweep(self) -> asyncio.Task[None]:
        """Start the owner's periodic look, every `recheck_after` seconds, at what its partitions left behind:
        replies held longer than that, and messages pending longer than that for contacts this replica is not
        answering. A previous owner that stalled past its lease (a long GC pause, an overloaded machine) can
        store a message or commit a turn after the new owner's looks at acquisition; without this, that
        message would wait for the contact's next one."""
        return asyncio.create_task(self._sweep_forever(), name="inbound-sweep")

    async def _sweep_forever(self) -> None:
        while True:
            await asyncio.sleep(self._recheck_after)
            owned = set(self._consumers)
            if not owned:
                continue
            try:
                await self._look_again(owned, older_than_seconds=self._recheck_after)
            except Exception as exc:  # the next sweep looks again
                log.warning("inbound_sweep_failed", error=str(exc))

    async def _look_again(self, owned: set[int], older_than_seconds: float | None = None) -> None:
        """What `owned` partitions left behind: held replies first, then unanswered messages."""
        await self._pipeline.publish_held(owned, older_than_seconds)
        await self._pipeline.recover(owned, older_than_seconds)

    async def close(self) -> None:
        for task in list(self._rechecks):
            task.cancel()
        await self.released(set(self._consumers))
