"""Read a JetStream stream in order, forever: each message once, from a start position, across NATS outages.

An ephemeral push consumer (flow control, idle heartbeats, memory storage) delivers to a private inbox. Any
gap in the consumer sequence, two missed heartbeats, a NATS outage or a failing handler ends the session; the
next session recreates the consumer from the first sequence not yet handled. This is JetStream's "ordered
consumer" pattern, written out so that recovery after a server restart is explicit and tested.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable
from datetime import datetime

import structlog
from nats.aio.client import Client as NatsClient
from nats.aio.msg import Msg
from nats.js import JetStreamContext
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy, Header

log = structlog.get_logger(__name__)

MessageHandler = Callable[[Msg], Awaitable[None]]


class _Restart(Exception):
    """This session cannot continue in order; start a new consumer at the next unhandled sequence."""


class OrderedReader:
    def __init__(
        self,
        nc: NatsClient,
        js: JetStreamContext,
        *,
        stream: str,
        filter_subject: str,
        handler: MessageHandler,
        name: str,
        start_seq: int | None = None,
        start_time: datetime | None = None,
        heartbeat_seconds: float = 2.0,
    ) -> None:
        self._nc = nc
        self._js = js
        self._stream = stream
        self._filter = filter_subject
        self._handler = handler
        self.name = name
        self._next_seq = start_seq
        self._start_time = start_time
        self._heartbeat = heartbeat_seconds
        self.restarts = 0

    @property
    def next_seq(self) -> int | None:
        return self._next_seq

    async def run(self) -> None:
        backoff = 0.2
        while True:
            try:
                await self._session()
            except asyncio.CancelledError:
                raise
            except _Restart as why:
                log.info("ordered_reader_restart", reader=self.name, reason=str(why), next_seq=self._next_seq)
            except Exception as exc:  # NATS down, stream missing, API timeout: keep trying, never die
                log.warning("ordered_reader_failed", reader=self.name, error=repr(exc), next_seq=self._next_seq)
            self.restarts += 1
            await asyncio.sleep(backoff)
            backoff = min(backoff * 2, 2.0)

    def _config(self, inbox: str) -> ConsumerConfig:
        config = ConsumerConfig(
            deliver_subject=inbox,
            filter_subject=self._filter,
            ack_policy=AckPolicy.NONE,
            flow_control=True,
            idle_heartbeat=self._heartbeat,
            mem_storage=True,
            num_replicas=1,
            inactive_threshold=max(30.0, self._heartbeat * 10),
        )
        if self._next_seq is not None:
            config.deliver_policy = DeliverPolicy.BY_START_SEQUENCE
            config.opt_start_seq = max(1, self._next_seq)
        elif self._start_time is not None:
            config.deliver_policy = DeliverPolicy.BY_START_TIME
            config.opt_start_time = self._start_time
        else:
            config.deliver_policy = DeliverPolicy.NEW
        return config

    async def _session(self) -> None:
        inbox = self._nc.new_inbox()
        session = _Session(self, asyncio.get_running_loop())
        # A callback subscription: nats-py hands messages to it one at a time, in order, without a task each.
        sub = await self._nc.subscribe(inbox, cb=session.on_message, pending_msgs_limit=65_536,
                                       pending_bytes_limit=64 * 1024**2)
        consumer = ""
        try:
            info = await self._js.add_consumer(self._stream, config=self._config(inbox))
            consumer = info.name
            await session.watch(stall_after=self._heartbeat * 2.5)
        finally:
            with contextlib.suppress(Exception):
                await sub.unsubscribe()
            if consumer and self._nc.is_connected:
                with contextlib.suppress(Exception):
                    await asyncio.wait_for(self._js.delete_consumer(self._stream, consumer), 2)

    def _handled(self, stream_seq: int) -> None:
        self._next_seq = stream_seq + 1


class _Session:
    """One consumer's life: checks order, answers flow control, runs the handler; ends on the first problem."""

    def __init__(self, reader: OrderedReader, loop: asyncio.AbstractEventLoop) -> None:
        self._reader = reader
        self._loop = loop
        self._expected = 1  # consumer sequence of the next message
        self._last_activity = loop.time()
        self.ended: asyncio.Future[None] = loop.create_future()

    async def watch(self, stall_after: float) -> None:
        while not self.ended.done():
            await asyncio.wait({self.ended}, timeout=stall_after)
            if not self.ended.done() and self._loop.time() - self._last_activity > stall_after:
                raise _Restart("no heartbeat from the consumer")
        self.ended.result()  # raises what ended the session

    def _end(self, error: BaseException) -> None:
        if not self.ended.done():
            self.ended.set_exception(error)

    async def on_message(self, msg: Msg) -> None:
        if self.ended.done():
            return
        self._last_activity = self._loop.time()
        try:
            await self._on_message(msg)
        except Exception as exc:  # a gap, a bad status or the handler failing: restart at the unhandled one
            self._end(exc)

    async def _on_message(self, msg: Msg) -> None:
        reader = self._reader
        headers = msg.headers or {}
        status = headers.get(Header.STATUS)
        if status == "100":
            if msg.reply:  # flow control: everything before it has been handled
                await reader._nc.publish(msg.reply)
            last = headers.get(Header.LAST_CONSUMER)
            if last is not None and int(last) != self._expected - 1:
                raise _Restart(f"heartbeat says consumer sequence {last}, handled {self._expected - 1}")
            return
        if status:
            raise _Restart(f"consumer status {status} {headers.get(Header.DESCRIPTION, '')}")
        meta = msg.metadata
        if meta.sequence.consumer != self._expected:
            raise _Restart(f"gap: consumer sequence {meta.sequence.consumer}, expected {self._expected}")
        if reader.next_seq is None:
            reader._handled(meta.sequence.stream - 1)  # a failing first message is retried, not skipped
        await reader._handler(msg)
        self._expected += 1
        reader._handled(meta.sequence.stream)
