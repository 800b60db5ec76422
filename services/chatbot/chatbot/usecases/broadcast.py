"""What the rest of the system hears about a conversation: the reply on its channel, a handoff request for the
human agents, and dashboard updates (sent in the background, never delaying a turn).

A turn's reply is held with the turn (`ChatbotRepository.finish_turn`) and published after the commit. Once
JetStream acked it, it is released (in batches: one statement for many turns). One that could not be
published waits here, and every later reply to its contact waits behind it, so a contact reads its replies in
the order of its turns; they go out in that order as soon as NATS takes them again. After a crash, the held
replies are published again by whoever owns their contacts next (`publish_held`), before any new turn of
theirs; the reply id is the JetStream message id, so one that had made it is dropped as a duplicate."""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections import Counter, deque
from collections.abc import Callable

import structlog
from google.protobuf.message import DecodeError
from sellerbot.events.v1 import conversation_events_pb2 as ev

from chatbot.adapters.repository import ChatbotRepository, PendingMessage, utcnow
from chatbot.adapters.tables import ConversationRow
from chatbot.domain.handoff import HandoffState
from chatbot.events.publisher import ConversationEvents, channel_enum, channel_name, timestamp
from chatbot.metrics import REPLIES_HELD

log = structlog.get_logger(__name__)
RELEASE_EVERY_SECONDS = 0.2  # published replies are released from the outbox together, this often
RETRY_SECONDS = (0.5, 1, 2, 5, 10, 30)  # after a failure: a held reply's publish, a turn (`events.inbound`)


