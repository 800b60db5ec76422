"""The inbound pipeline: customer messages from JetStream, debounced per contact, answered once.

The handler stores each message in the conversation history (the inbox) before it is acked, so a
redelivered event id is recognised and never answered twice, and a crash between ack and reply loses
nothing: pending messages are picked up again at start; a reply recorded with its turn but not yet on the
bus when the process died is published again before the contact's next turn. Each contact's burst (messages within the
debounce window, reset by each new one, capped by max_wait) is answered by one reply; a reply being
produced when a newer message arrives is dropped and the next one answers everything.

With several replicas, each consumes the partitions it leases (`chatbot.events.partitions`): all of a
contact's messages reach one process. When a partition moves, its old owner drops its bursts and lets its
running turns finish (`drop`), and its new owner answers what is pending (`recover`).
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from datetime import UTC, datetime

import structlog
from sellerbot.events.v1 import conversation_events_pb2 as ev
from sellerbot_messaging import EventMeta, inbound_partition

from chatbot.adapters.repository import TurnAnsweredElsewhere
from chatbot.domain.burst import BurstWindow
from chatbot.events.publisher import channel_name
from chatbot.metrics import DUPLICATE_INBOUND, INBOUND_SWEPT, MESSAGES_PROCESSED
from chatbot.seller_bot import ProfessionalSellerBot
from chatbot.usecases.broadcast import RETRY_SECONDS

log = structlog.get_logger(__name__)
ContactKey = tuple[str, str]  # (user id, contact id)
RECEIVE_STRIPES = 64
DROP_WAIT_SECONDS = 10.0


class InboundPipeline:
    def __init__(self, bot: ProfessionalSellerBot) -> None:
        self._bot = bot
        self._bursts: dict[ContactKey, BurstWindow] = {}
        self._waiters: dict[ContactKey, asyncio.Task[None]] = {}
        self._locks: dict[ContactKey, tuple[asyncio.Lock, int]] = {}
        self._failures: dict[ContactKey, int] = {}
        # The partitions whose turns this replica answers; None until leases say (tests that drive `handle`).
        self._owned: set[int] | None = None
        # The consumer handles several events at once; one contact's are stored one at a time (its first
        # message opens its conversation, and a second one must find it).
        self._receive_locks = [asyncio.Lock() for _ in range(RECEIVE_STRIPES)]
        bot.on_silenced = self.cancel

    async def handle(self, event: ev.InboundMessage, meta: EventMeta) -> None:
        """JetStream handler: store the message once, then schedule the contact's reply."""
        if not event.user_id or not event.contact_id:
            log.warning("inbound_without_owner", event_id=event.event_id)
            return
        channel = channel_name(event.channel)
        text = event.text.strip() or _media_placeholder(event.media_type)
        platform_time = (event.platform_timestamp.ToDatetime(tzinfo=UTC)
                         if event.HasField("platform_timestamp") else datetime.now(UTC))
        event_id = event.event_id or meta.msg_id
        stripe = hash((event.user_id, event.contact_id)) % RECEIVE_STRIPES
        async with self._receive_locks[stripe]:
            conversation, stored = await self._bot.receive(
                event.user_id, event.contact_id, channel, event_id, text, platform_time, event.account_id,
                event.conversation_id, event.contact_name)
        if stored is None:
            DUPLICATE_INBOUND.labels(channel).inc()
            log.info("inbound_duplicate", event_id=event_id, delivery=meta.delivery_count)
        elif conversation is not None and conversation.handoff_state != "bot":
            await self._bot.repository.silence_pending(conversation.id)
            MESSAGES_PROCESSED.labels(channel, "silenced").inc()
            self._bot.announce_stored(conversation, text)  # no reply will follow to refresh the open thread
            return
        key = (event.user_id, event.contact_id)
        if not self.owns(key):  # its partition moved on: stored, and its new owner recovers it
            return
        profile = await self._bot.profiles.get(event.user_id)
        debounce = profile.settings.debounce
        self.schedule(key, debounce.window_seconds, debounce.max_wait_seconds)

    def owns(self, key: ContactKey) -> bool:
        return self._owned is None or inbound_partition(*key) in self._owned

    def schedule(self, key: ContactKey, window: float, max_wait: float) -> None:
        now = time.monotonic()
        burst = self._bursts.get(key)
        if burst is None:
            self._bursts[key] = BurstWindow(now, now, window, max_wait)
        else:
            burst.add(now)
        if key not in self._waiters:
            self._waiters[key] = asyncio.create_task(self._wait_then_answer(key), name=f"burst:{key[1]}")

    def cancel(self, user_id: str, contact_id: str) -> None:
        """A human took over: forget the pending burst (its messages are silenced by the caller)."""
        key = (user_id, contact_id)
        self._bursts.pop(key, None)
        waiter = self._waiters.pop(key, None)
        if waiter is not None and waiter is not asyncio.current_task():
            waiter.cancel()

    async def _wait_then_answer(self, key: ContactKey) -> None:
        try:
            while True:
                burst = self._bursts.get(key)
                if burst is None:
                    return
                delay = burst.due_at - time.monotonic()
                if delay <= 0:
                    break
                await asyncio.sleep(delay)
            self._bursts.pop(key, None)
        finally:
            if self._waiters.get(key) is asyncio.current_task():
                self._waiters.pop(key, None)
        lock, users = self._locks.get(key) or (asyncio.Lock(), 0)
        self._locks[key] = (lock, users + 1)
        try:
            async with lock:
                await self._answer(key)
        finally:
            lock, users = self._locks[key]
            if users <= 1:
                del self._locks[key]  # one lock per contact only while someone uses it
            else:
                self._locks[key] = (lock, users - 1)

    async def _answer(self, key: ContactKey) -> None:
        user_id, contact_id = key
        try:
            await self._bot.answer(user_id, "", deliver=True, still_current=lambda: key not in self._bursts,
                                   contact_id=contact_id)
            self._failures.pop(key, None)
        except TurnAnsweredElsewhere:  # another turn answered these messages; any newer one is scheduled
            self._failures.pop(key, None)
        except Exception as exc:  # NATS or the database failed: the messages stay pending, try again later
            failures = self._failures.get(key, 0)
            self._failures[key] = failures + 1
            delay = RETRY_SECONDS[min(failures, len(RETRY_SECONDS) - 1)]
            log.warning("turn_failed", contact_id=contact_id, error=str(exc), retry_in=delay)
            if key not in self._bursts and self.owns(key):
                now = time.monotonic()
                self._bursts[key] = BurstWindow(now, now, delay, delay)
                self._waiters[key] = asyncio.create_task(self._wait_then_answer(key))

    async def recover(self, partitions: set[int] | None = None, older_than_seconds: float | None = None) -> int:
        """Answer what was stored but never answered (a crash after the ack, or a partition taken over from
        another replica): every contact with pending messages, or those of `partitions`. With
        `older_than_seconds` (the periodic sweep), only messages pending that long, of contacts this replica
        is not debouncing or answering right now."""
        contacts = await self._bot.repository.contacts_with_pending(older_than_seconds)
        recovered = [key for key in contacts if (partitions is None or inbound_partition(*key) in partitions)
                     and (older_than_seconds is None or not self._busy_with(key))]
        for key in recovered:
            self.schedule(key, 0, 0)
        if recovered and older_than_seconds is not None:
            INBOUND_SWEPT.inc(len(recovered))
            log.warning("pending_messages_swept", contacts=len(recovered), older_than_seconds=older_than_seconds)
        return len(recovered)

    def _busy_with(self, key: ContactKey) -> bool:
        return key in self._bursts or key in self._waiters or key in self._locks or key in self._failures

    async def publish_held(self, partitions: set[int], older_than_seconds: float | None = None) -> int:
        """Publish again the replies of `partitions` that were recorded with their turn and never acked (a
        crash between the two), or only those held `older_than_seconds` (the periodic sweep); a failure is
        logged and they stay held for the next look."""
        try:
            return await self._bot.publish_held(lambda user_id, contact_id:
                                                inbound_partition(user_id, contact_id) in partitions,
                                                older_than_seconds)
        except Exception as exc:
            log.warning("held_replies_not_read", error=str(exc))
            return 0

    def own(self, partitions: set[int]) -> None:
        """This replica now answers the contacts of `partitions` (its leases)."""
        self._owned = (self._owned or set()) | partitions

    async def drop(self, partitions: set[int]) -> None:
        """This replica no longer owns `partitions`: forget their bursts (their messages are stored, the new
        owner recovers them) and wait (at most DROP_WAIT_SECONDS) for their turns being answered right now."""
        self._owned = (self._owned or set()) - partitions
        for key in [k for k in {*self._bursts, *self._waiters} if inbound_partition(*k) in partitions]:
            self.cancel(*key)
        deadline = time.monotonic() + DROP_WAIT_SECONDS
        while any(inbound_partition(*k) in partitions for k in self._locks) and time.monotonic() < deadline:  # noqa: ASYNC110
            await asyncio.sleep(0.01)

    async def idle(self) -> None:
        """Wait until no burst is waiting or being answered (tests, shutdown)."""
        while self._waiters or self._locks:  # noqa: ASYNC110
            await asyncio.sleep(0.01)

    async def close(self) -> None:
        for task in list(self._waiters.values()):
            task.cancel()
        for task in list(self._waiters.values()):
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        self._waiters.clear()


def _media_placeholder(media_type: str) -> str:
    return f"[{media_type or 'mensagem vazia'}]"



