"""Webhook intake: authenticate each delivery the platform's own way, normalize it, publish it, answer.

The answer is 200 only once JetStream acked every message (503 when it cannot be reached, so the platform
delivers again); duplicates are dropped by JetStream through `Nats-Msg-Id`.
"""

from __future__ import annotations

import asyncio
import functools
import hashlib
import json
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import structlog
from sellerbot.events.v1 import conversation_events_pb2 as events
from sellerbot_messaging import EventBus, Subjects

from channel_adapter.adapters.account_directory import AccountDirectory
from channel_adapter.adapters.delivery_records import DeliveryRecords
from channel_adapter.domain import normalization as norm
from channel_adapter.domain import verification as verify
from channel_adapter.domain.accounts import ChannelAccount
from channel_adapter.domain.channels import Platform
from channel_adapter.domain.verification import Rejection
from channel_adapter.metrics import (
    HANDOFFS_DETECTED,
    MESSAGES_IGNORED,
    MESSAGES_PUBLISHED,
    WEBHOOKS_REJECTED,
    messages_published,
    webhook_seconds,
    webhooks_received,
)
from channel_adapter.receipts import DeliveryReceipts
from channel_adapter.settings import ServiceSettings
from channel_adapter.timestamps import now, timestamp

log = structlog.get_logger(__name__)
SECRET_NAMES = {Platform.EVOLUTION: "webhook_secret", Platform.CHATWOOT: "webhook_secret",
                Platform.INSTAGRAM: "app_secret", Platform.TELEGRAM: "secret_token"}


@dataclass(frozen=True)
class WebhookCall:
    channel: str
    method: str
    body: bytes
    headers: dict[str, str]  # lower-case names
    query_string: str = ""
    client_ip: str = ""
    path_suffix: str = ""


@dataclass(frozen=True)
class WebhookAnswer:
    status: int
    body: bytes
    content_type: str = "application/json"


def _json_answer(http_status: int, **body: Any) -> WebhookAnswer:
    return WebhookAnswer(http_status, json.dumps(body).encode())


@functools.lru_cache(maxsize=64)
def _accepted(published: int, duplicates: int) -> WebhookAnswer:
    """The usual answer (nothing ignored), encoded once per count pair instead of once per webhook."""
    return _json_answer(200, status="accepted", published=published, duplicates=duplicates, ignored={})


def _error(status: int, error: str, detail: str) -> WebhookAnswer:
    return _json_answer(status, error=error, detail=detail)


@dataclass
class _Publications:
    published: int = 0
    duplicates: int = 0
    ignored: Counter[str] = field(default_factory=Counter)


