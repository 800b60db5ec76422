"""Reply delivery: split, send through each platform's API with retries and a circuit breaker per channel
account, record what was sent, dead-letter what cannot be, and report every outcome as ReplyDelivered."""

from __future__ import annotations

import functools
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TypeVar

import httpx
import structlog
from purgatory import AsyncCircuitBreakerFactory
from purgatory.domain.model import OpenedState
from sellerbot.events.v1 import conversation_events_pb2 as events
from sellerbot.events.v1 import crm_events_pb2 as crm_events
from sellerbot_messaging import EventBus, Subjects
from tenacity import AsyncRetrying, RetryCallState, retry_if_exception, stop_after_attempt, wait_exponential_jitter

from channel_adapter.adapters.account_directory import AccountDirectory
from channel_adapter.adapters.delivery_records import DeliveryRecords
from channel_adapter.adapters.platform_apis import PlatformApis, PlatformRejected
from channel_adapter.domain.accounts import ChannelAccount
from channel_adapter.domain.channels import Platform
from channel_adapter.domain.crm_sync import ATTRIBUTE_KEYS, chatwoot_attributes, contact_labels
from channel_adapter.domain.errors import DeliveryRefused, DeliveryUnavailable
from channel_adapter.domain.splitting import split_text
from channel_adapter.metrics import (
    CIRCUIT_STATE,
    CONTACT_SYNCS,
    DEAD_LETTERS,
    REPLIES_FAILED,
    SEND_RETRIES,
    replies_sent,
    send_seconds,
)
from channel_adapter.settings import ServiceSettings
from channel_adapter.timestamps import now

log = structlog.get_logger(__name__)
T = TypeVar("T")
CONTACT_SYNC_PREFIX = "contact-sync:"  # dead letters of contact syncs: reply_id = prefix + event id
_STATE_VALUES = {"closed": 0, "half-opened": 1, "opened": 2}


@dataclass(frozen=True)
class DeliveryOutcome:
    delivered: bool
    platform_message_id: str = ""
    error: str = ""
    attempts: int = 0
    refused: bool = False


class _Attempts:
    def __init__(self) -> None:
        self.count = 0


def is_transient(exc: BaseException) -> bool:
    """Timeouts, connection errors, 5xx and 429 may succeed later; other 4xx and an open circuit will not."""
    if isinstance(exc, PlatformRejected):
        return exc.transient
    return isinstance(exc, httpx.TransportError)


def describe(exc: BaseException) -> str:
    if isinstance(exc, OpenedState):
        return f"circuit open: {exc}"
    if isinstance(exc, httpx.TimeoutException):
        return f"timeout: {type(exc).__name__}"
    if isinstance(exc, httpx.TransportError):
        return f"unreachable: {exc!s}" if str(exc) else f"unreachable: {type(exc).__name__}"
    return str(exc)


