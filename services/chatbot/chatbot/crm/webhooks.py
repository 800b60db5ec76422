"""The outbound CRM webhook: each CRM event of a shop with `crm_webhook.url` configured is queued in the
outbox table, then POSTed as JSON signed with HMAC-SHA256 over `"{timestamp}.{body}"`, retried with
exponential backoff (tenacity); after the last attempt it is a dead letter until the seller retries it."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import json
import time
import uuid
from dataclasses import dataclass

import httpx
import structlog
from tenacity import AsyncRetrying, retry_if_exception_type, stop_after_attempt, wait_exponential

from chatbot.adapters.crm_tables import CrmWebhookDeliveryRow
from chatbot.adapters.repository.base import utcnow
from chatbot.adapters.repository.crm import WebhookOutbox
from chatbot.crm.events import CrmEvent
from chatbot.crm.metrics import CRM_ERRORS, CRM_WEBHOOK_DEAD_LETTERS, CRM_WEBHOOK_DELIVERIES
from chatbot.domain.config import CrmWebhook
from chatbot.profiles import SellerProfiles

log = structlog.get_logger(__name__)
SIGNATURE_HEADER = "X-SellerBot-Signature"  # "sha256=<hex of HMAC-SHA256(secret, f'{timestamp}.{body}')>"
TIMESTAMP_HEADER = "X-SellerBot-Timestamp"  # unix seconds; receivers should refuse old ones (replay)


class DeliveryFailed(Exception):
    pass


@dataclass(frozen=True)
class WebhookPolicy:
    max_attempts: int = 5
    backoff_seconds: float = 1.0
    backoff_max_seconds: float = 30.0
    timeout_seconds: float = 5.0
    poll_seconds: float = 2.0


def signature(secret: str, timestamp: str, body: bytes) -> str:
    digest = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


class CrmWebhooks:
    def __init__(self, outbox: WebhookOutbox, profiles: SellerProfiles, policy: WebhookPolicy) -> None:
        self._outbox = outbox
        self._profiles = profiles
        self._policy = policy
        self._client = httpx.AsyncClient(timeout=policy.timeout_seconds, follow_redirects=False)
        self._wake = asyncio.Event()
        self._queueing: set[asyncio.Task[None]] = set()

    def publish(self, event: CrmEvent) -> None:
        """Called by the contact and order books (never blocks them; the outbox write runs beside)."""
        task = asyncio.create_task(self._enqueue(event))
        self._queueing.add(task)
        task.add_done_callback(self._queueing.discard)

    async def _enqueue(self, event: CrmEvent) -> None:
        try:
            hook = (await self._profiles.get(event.user_id)).settings.crm_webhook
            if not hook.url or (hook.events and event.kind.value not in hook.events):
                return
            now = utcnow()
            delivery_id = str(uuid.uuid4())
            await self._outbox.enqueue(CrmWebhookDeliveryRow(
                id=delivery_id, user_id=event.user_id, contact_ref=event.contact, kind=event.kind.value,
                payload=event.payload(delivery_id, now), status="pending", attempts=0, last_error="",
                created_at=now, updated_at=now))
            self._wake.set()
        except Exception as exc:
            CRM_ERRORS.labels("webhook_enqueue").inc()
            log.warning("crm_webhook_not_queued", kind=event.kind.value, error=str(exc))

    async def run(self) -> None:
        """The sender: claims queued deliveries (replicas share the outbox) and sends them."""
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self._policy.poll_seconds)
            self._wake.clear()
            try:
                rows = await self._outbox.claim()
                await asyncio.gather(*(self._deliver(row) for row in rows))
                CRM_WEBHOOK_DEAD_LETTERS.set(await self._outbox.dead_count())
            except Exception as exc:  # the database may be away for a while; the outbox waits
                CRM_ERRORS.labels("webhook_sender").inc()
                log.warning("crm_webhook_sender_failed", error=str(exc))

    async def _deliver(self, row: CrmWebhookDeliveryRow) -> None:
        hook = (await self._profiles.get(row.user_id)).settings.crm_webhook
        if not hook.url:
            await self._outbox.finish(row.id, "dead", 0, "no crm_webhook.url configured")
            return
        body = json.dumps(row.payload, ensure_ascii=False, separators=(",", ":")).encode()
        attempts = 0
        try:
            async for attempt in AsyncRetrying(
                stop=stop_after_attempt(self._policy.max_attempts),
                wait=wait_exponential(multiplier=self._policy.backoff_seconds, max=self._policy.backoff_max_seconds),
                retry=retry_if_exception_type(DeliveryFailed), reraise=True,
            ):
                with attempt:
                    attempts += 1
                    await self._post(hook, row, body)
        except DeliveryFailed as exc:
            CRM_WEBHOOK_DELIVERIES.labels("dead").inc()
            log.warning("crm_webhook_dead", delivery=row.id, kind=row.kind, attempts=attempts, error=str(exc))
            await self._outbox.finish(row.id, "dead", attempts, str(exc))
            return
        CRM_WEBHOOK_DELIVERIES.labels("delivered").inc()
        await self._outbox.finish(row.id, "delivered", attempts, "")

    async def _post(self, hook: CrmWebhook, row: CrmWebhookDeliveryRow, body: bytes) -> None:
        timestamp = str(int(time.time()))
        headers = {"Content-Type": "application/json", TIMESTAMP_HEADER: timestamp,
                   SIGNATURE_HEADER: signature(hook.secret, timestamp, body), "X-SellerBot-Event": row.kind,
                   "X-SellerBot-Delivery": row.id}
        try:
            response = await self._client.post(hook.url, content=body, headers=headers)
        except httpx.HTTPError as exc:
            CRM_WEBHOOK_DELIVERIES.labels("failed_attempt").inc()
            raise DeliveryFailed(f"{type(exc).__name__}: {exc}") from exc
        if not response.is_success:
            CRM_WEBHOOK_DELIVERIES.labels("failed_attempt").inc()
            raise DeliveryFailed(f"HTTP {response.status_code}")

    async def close(self) -> None:
        await self._client.aclose()
