"""A durable JetStream pull consumer kept fed by long-lived pull requests (what nats.go's `Consume` does).

nats-py's `fetch()` turns every batch into a no-wait probe plus a lingering pull, each answered by a status
message, and waits for each message in a task of its own. Events reach Seller Bot one at a time, so that was a
pull request, a status message and several tasks per event. Here one pull asks for up to `batch` messages for
PULL_EXPIRES seconds; the server pushes each message as it is stored, and a new pull tops the credit up once
half of it is used. At most `batch` messages are ever delivered and not yet handled, as with fetch.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections.abc import Awaitable, Callable

import structlog
from nats.aio.client import Client as NatsClient
from nats.aio.msg import Msg
from nats.aio.subscription import Subscription
from nats.js import JetStreamContext
from nats.js.api import ConsumerConfig
from nats.js.errors import NotFoundError

log = structlog.get_logger(__name__)

PULL_EXPIRES = 30.0
# The server sends a heartbeat on an idle pull; hearing nothing for two of them means the pull is gone (a
# reconnect, a restarted server), so it is asked again.
IDLE_HEARTBEAT = 5.0
_CHECK_EVERY = 1.0
_STATUS = "Status"
_PENDING = "Nats-Pending-Messages"


class PullLost(Exception):
    """The server ended the pull for a reason a new pull on this subscription cannot fix (e.g. the consumer was
    deleted); the consumer is looked up or created again."""


class PullFeed:
    """One durable consumer's inbox: calls `on_message` for each message in delivery order, at most `concurrency`
    at once, and never holds more than `batch` messages that were delivered and not yet handled."""

    def __init__(
        self, nc: NatsClient, js: JetStreamContext, stream: str, config: ConsumerConfig, batch: int,
        concurrency: int, on_message: Callable[[Msg], Awaitable[None]],
    ) -> None:
        assert config.durable_name
        self._nc, self._js, self._stream, self._config = nc, js, stream, config
        self._batch, self._on_message = max(1, batch), on_message
        self._top_up_at = max(1, self._batch // 2)
        self._slots = asyncio.Semaphore(concurrency) if concurrency > 1 else None
        self._handling: set[asyncio.Task[None]] = set()
        self._next_subject = f"{js._prefix}.CONSUMER.MSG.NEXT.{stream}.{config.durable_name}"
        self._expires_ns = int(PULL_EXPIRES * 1e9)
        self._heartbeat_ns = int(IDLE_HEARTBEAT * 1e9)
        self._stale_after = 2 * IDLE_HEARTBEAT + _CHECK_EVERY
        self._requested = 0  # asked of the server, neither delivered nor expired yet
        self._unfinished = 0  # delivered, handler not done
        self._heard = time.monotonic()
        self._lost: PullLost | None = None
        self._inbox = ""
        self._stopping = False
        self._inline_idle = asyncio.Event()  # no handler running in the subscription's own task
        self._inline_idle.set()

    async def run(self) -> None:
        """Consume until cancelled; raises when the consumer cannot be found or created, or its pull is lost."""
        await self._ensure_consumer()
        self._inbox = self._nc.new_inbox()
        subscription = await self._nc.subscribe(self._inbox, cb=self._receive)
        reconnects = self._nc.stats["reconnects"]
        try:
            await self._top_up()
            while self._lost is None:
                await asyncio.sleep(_CHECK_EVERY)
                if self._nc.stats["reconnects"] != reconnects or self._is_stale(subscription):
                    # The server forgot this client's pulls (a reconnect) or stopped answering: ask again.
                    reconnects = self._nc.stats["reconnects"]
                    self._requested, self._heard = 0, time.monotonic()
                    await self._top_up()
            raise self._lost
        finally:
            await self._stop(subscription)

    async def _ensure_consumer(self) -> None:
        durable = self._config.durable_name
        assert durable
        try:
            info = await self._js.consumer_info(self._stream, durable)
        except NotFoundError:
            self._config.name = durable
            await self._js.add_consumer(self._stream, config=self._config)
            return
        if info.config.ack_wait != self._config.ack_wait:
            # A durable keeps the config it was created with: a release that changes the ack wait updates it.
            self._config.name = durable
            try:
                await self._js.add_consumer(self._stream, config=self._config)  # create-or-update
            except Exception as exc:  # another field that cannot change: consume with the server's config
                log.warning("consumer_update_failed", consumer=durable, error=str(exc))

    def _is_stale(self, subscription: Subscription) -> bool:
        # Messages still queued behind a slow handler are not silence.
        return (self._requested > 0 and not subscription.pending_msgs
                and time.monotonic() - self._heard > self._stale_after)

    async def _top_up(self) -> None:
        free = self._batch - self._requested - self._unfinished
        if free < self._top_up_at or self._stopping or not self._nc.is_connected:
            return
        self._requested += free
        request = json.dumps({"batch": free, "expires": self._expires_ns, "idle_heartbeat": self._heartbeat_ns})
        try:
            await self._nc.publish(self._next_subject, request.encode(), reply=self._inbox)
        except Exception as exc:  # closing or cut off: nothing was asked; the next check asks again
            self._requested -= free
            log.warning("consumer_pull_failed", consumer=self._config.durable_name, error=str(exc))

    async def _receive(self, msg: Msg) -> None:
        """The subscription's callback: nats-py awaits it for one message after the other."""
        self._heard = time.monotonic()
        headers = msg.headers
        if headers and _STATUS in headers and not msg.data and msg.subject == self._inbox:
            await self._on_status(headers)
            return
        self._requested = max(0, self._requested - 1)
        self._unfinished += 1
        if self._slots is None:
            self._inline_idle.clear()
            try:
                await self._on_message(msg)
            finally:
                self._inline_idle.set()
                await self._finished()
            return
        await self._slots.acquire()
        task = asyncio.create_task(self._handle_in_slot(msg))
        self._handling.add(task)
        task.add_done_callback(self._handling.discard)

    async def _handle_in_slot(self, msg: Msg) -> None:
        assert self._slots is not None
        try:
            await self._on_message(msg)
        except Exception:  # the bus's handling catches the handler's errors; this is a bug, and must not stall us
            log.exception("event_dispatch_failed", consumer=self._config.durable_name)
        finally:
            self._slots.release()
            await self._finished()

    async def _finished(self) -> None:
        self._unfinished -= 1
        await self._top_up()

    async def _on_status(self, headers: dict[str, str]) -> None:
        status = headers[_STATUS]
        if status == "100":  # idle heartbeat
            return
        pending = headers.get(_PENDING)
        if pending is None:  # not the end of one pull (408/409 name what was left of it): the consumer is gone
            description = next((value for key, value in headers.items() if key == "Description"), "")
            self._lost = PullLost(f"{status} {description}".strip())
            return
        # A pull expired or was cut short (e.g. a leader change): what it still owed will not come.
        self._requested = max(0, self._requested - int(pending))
        await self._top_up()

    async def _stop(self, subscription: Subscription) -> None:
        """Leave no pull behind and cancel the handlers still running (their messages are redelivered); when this
        returns none of them runs any more, as when the handlers ran in the consumer's own task."""
        self._stopping = True
        # Unsubscribing cancels the subscription's task and the handler running in it; when the connection is
        # closed or draining it raises, and that task ends with the connection.
        with contextlib.suppress(Exception):
            await subscription.unsubscribe()
            await self._inline_idle.wait()
        for task in list(self._handling):
            task.cancel()
        for task in list(self._handling):
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