class ReplyDelivery:
    def __init__(self, settings: ServiceSettings, directory: AccountDirectory, records: DeliveryRecords,
                 apis: PlatformApis, bus: EventBus) -> None:
        self._settings = settings
        self._directory = directory
        self._records = records
        self._apis = apis
        self._bus = bus
        self._breakers = AsyncCircuitBreakerFactory(
            default_threshold=settings.circuit_failure_threshold, default_ttl=settings.circuit_recovery_seconds,
            # A 4xx the platform meant (bad token, unknown number) says nothing about its health.
            exclude=[(PlatformRejected, lambda exc: not exc.transient)],
        )
        self._breakers.add_listener(self._on_circuit_event)
        self._backoff = wait_exponential_jitter(multiplier=settings.outbound_backoff_initial_seconds,
                                                max=settings.outbound_backoff_max_seconds)

    # ------------------------------------------------------------------ replies
    async def deliver(self, reply: events.OutboundReply) -> DeliveryOutcome:
        """Deliver one reply; a failure is dead-lettered and reported, never raised (order must hold)."""
        platform = Platform.from_channel_enum(reply.channel)
        account = await self._directory.for_reply(platform, reply.user_id, reply.account_id)
        attempts = _Attempts()
        try:
            message_id, marked = await self._send_parts(platform, account, reply, attempts)
        except DeliveryRefused as exc:
            return await self._dead_letter(platform, reply, str(exc), attempts.count, "refused", refused=True)
        except Exception as exc:
            if isinstance(exc, PlatformRejected) and not exc.transient:
                return await self._dead_letter(platform, reply, describe(exc), attempts.count, "rejected",
                                               refused=True)
            reason = "circuit_open" if isinstance(exc, OpenedState) else "unavailable"
            return await self._dead_letter(platform, reply, describe(exc), attempts.count, reason)
        replies_sent(platform.channel).inc()
        if not marked:  # every part was sent before (a redelivery): its dead letter, if any, is delivered now
            await self._records.mark_delivered(reply.reply_id)
        await self._report(platform, reply, delivered=True, message_id=message_id, attempts=attempts.count)
        return DeliveryOutcome(True, message_id, attempts=attempts.count)

    async def _send_parts(self, platform: Platform, account: ChannelAccount, reply: events.OutboundReply,
                          attempts: _Attempts) -> tuple[str, bool]:
        """The last part's platform message id, and whether recording it marked the reply delivered."""
        parts = split_text(reply.text, platform.text_limit)
        if not parts:
            raise DeliveryRefused("the reply has no text")
        if platform is Platform.INSTAGRAM:
            await self._check_instagram_window(reply)
        done = await self._records.sent_parts(reply.reply_id)
        last_id = done.get(len(parts) - 1, "")
        marked = False
        for index, part in enumerate(parts):
            if index in done:  # sent before a crash or a redelivery: never twice
                continue
            last_id = await self._with_retries(platform, account, attempts,
                                               functools.partial(self._send_once, platform, account, reply, part))
            marked = index == len(parts) - 1
            await self._records.record_part(reply.reply_id, index, platform.value, last_id, reply.user_id,
                                            reply.contact_id, last=marked)
        return last_id, marked

    async def _check_instagram_window(self, reply: events.OutboundReply) -> None:
        contact = reply.contact_id
        last = await self._records.last_instagram_inbound(reply.account_id, contact)
        window = timedelta(hours=self._settings.instagram_window_hours)
        if last is None or datetime.now(UTC) - last > window:
            seen = last.isoformat() if last else "never"
            raise DeliveryRefused(
                f"outside Instagram's 24-hour messaging window (last customer message: {seen}); "
                "a human agent must answer from Instagram")

    async def _send_once(self, platform: Platform, account: ChannelAccount, reply: events.OutboundReply,
                         text: str) -> str:
        recipient = reply.contact_id.split(":", 1)[-1]
        if platform is Platform.EVOLUTION:
            group = reply.conversation_id.endswith("@g.us")
            instance = reply.account_id or self._settings.evolution_instance
            return await self._apis.evolution_send_text(
                account, instance, reply.conversation_id if group else recipient, text)
        if platform is Platform.CHATWOOT:
            return await self._apis.chatwoot_create_message(
                account, reply.account_id or account.account_key, reply.conversation_id, text)
        if platform is Platform.INSTAGRAM:
            return await self._apis.instagram_send_text(account, recipient, text)
        return await self._apis.telegram_send_message(account, reply.conversation_id or recipient, text)

    # ------------------------------------------------------------------ hand-offs
    async def hand_off(self, handoff: events.HandoffRequested) -> None:
        """Chatwoot: a private note for the agents, then `open` so a human owns the conversation.

        The other platforms have no agent inbox to notify; the chatbot and the dashboard handle those.
        Raises on failure so the event is delivered again later.
        """
        if handoff.origin == events.HANDOFF_ORIGIN_HUMAN_AGENT or handoff.channel != events.CHANNEL_CHATWOOT:
            return
        account = await self._directory.for_reply(Platform.CHATWOOT, handoff.user_id, handoff.account_id)
        account_id = handoff.account_id or account.account_key
        note = f"Bot hand-off: {handoff.reason or 'requested'}"
        if handoff.summary:
            note += f"\n{handoff.summary}"
        attempts = _Attempts()
        await self._with_retries(Platform.CHATWOOT, account, attempts, lambda: self._apis.chatwoot_create_message(
            account, account_id, handoff.conversation_id, note, private=True))
        await self._with_retries(Platform.CHATWOOT, account, attempts, lambda: self._apis.chatwoot_toggle_status(
            account, account_id, handoff.conversation_id, "open"))
        log.info("handoff_delivered", conversation_id=handoff.conversation_id, account_id=account_id)

    # ------------------------------------------------------------------ CRM contact sync
    async def sync_contact(self, change: crm_events.ContactChanged) -> str:
        """Chatwoot: the CRM's stage, last intent, owner and score as the contact's custom attributes, its tags
        as the contact's labels (beside the agents' own); an erased person's attributes and labels taken off.
        Skipped when the shop has no Chatwoot account with a token; after the retries, dead-lettered like a
        reply (never raised). Returns the outcome."""
        if change.channel != events.CHANNEL_CHATWOOT or not change.contact_id.startswith("chatwoot:"):
            return "not_chatwoot"
        account = await self._directory.for_reply(Platform.CHATWOOT, change.user_id, change.account_id)
        if not self._shop_has(account, change.user_id):
            CONTACT_SYNCS.labels(Platform.CHATWOOT.channel, "not_configured").inc()
            return "not_configured"
        account_id = change.account_id or account.account_key
        contact = change.contact_id.split(":", 1)[1]
        attempts = _Attempts()

        def retried(call: Callable[[], Awaitable[T]]) -> Awaitable[T]:
            return self._with_retries(Platform.CHATWOOT, account, attempts, call)

        try:
            if change.erased:
                await retried(lambda: self._apis.chatwoot_remove_contact_attributes(
                    account, account_id, contact, list(ATTRIBUTE_KEYS)))
            else:
                attributes = chatwoot_attributes(change.stage, change.last_intent, change.owner, change.score)
                await retried(lambda: self._apis.chatwoot_update_contact(account, account_id, contact, attributes))
            current = await retried(lambda: self._apis.chatwoot_contact_labels(account, account_id, contact))
            labels = contact_labels(current, list(change.previous_tags), [] if change.erased else list(change.tags))
            if labels != current:
                await retried(lambda: self._apis.chatwoot_set_contact_labels(account, account_id, contact, labels))
        except Exception as exc:
            await self._dead_letter_sync(change, describe(exc), attempts.count)
            return "dead"
        CONTACT_SYNCS.labels(Platform.CHATWOOT.channel, "synced").inc()
        await self._records.mark_delivered(CONTACT_SYNC_PREFIX + change.event_id)
        log.info("contact_synced", contact_id=change.contact_id, account_id=account_id, attempts=attempts.count)
        return "synced"

    def _shop_has(self, account: ChannelAccount, user_id: str) -> bool:
        """The shop's own Chatwoot account, or the environment's when it is theirs (or the single seller's)."""
        if not account.secret("api_token"):
            return False
        owner = self._settings.default_seller_user_id
        return not account.is_default or not owner or owner == user_id

    async def _dead_letter_sync(self, change: crm_events.ContactChanged, error: str, attempts: int) -> None:
        channel = Platform.CHATWOOT.channel
        log.warning("contact_sync_dead_lettered", contact_id=change.contact_id, error=error, attempts=attempts)
        CONTACT_SYNCS.labels(channel, "dead").inc()
        DEAD_LETTERS.labels(channel).inc()
        summary = ("Chatwoot contact sync: erased" if change.erased else
                   f"Chatwoot contact sync: stage {change.stage or '-'}, last intent {change.last_intent or '-'}, "
                   f"owner {change.owner or '-'}, labels {', '.join(change.tags) or '-'}")
        await self._records.add_dead_letter(
            user_id=change.user_id, channel=channel, contact_id=change.contact_id,
            reply_id=CONTACT_SYNC_PREFIX + change.event_id, text=summary, error=error, attempts=attempts,
            reply=change.SerializeToString())
        await self._bus.publish(
            Subjects.contact_dead_letter(channel), change, f"dead:{change.event_id}:{uuid.uuid4().hex[:8]}",
            change.user_id, extra_headers={"Sellerbot-Error": error[:1000], "Sellerbot-Attempts": str(attempts)})

    # ------------------------------------------------------------------ plumbing
    async def _with_retries(self, platform: Platform, account: ChannelAccount, attempts: _Attempts,
                            call: Callable[[], Awaitable[T]]) -> T:
        # The first attempt outside tenacity: nearly every call succeeds, and tenacity's loop costs more CPU
        # than the call's own Python code. A failure is replayed as tenacity's first attempt, so what follows
        # (which errors retry, the waits, the counts, the logs) is exactly a plain tenacity loop's.
        try:
            return await self._attempt(platform, account, attempts, call)
        except Exception as exc:
            first_error = exc
        retrying = AsyncRetrying(
            stop=stop_after_attempt(self._settings.outbound_max_attempts),
            wait=self._wait,
            retry=retry_if_exception(is_transient),
            before_sleep=lambda state: self._before_retry(platform, state),
            reraise=True,
        )
        replayed = False
        async for attempt in retrying:
            with attempt:
                if not replayed:
                    replayed = True
                    raise first_error
                return await self._attempt(platform, account, attempts, call)
        raise AssertionError("unreachable: tenacity reraises the last error")

    async def _attempt(self, platform: Platform, account: ChannelAccount, attempts: _Attempts,
                       call: Callable[[], Awaitable[T]]) -> T:
        attempts.count += 1
        breaker = await self._breakers.get_breaker(account.circuit_name)
        started = time.perf_counter()
        try:
            async with breaker:
                return await call()
        finally:
            send_seconds(platform.channel).observe(time.perf_counter() - started)

    def _wait(self, state: RetryCallState) -> float:
        """Honour Retry-After (bounded) when the platform sent one; otherwise exponential backoff + jitter."""
        exc = state.outcome.exception() if state.outcome else None
        if isinstance(exc, PlatformRejected) and exc.retry_after is not None:
            return min(exc.retry_after, self._settings.outbound_retry_after_max_seconds)
        return float(self._backoff(state))

    @staticmethod
    def _before_retry(platform: Platform, state: RetryCallState) -> None:
        SEND_RETRIES.labels(platform.channel).inc()
        exc = state.outcome.exception() if state.outcome else None
        log.info("send_retry", channel=platform.channel, attempt=state.attempt_number,
                 error=describe(exc) if exc else "")

    @staticmethod
    def _on_circuit_event(name: str, event_type: str, event: object) -> None:
        if event_type not in ("state_changed", "circuit_breaker_created"):
            return
        platform, _, rest = name.partition(":")
        state = getattr(event, "state", "closed")
        CIRCUIT_STATE.labels(Platform(platform).channel, rest.partition(":")[2]).set(_STATE_VALUES.get(state, 0))
        if event_type == "state_changed":
            log.warning("circuit_state_changed", circuit=name, state=state)

    async def _dead_letter(self, platform: Platform, reply: events.OutboundReply, error: str, attempts: int,
                           reason: str, refused: bool = False) -> DeliveryOutcome:
        channel = platform.channel
        log.warning("reply_dead_lettered", channel=channel, reply_id=reply.reply_id, contact_id=reply.contact_id,
                    error=error, attempts=attempts)
        REPLIES_FAILED.labels(channel, reason).inc()
        DEAD_LETTERS.labels(channel).inc()
        await self._records.add_dead_letter(
            user_id=reply.user_id, channel=channel, contact_id=reply.contact_id, reply_id=reply.reply_id,
            text=reply.text, error=error, attempts=attempts, reply=reply.SerializeToString())
        await self._bus.publish(
            Subjects.dead_letter(channel), reply, f"dead:{reply.reply_id}:{uuid.uuid4().hex[:8]}", reply.user_id,
            extra_headers={"Sellerbot-Error": error[:1000], "Sellerbot-Attempts": str(attempts)})
        await self._report(platform, reply, delivered=False, error=error, attempts=attempts, dead=True)
        return DeliveryOutcome(False, error=error, attempts=attempts, refused=refused)

    async def _report(self, platform: Platform, reply: events.OutboundReply, *, delivered: bool,
                      message_id: str = "", error: str = "", attempts: int = 0, dead: bool = False) -> None:
        outcome = "ok" if delivered else "dead"
        event = events.ReplyDelivered(
            event_id=f"delivery:{reply.reply_id}:{outcome}:{uuid.uuid4().hex[:8] if dead else 'final'}",
            user_id=reply.user_id, channel=reply.channel, contact_id=reply.contact_id, reply_id=reply.reply_id,
            delivered=delivered, platform_message_id=message_id, error=error, attempts=attempts,
            dead_lettered=dead, at=now(),
            status=events.DELIVERY_STATUS_SENT if delivered else events.DELIVERY_STATUS_FAILED,
        )
        await self._bus.publish(Subjects.delivery(platform.channel), event, event.event_id, reply.user_id)

    async def raise_for(self, outcome: DeliveryOutcome) -> DeliveryOutcome:
        """For synchronous callers (SendMessage): a failed delivery becomes a domain error."""
        if outcome.delivered:
            return outcome
        if outcome.refused:
            raise DeliveryRefused(outcome.error)
        raise DeliveryUnavailable(outcome.error)