class WebhookIntake:
    def __init__(self, settings: ServiceSettings, directory: AccountDirectory, records: DeliveryRecords,
                 bus: EventBus) -> None:
        self._settings = settings
        self._directory = directory
        self._records = records
        self._bus = bus
        self._receipts = DeliveryReceipts(records, bus)

    async def handle(self, call: WebhookCall) -> WebhookAnswer:
        try:
            platform = Platform(call.channel.lower())
        except ValueError:
            return _error(404, "not_found", f"unknown channel {call.channel!r}")
        webhooks_received(platform.channel).inc()
        started = time.perf_counter()
        try:
            return await self._handle(platform, call)
        except Exception:  # answered 500 so the platform delivers again; the trace is in the log
            log.exception("webhook_failed", channel=platform.channel)
            return _error(500, "internal_error", "the webhook could not be processed; deliver again later")
        finally:
            webhook_seconds(platform.channel).observe(time.perf_counter() - started)

    async def _handle(self, platform: Platform, call: WebhookCall) -> WebhookAnswer:
        method = call.method.upper()
        if method == "GET" and platform is Platform.INSTAGRAM:
            return await self._hub_handshake(call)
        if method != "POST":
            return _error(405, "method_not_allowed", f"{method} is not accepted on this webhook")
        media_type = call.headers.get("content-type", "").split(";", 1)[0].strip().lower()
        if media_type != "application/json" and not media_type.endswith("+json"):
            return self._reject(platform, call, 415, "unsupported_media_type",
                                f"expected application/json, got {media_type or 'no content type'}")
        try:
            payload = json.loads(call.body)
        except (ValueError, UnicodeDecodeError):
            return self._reject(platform, call, 400, "malformed_json", "the body is not valid JSON")
        if not isinstance(payload, dict):
            return self._reject(platform, call, 400, "malformed_json", "the body must be a JSON object")
        account = await self._account_of(platform, call, payload)
        rejection = self._authenticate(platform, account, call)
        if rejection is None and platform is Platform.INSTAGRAM:
            rejection = await self._authenticate_every_entry(account, call, payload)
        if rejection is not None:
            return self._reject(platform, call, 401, rejection.value, _REJECTION_TEXT[rejection])
        outcomes = self._normalize(platform, account, call, payload)
        if not self._bus.connected:  # answer at once: waiting for the publish timeout would cost seconds
            MESSAGES_PUBLISHED.labels(platform.channel, "error").inc()
            return _error(503, "service_unavailable", "the event stream is unavailable; deliver again later")
        try:
            result = await self._publish(platform, account, outcomes)
        except Exception as exc:
            log.warning("webhook_publish_failed", channel=platform.channel, error=str(exc))
            MESSAGES_PUBLISHED.labels(platform.channel, "error").inc()
            return _error(503, "service_unavailable", "the event stream is unavailable; deliver again later")
        if not result.ignored:
            return _accepted(result.published, result.duplicates)
        return _json_answer(200, status="accepted", published=result.published, duplicates=result.duplicates,
                            ignored=dict(result.ignored))

    def _reject(self, platform: Platform, call: WebhookCall, status: int, reason: str, detail: str) -> WebhookAnswer:
        WEBHOOKS_REJECTED.labels(platform.channel, reason).inc()
        log.warning("webhook_rejected", channel=platform.channel, reason=reason, status=status,
                    client_ip=call.client_ip, bytes=len(call.body))
        return _error(status, "unauthorized" if status == 401 else reason, detail)

    async def _hub_handshake(self, call: WebhookCall) -> WebhookAnswer:
        challenge = verify.hub_challenge(call.query_string, await self._directory.instagram_verify_tokens())
        if challenge is None:
            return self._reject(Platform.INSTAGRAM, call, 403, "bad_verify_token",
                                "hub.mode must be subscribe with our hub.verify_token")
        return WebhookAnswer(200, challenge.encode(), "text/plain")

    async def _account_of(self, platform: Platform, call: WebhookCall, payload: dict[str, Any]) -> ChannelAccount:
        if platform is Platform.EVOLUTION:
            return await self._directory.by_key(platform, str(payload.get("instance") or ""))
        if platform is Platform.CHATWOOT:
            return await self._directory.by_key(platform, norm.chatwoot_account_key(payload))
        if platform is Platform.INSTAGRAM:
            keys = norm.instagram_account_keys(payload)
            return await self._directory.by_key(platform, keys[0] if keys else "")
        suffix = call.path_suffix.strip("/")
        if suffix:  # /seller-bot/webhook/telegram/<bot id>
            return await self._directory.by_key(platform, suffix)
        return await self._directory.telegram_by_secret(call.headers.get("x-telegram-bot-api-secret-token", ""))

    def _authenticate(self, platform: Platform, account: ChannelAccount, call: WebhookCall) -> Rejection | None:
        secret = account.secret(SECRET_NAMES[platform])
        headers = call.headers
        if platform is Platform.CHATWOOT:
            require = bool(account.setting("require_signature", True))
            if not secret:
                return None if (self._settings.development or not require) else Rejection.NOT_CONFIGURED
            return verify.verify_chatwoot_signature(
                call.body, headers.get("x-chatwoot-signature", ""), headers.get("x-chatwoot-timestamp", ""),
                secret, time.time(), require)
        if not secret:
            # Nothing to check against: only a development stack accepts (warned at start).
            return None if self._settings.development else Rejection.NOT_CONFIGURED
        if platform is Platform.EVOLUTION:
            return verify.verify_evolution(headers, secret)
        if platform is Platform.INSTAGRAM:
            return verify.verify_meta_signature(call.body, headers.get("x-hub-signature-256", ""), secret)
        return verify.verify_telegram_secret(headers.get("x-telegram-bot-api-secret-token", ""), secret)

    async def _authenticate_every_entry(self, first: ChannelAccount, call: WebhookCall,
                                        payload: dict[str, Any]) -> Rejection | None:
        """A Meta batch is signed once; each IG account it names must trust that signature, or one seller's
        app secret could vouch for messages injected into another seller's account."""
        for key in set(norm.instagram_account_keys(payload)):
            account = await self._directory.by_key(Platform.INSTAGRAM, key)
            if account.id != first.id:
                rejection = self._authenticate(Platform.INSTAGRAM, account, call)
                if rejection is not None:
                    return rejection
        return None

    def _normalize(self, platform: Platform, account: ChannelAccount, call: WebhookCall,
                   payload: dict[str, Any]) -> list[norm.Outcome]:
        groups = bool(account.setting("accept_group_chats", self._settings.accept_group_chats))
        if platform is Platform.EVOLUTION:
            digest = hashlib.sha256(call.body).hexdigest()[:32]
            return norm.parse_evolution(payload, call.path_suffix, digest, groups)
        if platform is Platform.CHATWOOT:
            return norm.parse_chatwoot(payload, call.headers.get("x-chatwoot-delivery", ""),
                                       bool(account.setting("bot_mode", False)))
        if platform is Platform.INSTAGRAM:
            return norm.parse_instagram(payload)
        return norm.parse_telegram(payload, account.account_key, groups)

    async def _publish(self, platform: Platform, account: ChannelAccount,
                       outcomes: list[norm.Outcome]) -> _Publications:
        result = _Publications()
        pending: list[Any] = []
        for outcome in outcomes:
            if isinstance(outcome, norm.HumanTookOver) and await self._records.is_own_message(
                platform.value, outcome.platform_message_id):
                outcome = norm.Ignored(norm.IgnoreReason.OWN_MESSAGE, outcome.account_key)
            if isinstance(outcome, norm.Ignored):
                MESSAGES_IGNORED.labels(platform.channel, outcome.reason.value).inc()
                result.ignored[outcome.reason.value] += 1
                continue
            owner = account
            if platform is not Platform.TELEGRAM and outcome.account_key != account.account_key:
                owner = await self._directory.by_key(platform, outcome.account_key)
            if isinstance(outcome, norm.Receipt):
                receipt = await self._receipts.publish(platform, owner, outcome)
                if receipt.unknown:
                    MESSAGES_IGNORED.labels(platform.channel, norm.IgnoreReason.UNKNOWN_MESSAGE.value).inc()
                    result.ignored[norm.IgnoreReason.UNKNOWN_MESSAGE.value] += 1
                if receipt.stale:
                    MESSAGES_IGNORED.labels(platform.channel, norm.IgnoreReason.STALE_RECEIPT.value).inc(receipt.stale)
                    result.ignored[norm.IgnoreReason.STALE_RECEIPT.value] += receipt.stale
                result.published += receipt.published
                result.duplicates += receipt.duplicates
                continue
            pending.append(self._publish_one(platform, owner, outcome))
        # Most webhooks carry one message: awaited directly, without a task of its own.
        if not pending:
            return result
        acks = [await pending[0]] if len(pending) == 1 else await asyncio.gather(*pending)
        for ack in acks:
            result.duplicates += ack
            result.published += 1 - ack
        return result

    async def _publish_one(self, platform: Platform, owner: ChannelAccount,
                           outcome: norm.InboundText | norm.HumanTookOver) -> int:
        """Publish one event; returns 1 when JetStream recognised it as a duplicate."""
        channel = platform.channel
        if isinstance(outcome, norm.HumanTookOver):
            HANDOFFS_DETECTED.labels(channel).inc()
            handoff = events.HandoffRequested(
                event_id=f"{channel}:handoff:{outcome.dedupe_key}", user_id=owner.user_id,
                channel=platform.channel_enum, account_id=outcome.account_key, contact_id=outcome.contact_id,
                conversation_id=outcome.conversation_id, origin=events.HANDOFF_ORIGIN_HUMAN_AGENT,
                reason="human_agent_replied",
                summary=f"{outcome.agent_name or 'A human agent'} answered from {platform.value}",
                requested_at=now(),
            )
            ack = await self._bus.publish(Subjects.handoff(channel), handoff, handoff.event_id, owner.user_id)
            return int(bool(ack.duplicate))
        message = events.InboundMessage(
            event_id=f"{channel}:{outcome.dedupe_key}", user_id=owner.user_id, channel=platform.channel_enum,
            account_id=outcome.account_key, contact_id=outcome.contact_id, contact_name=outcome.contact_name,
            conversation_id=outcome.conversation_id, text=outcome.text, media_type=outcome.media_type,
            media_url=outcome.media_url, platform_message_id=outcome.platform_message_id,
            platform_timestamp=timestamp(outcome.platform_timestamp), received_at=now(),
            alternate_contact_id=outcome.alternate_contact_id,
        )
        if platform is Platform.INSTAGRAM:
            # before the publish: the reply to this message may be delivered before the publish returns here,
            # and it is refused unless the window is recorded (a message not published is delivered again)
            await self._remember_instagram_contact(outcome)
        subject = Subjects.inbound(channel, owner.user_id, outcome.contact_id)
        ack = await self._bus.publish(subject, message, message.event_id, owner.user_id)
        messages_published(channel, "duplicate" if ack.duplicate else "stored").inc()
        return int(bool(ack.duplicate))

    async def _remember_instagram_contact(self, outcome: norm.InboundText) -> None:
        at = outcome.platform_timestamp or datetime.now(UTC)
        try:
            await self._records.touch_instagram_contact(outcome.account_key, outcome.contact_id, at)
        except Exception as exc:  # the message is safe in JetStream; only the reply window may be missed
            log.warning("instagram_window_not_recorded", contact_id=outcome.contact_id, error=str(exc))


_REJECTION_TEXT = {
    Rejection.MISSING_SIGNATURE: "the delivery carries no signature",
    Rejection.BAD_SIGNATURE: "the signature does not match the body",
    Rejection.STALE_TIMESTAMP: "the signature timestamp is missing or older than 5 minutes",
    Rejection.MISSING_TOKEN: "the delivery carries no secret token",
    Rejection.BAD_TOKEN: "the secret token does not match",
    Rejection.EXPIRED_TOKEN: "the bearer token has expired",
    Rejection.NOT_CONFIGURED: "no webhook secret is configured for this account",
}