class ConversationBroadcast:
    def __init__(self, events: ConversationEvents | None, repository: ChatbotRepository | None = None) -> None:
        self._events = events
        self._repository = repository
        self._background: set[asyncio.Task[None]] = set()
        self._waiting: deque[ev.OutboundReply] = deque()  # held replies not yet published, in turn order
        self._waiting_contacts: Counter[tuple[str, str]] = Counter()
        self._retrying: asyncio.Task[None] | None = None
        self._published: list[str] = []  # acked by JetStream, still to be released
        self._releasing: asyncio.Task[None] | None = None

    @staticmethod
    def reply_event(conversation: ConversationRow, reply: str, reply_id: str, sequence: int,
                    pending: list[PendingMessage], intent: str) -> ev.OutboundReply:
        return ev.OutboundReply(
            reply_id=reply_id, user_id=conversation.user_id, channel=channel_enum(conversation.channel),
            account_id=conversation.account_id, contact_id=conversation.contact_id,
            conversation_id=conversation.platform_conversation_id, text=reply,
            in_reply_to=[m.event_id for m in pending], produced_at=timestamp(utcnow()), sequence=sequence,
            intent=intent, inbox_conversation_id=conversation.id,
        )

    async def notice(self, conversation: ConversationRow, text: str, reply_id: str, sequence: int) -> None:
        """A notice outside any turn (handed over, released): published now, or an exception."""
        await self._publish(self.reply_event(conversation, text, reply_id, sequence, [], ""))

    async def reply(self, reply: ev.OutboundReply) -> bool:
        """Publish a turn's held reply (after its turn committed); True once JetStream has it. False: it
        waits, with every later reply to its contact, and goes out as soon as NATS takes it (it never raises:
        the turn stands and the reply is safe in the outbox)."""
        key = (reply.user_id, reply.contact_id)
        if not self._waiting_contacts[key]:
            try:
                await self._publish(reply)
            except Exception as exc:
                log.warning("reply_held", reply_id=reply.reply_id, contact_id=reply.contact_id, error=str(exc))
            else:
                self._release(reply.reply_id)
                return True
        self._wait(reply)
        return False

    async def publish_held(self, owned: Callable[[str, str], bool], older_than_seconds: float | None = None) -> int:
        """Publish again the replies held in the outbox whose contacts `owned` says are ours (at start, and when
        a partition is taken over: a process died between a turn's commit and the ack of its reply); before
        any new turn of those contacts. With `older_than_seconds`, only those held that long (the owner's
        periodic sweep: one this process is publishing right now is left to it). How many there were."""
        if self._repository is None:
            return 0
        retrying = {reply.reply_id for reply in self._waiting} if older_than_seconds is not None else set()
        held = [h for h in await self._repository.held_replies(older_than_seconds)
                if owned(h.user_id, h.contact_id) and h.reply_id not in retrying]
        for row in held:
            try:
                reply = ev.OutboundReply.FromString(row.event)
            except DecodeError:  # it can never be sent: said loudly, and not read again
                log.error("held_reply_undecodable", reply_id=row.reply_id, contact_id=row.contact_id)
                self._release(row.reply_id)
                continue
            await self.reply(reply)
        if held:
            log.info("held_replies_published_again", count=len(held))
        return len(held)

    async def _publish(self, reply: ev.OutboundReply) -> None:
        if self._events is None:
            raise RuntimeError("no event bus: cannot deliver")
        if not self._events.connected:  # fail now rather than wait for a reconnection
            raise ConnectionError("NATS is not connected: the reply cannot be published")
        await self._events.reply(reply, channel_name(reply.channel))

    def _wait(self, reply: ev.OutboundReply) -> None:
        self._waiting.append(reply)
        self._waiting_contacts[(reply.user_id, reply.contact_id)] += 1
        REPLIES_HELD.set(len(self._waiting))
        if self._retrying is None or self._retrying.done():
            self._retrying = asyncio.create_task(self._publish_waiting(), name="held-replies")

    async def _publish_waiting(self) -> None:
        failures = 0
        while self._waiting:
            reply = self._waiting[0]
            try:
                await self._publish(reply)
            except Exception as exc:
                delay = RETRY_SECONDS[min(failures, len(RETRY_SECONDS) - 1)]
                failures += 1
                log.warning("held_reply_not_published", reply_id=reply.reply_id, error=str(exc), retry_in=delay)
                await asyncio.sleep(delay)
                continue
            failures = 0
            self._waiting.popleft()
            key = (reply.user_id, reply.contact_id)
            self._waiting_contacts[key] -= 1
            if not self._waiting_contacts[key]:
                del self._waiting_contacts[key]
            REPLIES_HELD.set(len(self._waiting))
            self._release(reply.reply_id)

    def _release(self, reply_id: str) -> None:
        if self._repository is None:
            return
        self._published.append(reply_id)
        if self._releasing is None or self._releasing.done():
            self._releasing = asyncio.create_task(self._release_published(), name="release-held-replies")

    async def _release_published(self, wait: float = RELEASE_EVERY_SECONDS) -> None:
        assert self._repository is not None
        while self._published:
            await asyncio.sleep(wait)
            batch, self._published = self._published, []
            try:
                await self._repository.release_held(batch)
            except Exception as exc:  # still held: published again (and dropped as a duplicate) after a restart
                log.warning("held_replies_not_released", count=len(batch), error=str(exc))

    async def handoff(self, row: ConversationRow, origin: str, reason: str, summary: str) -> None:
        if self._events is None:
            return
        try:
            await self._events.handoff(ev.HandoffRequested(
                event_id=f"handoff:{uuid.uuid4()}", user_id=row.user_id, channel=channel_enum(row.channel),
                account_id=row.account_id, contact_id=row.contact_id,
                conversation_id=row.platform_conversation_id,
                origin=ev.HANDOFF_ORIGIN_API if origin == "api" else ev.HANDOFF_ORIGIN_BOT,
                reason=reason, summary=summary, requested_at=timestamp(utcnow()),
            ), row.channel)
        except Exception as exc:  # the state already changed; the dashboard still shows it
            log.warning("handoff_publish_failed", conversation_id=row.id, error=str(exc))

    def updated(self, row: ConversationRow, last_message: str, intent: str, stage: str, state: HandoffState) -> None:
        """A dashboard refresh: sent in the background, it never delays nor fails a turn."""
        if self._events is None:
            return
        update = ev.ConversationUpdated(
            event_id=f"updated:{uuid.uuid4()}", user_id=row.user_id, channel=channel_enum(row.channel),
            contact_id=row.contact_id, conversation_id=row.id, last_message=last_message[:500],
            intent=intent, stage=stage, handoff_state=state.value, updated_at=timestamp(utcnow()),
        )
        task = asyncio.create_task(self._send_update(update))
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    async def _send_update(self, update: ev.ConversationUpdated) -> None:
        assert self._events is not None
        try:
            await self._events.updated(update)
        except Exception as exc:
            log.warning("conversation_update_publish_failed", conversation_id=update.conversation_id,
                        error=str(exc))

    async def drain(self) -> None:
        """Wait for background dashboard updates and release what was published (shutdown); replies still
        waiting for NATS stay held in the outbox for the next owner of their contacts."""
        if self._background:
            await asyncio.gather(*self._background, return_exceptions=True)
        if self._retrying is not None:
            self._retrying.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._retrying
        if self._releasing is not None:
            with contextlib.suppress(Exception):
                await self._releasing
        if self._published and self._repository is not None:
            await self._release_published(wait=0)
