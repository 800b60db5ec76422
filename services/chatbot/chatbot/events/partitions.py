"""Partition leases: which chatbot replica consumes which inbound partition (see the README's diagram).

Every replica heartbeats `members.<replica id>` in a JetStream key-value bucket whose entries expire after
the lease TTL, and holds `lease.<partition>` for the partitions that rendezvous hashing gives it among the
live members, renewed on every beat by compare-and-set on the entry's revision. A replica that stops
releases its leases at once; one that dies or stalls loses them when they expire, and the members that
rendezvous hashing now picks take them on their next beat.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
import zlib
from collections.abc import Awaitable, Callable

import structlog
from nats.js.errors import KeyWrongLastSequenceError, NoKeysError
from nats.js.kv import KeyValue
from sellerbot_messaging import INBOUND_PARTITIONS, EventBus

from chatbot.metrics import PARTITIONS_OWNED

log = structlog.get_logger(__name__)
BUCKET = "chatbot_partitions"
Partitions = Callable[[set[int]], Awaitable[None]]


def owner_of(partition: int, members: list[str]) -> str:
    """Rendezvous hashing: a member joining or leaving moves only the partitions it wins or held."""
    return max(members, key=lambda member: (zlib.crc32(f"{member}/{partition}".encode()), member))


class PartitionLeases:
    def __init__(
        self, bus: EventBus, replica_id: str, on_acquired: Partitions, on_released: Partitions, *,
        lease_seconds: float, partitions: int = INBOUND_PARTITIONS,
    ) -> None:
        self.replica_id = replica_id
        self._bus = bus
        self._on_acquired = on_acquired
        self._on_released = on_released
        self._lease_seconds = lease_seconds
        self._beat_seconds = lease_seconds / 4
        self._partitions = partitions
        self._kv: KeyValue | None = None
        self._revisions: dict[int, int] = {}
        self._renewed_at: dict[int, float] = {}
        self._task: asyncio.Task[None] | None = None

    @property
    def owned(self) -> set[int]:
        return set(self._revisions)

    async def start(self) -> None:
        """Join and take this replica's share now (alone, it takes every partition before start returns)."""
        self._kv = await self._bus.key_value(BUCKET, self._lease_seconds)
        await self._beat()
        self._task = asyncio.create_task(self._run(), name="partition-leases")

    async def stop(self) -> None:
        """Leave: release every lease (after the callback has drained it) so the others take over at once."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        if self._kv is None:
            return
        await self._release(self.owned)
        with contextlib.suppress(Exception):
            await self._kv.delete(self._member_key)

    @property
    def _member_key(self) -> str:
        return f"members.{self.replica_id}"

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(self._beat_seconds)
            try:
                await self._beat()
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # NATS unreachable: leases not renewed in time are given up in _renew
                log.warning("partition_beat_failed", error=str(exc))
                await self._give_up_expired()

    async def _beat(self) -> None:
        assert self._kv is not None
        await self._kv.put(self._member_key, b"1")
        members = await self._members()
        mine = {p for p in range(self._partitions) if owner_of(p, members) == self.replica_id}
        await self._release(self.owned - mine)
        await self._renew(self.owned & mine)
        await self._acquire(mine - self.owned)
        PARTITIONS_OWNED.set(len(self._revisions))

    async def _members(self) -> list[str]:
        assert self._kv is not None
        try:
            keys = await self._kv.keys()
        except NoKeysError:
            keys = []
        members = {key.removeprefix("members.") for key in keys if key.startswith("members.")}
        return sorted(members | {self.replica_id})

    async def _acquire(self, partitions: set[int]) -> None:
        assert self._kv is not None
        acquired: set[int] = set()
        try:
            for partition in sorted(partitions):
                try:
                    self._revisions[partition] = await self._kv.create(
                        f"lease.{partition}", self.replica_id.encode())
                except KeyWrongLastSequenceError:
                    continue  # still held: its owner releases it on its next beat, or it expires
                self._renewed_at[partition] = time.monotonic()
                acquired.add(partition)
        finally:  # a create that timed out mid-way must not leave the leases taken before it unconsumed
            if acquired:
                await self._start_consuming(acquired)

    async def _start_consuming(self, partitions: set[int]) -> None:
        log.info("partitions_acquired", replica=self.replica_id, partitions=sorted(partitions))
        try:
            await self._on_acquired(partitions)
        except Exception:
            # Held but not consumed would stall those contacts until this process exits: give the leases
            # back, so the next beat (here or on another replica) takes them again from their first unacked.
            log.warning("partition_consumers_not_started", replica=self.replica_id, partitions=sorted(partitions))
            await self._release(partitions)
            raise

    async def _renew(self, partitions: set[int]) -> None:
        assert self._kv is not None
        lost: set[int] = set()
        for partition in sorted(partitions):
            try:
                self._revisions[partition] = await self._kv.update(
                    f"lease.{partition}", self.replica_id.encode(), last=self._revisions[partition])
                self._renewed_at[partition] = time.monotonic()
            except KeyWrongLastSequenceError:
                lost.add(partition)  # it expired (this process stalled) and may have a new owner
        if lost:
            log.warning("partition_leases_lost", replica=self.replica_id, partitions=sorted(lost))
            await self._forget(lost)

    async def _give_up_expired(self) -> None:
        now = time.monotonic()
        expired = {p for p, at in self._renewed_at.items() if now - at > self._lease_seconds}
        if expired:
            log.warning("partition_leases_expired", replica=self.replica_id, partitions=sorted(expired))
            await self._forget(expired)

    async def _release(self, partitions: set[int]) -> None:
        if not partitions:
            return
        assert self._kv is not None
        revisions = {p: self._revisions[p] for p in partitions}
        await self._forget(partitions)
        for partition, revision in revisions.items():
            with contextlib.suppress(Exception):
                await self._kv.delete(f"lease.{partition}", last=revision)
        log.info("partitions_released", replica=self.replica_id, partitions=sorted(partitions))

    async def _forget(self, partitions: set[int]) -> None:
        for partition in partitions:
            self._revisions.pop(partition, None)
            self._renewed_at.pop(partition, None)
        await self._on_released(partitions)
        PARTITIONS_OWNED.set(len(self._revisions))
