"""Live subscriptions of this replica: each user's connections (all tabs) and their bounded queues.

`SubscriptionHub.dispatch` is called once per notification, in NOTIFICATIONS stream order; it hands the
notification to the queue of every matching subscription of its owner and never waits: a subscription whose
queue is full is marked slow and dropped, so one slow client never holds back the others.
"""

from __future__ import annotations

import asyncio
from collections import deque
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Notice:
    """One stored notification, ready to send: `message` is the wire form built once for every subscriber."""

    seq: int
    user_id: str
    type: str
    ts: float  # the event's time, seconds since the epoch (for the delivery latency)
    message: Any


class SubscriptionEnded(Exception):
    """The subscription cannot continue: `slow` (queue overflow) or `unavailable` (history unreadable)."""

    def __init__(self, kind: str, reason: str) -> None:
        super().__init__(reason)
        self.kind = kind
        self.reason = reason


@dataclass(eq=False)
class Subscription:
    user_id: str
    types: frozenset[str] | None
    max_pending: int
    connection_id: str = ""
    high_water: int = 0  # highest sequence queued or sent: anything at or below it is a duplicate
    _queue: deque[Notice] = field(default_factory=deque)
    _ready: asyncio.Event = field(default_factory=asyncio.Event)
    ended: SubscriptionEnded | None = None

    def wants(self, notice_type: str) -> bool:
        return self.types is None or notice_type in self.types

    def offer(self, notice: Notice) -> None:
        if self.ended is not None or notice.seq <= self.high_water or not self.wants(notice.type):
            return
        if len(self._queue) >= self.max_pending:
            self.end(SubscriptionEnded(
                "slow", f"slow client: {len(self._queue)} notifications waiting (limit {self.max_pending})"))
            return
        self.high_water = notice.seq
        self._queue.append(notice)
        self._ready.set()

    def end(self, reason: SubscriptionEnded) -> None:
        if self.ended is None:
            self.ended = reason
        self._ready.set()

    @property
    def pending(self) -> int:
        return len(self._queue)

    def discard_pending(self) -> int:
        dropped = len(self._queue)
        self._queue.clear()
        return dropped

    def take_queued(self, limit: int) -> list[Notice]:
        """Up to `limit` notices already waiting (no wait)."""
        taken: list[Notice] = []
        while self._queue and len(taken) < limit:
            taken.append(self._queue.popleft())
        return taken

    async def next(self, idle_seconds: float) -> Notice | None:
        """The next queued notice, or None after `idle_seconds` of silence; raises when the subscription ended."""
        while True:
            if self.ended is not None:
                raise self.ended
            if self._queue:
                return self._queue.popleft()
            self._ready.clear()
            try:
                async with asyncio.timeout(idle_seconds):  # no task per wait, unlike wait_for
                    await self._ready.wait()
            except TimeoutError:
                return None


class SubscriptionHub:
    def __init__(self, position: int = 0) -> None:
        self.position = position  # last sequence dispatched (NOTIFICATIONS stream)
        self._by_user: dict[str, set[Subscription]] = {}

    def add(self, subscription: Subscription) -> int:
        """Register; returns the position up to which history must be replayed (later ones arrive live)."""
        self._by_user.setdefault(subscription.user_id, set()).add(subscription)
        subscription.high_water = max(subscription.high_water, self.position)
        return self.position

    def remove(self, subscription: Subscription) -> None:
        subs = self._by_user.get(subscription.user_id)
        if subs is None:
            return
        subs.discard(subscription)
        if not subs:
            del self._by_user[subscription.user_id]

    def dispatch(self, notice: Notice) -> list[Subscription]:
        """Queue `notice` for its owner's subscriptions; returns those that just ended as slow."""
        if notice.seq <= self.position:
            return []
        self.position = notice.seq
        newly_slow: list[Subscription] = []
        for subscription in self._by_user.get(notice.user_id, ()):
            was_running = subscription.ended is None
            subscription.offer(notice)
            if was_running and subscription.ended is not None:
                newly_slow.append(subscription)
        return newly_slow

    @property
    def connections(self) -> int:
        return sum(len(s) for s in self._by_user.values())

    @property
    def users(self) -> int:
        return len(self._by_user)
