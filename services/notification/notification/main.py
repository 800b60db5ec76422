"""Start-up of the notification service: NATS readers (translation, fan-out), gRPC server, metrics port."""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import structlog
from nats.aio.client import Client as NatsClient
from nats.js import JetStreamContext
from sellerbot.notification.v1 import notification_pb2_grpc
from sellerbot_grpc import GrpcServer, freeze_startup_heap, until_terminated
from sellerbot_messaging import EventBus, Subjects
from sellerbot_messaging.streams import BOT, CONVERSATIONS
from sellerbot_telemetry import configure_telemetry
from sellerbot_telemetry.metrics_server import start_metrics_server

from notification.adapters.nats_connection import connect_nats, event_bus
from notification.adapters.notification_log import NotificationLog, Retention
from notification.adapters.ordered_reader import OrderedReader
from notification.domain.subscriptions import SubscriptionHub
from notification.events.fanout import FanOut
from notification.events.translator import EventTranslator
from notification.grpc_api.servicer import NotificationServicer
from notification.settings import ServiceSettings

log = structlog.get_logger(__name__)
SERVICE_NAME = "notification"
GRPC_SERVICE = "sellerbot.notification.v1.NotificationService"


@dataclass
class NotificationRuntime:
    """One running replica: its NATS connection, readers, subscriptions and gRPC server."""

    settings: ServiceSettings
    nc: NatsClient
    hub: SubscriptionHub
    server: GrpcServer
    readers: list[OrderedReader]
    port: int = 0
    tasks: list[asyncio.Task[None]] = field(default_factory=list)

    @classmethod
    async def start(cls, settings: ServiceSettings) -> NotificationRuntime:
        nc = await connect_nats(settings, f"{SERVICE_NAME}-{settings.notification_replica_id}")
        bus = event_bus(nc, settings)
        await bus.ensure_streams((BOT, CONVERSATIONS))
        js = nc.jetstream(timeout=5)
        notifications = NotificationLog(js, bus, settings.nats_namespace, Retention(
            max_age=timedelta(seconds=settings.notification_retention_seconds),
            max_per_user=settings.notification_retention_per_user,
            max_bytes=settings.notification_retention_max_bytes,
        ))
        await notifications.ensure_stream()
        position = await notifications.position()
        hub = SubscriptionHub(position=position.last_seq)
        readers = _readers(nc, js, bus, settings, notifications, hub, position.last_seq)
        servicer = NotificationServicer(hub, notifications, settings.notification_replica_id,
                                        settings.notification_max_pending, settings.notification_heartbeat_seconds)
        server = GrpcServer([GRPC_SERVICE], registrations=[
            lambda s: notification_pb2_grpc.add_NotificationServiceServicer_to_server(servicer, s)])
        runtime = cls(settings, nc, hub, server, readers)
        runtime.tasks = [asyncio.create_task(r.run(), name=f"reader:{r.name}") for r in readers]
        runtime.tasks.append(asyncio.create_task(notifications.sweep_unacked(), name="sweep-unacked"))
        runtime.port = await server.start(settings.notification_grpc_addr)
        log.info("notification_started", replica=settings.notification_replica_id, port=runtime.port,
                 position=position.last_seq)
        return runtime

    async def stop(self) -> None:
        # The server cancels the open streams; subscribers see the stream break and resubscribe (with their
        # last id) to another replica. Cancelling is cheap; aborting each stream with a status costs a
        # traceback per stream and held the loop for seconds with a thousand of them.
        await self.server.stop(grace_seconds=0.5)
        for task in self.tasks:
            task.cancel()
        for task in self.tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        with contextlib.suppress(Exception):
            await asyncio.wait_for(self.nc.drain(), 5)
        with contextlib.suppress(Exception):
            await self.nc.close()


def _readers(nc: NatsClient, js: JetStreamContext, bus: EventBus, settings: ServiceSettings,
             notifications: NotificationLog, hub: SubscriptionHub, position: int) -> list[OrderedReader]:
    """Two translators (BOT, CONVERSATIONS -> NOTIFICATIONS) and the fan-out (NOTIFICATIONS -> subscribers)."""
    translator = EventTranslator(notifications, settings.nats_namespace,
                                 timedelta(seconds=settings.stale_after_seconds))
    catch_up_from = datetime.now(UTC) - timedelta(seconds=settings.notification_catch_up_seconds)
    heartbeat = settings.notification_consumer_heartbeat_seconds
    translators = [
        OrderedReader(nc, js, stream=bus.stream_name(spec), filter_subject=bus.subject(subjects),
                      handler=translator.handle, name=f"translate-{spec.name.lower()}", start_time=catch_up_from,
                      heartbeat_seconds=heartbeat)
        for spec, subjects in ((BOT, Subjects.BOT_ALL), (CONVERSATIONS, "conversations.>"))
    ]
    fan_out = OrderedReader(nc, js, stream=notifications.stream, filter_subject=notifications.all_subjects,
                            handler=FanOut(hub).handle, name="fan-out", start_seq=position + 1,
                            heartbeat_seconds=heartbeat)
    return [*translators, fan_out]


async def serve(settings: ServiceSettings) -> None:
    runtime = await NotificationRuntime.start(settings)
    freeze_startup_heap()
    await until_terminated()
    log.info("service_stopping", service=SERVICE_NAME)
    await runtime.stop()


def run() -> None:
    settings = ServiceSettings()
    configure_telemetry(SERVICE_NAME, settings)
    start_metrics_server(settings.notification_metrics_port)
    asyncio.run(serve(settings))
