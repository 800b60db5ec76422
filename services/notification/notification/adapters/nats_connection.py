"""One NATS connection per replica that reconnects forever, and the lib's EventBus on top of it."""

from __future__ import annotations

import asyncio

import nats
import structlog
from nats.aio.client import Client as NatsClient
from sellerbot_messaging import EventBus, MessagingSettings

log = structlog.get_logger(__name__)


async def connect_nats(settings: MessagingSettings, client_name: str, first_connect_deadline: float = 60) -> NatsClient:
    """Connect (retrying for `first_connect_deadline` seconds at start), then reconnect forever."""

    async def on_error(exc: Exception) -> None:
        log.warning("nats_error", error=str(exc))

    async def on_disconnect() -> None:
        log.warning("nats_disconnected")

    async def on_reconnect() -> None:
        log.info("nats_reconnected")

    loop = asyncio.get_running_loop()
    deadline = loop.time() + first_connect_deadline
    while True:
        try:
            return await nats.connect(
                settings.nats_url, name=client_name, max_reconnect_attempts=-1, reconnect_time_wait=0.5,
                connect_timeout=3, error_cb=on_error, disconnected_cb=on_disconnect,
                reconnected_cb=on_reconnect, pending_size=64 * 1024**2,
            )
        except Exception as exc:
            if loop.time() > deadline:
                raise
            log.warning("nats_connect_retry", url=settings.nats_url, error=str(exc))
            await asyncio.sleep(1)


def event_bus(nc: NatsClient, settings: MessagingSettings) -> EventBus:
    return EventBus(nc, nc.jetstream(timeout=5), settings.nats_namespace)
