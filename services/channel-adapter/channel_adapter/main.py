"""Start-up of the channel-adapter service: database, NATS streams, consumers, gRPC server and metrics port."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from pathlib import Path

import structlog
import uvloop
from sellerbot.channels.v1 import channel_adapter_pb2_grpc
from sellerbot_database import create_engine, run_migrations, session_factory
from sellerbot_grpc import GrpcServer, freeze_startup_heap, until_terminated
from sellerbot_messaging import EventBus
from sellerbot_telemetry import configure_telemetry
from sellerbot_telemetry.metrics_server import start_metrics_server
from sqlalchemy.ext.asyncio import AsyncEngine

from channel_adapter.adapters.account_directory import AccountDirectory
from channel_adapter.adapters.account_repository import AccountRepository
from channel_adapter.adapters.delivery_records import DeliveryRecords
from channel_adapter.adapters.platform_apis import PlatformApis
from channel_adapter.adapters.secret_box import SecretBox
from channel_adapter.delivery import ReplyDelivery
from channel_adapter.events.consumers import start_consumers
from channel_adapter.grpc_api.servicer import ChannelAdapterServicer
from channel_adapter.intake import SECRET_NAMES, WebhookIntake
from channel_adapter.settings import ServiceSettings

log = structlog.get_logger(__name__)
SERVICE_NAME = "channel-adapter"
GRPC_SERVICE = "sellerbot.channels.v1.ChannelAdapterService"
MIGRATIONS = Path(__file__).parent / "migrations"
STOP_SECONDS = 10.0


@dataclass
class RunningService:
    settings: ServiceSettings
    engine: AsyncEngine
    bus: EventBus
    apis: PlatformApis
    server: GrpcServer
    port: int
    intake: WebhookIntake
    delivery: ReplyDelivery
    directory: AccountDirectory

    async def stop(self) -> None:
        await self.server.stop(grace_seconds=2)
        try:  # draining NATS can stall on an in-flight pull request: never let it block shutdown
            await asyncio.wait_for(self.bus.close(), STOP_SECONDS)
        except TimeoutError:
            log.warning("nats_close_timed_out", seconds=STOP_SECONDS)
        await self.apis.close()
        await self.engine.dispose()


def _warn_unauthenticated(directory: AccountDirectory, settings: ServiceSettings) -> None:
    for platform, account in directory.defaults.items():
        if account.secret(SECRET_NAMES[platform]):
            continue
        if settings.development:
            log.warning("webhook_unauthenticated", channel=platform.value,
                        detail=f"no {SECRET_NAMES[platform]} configured: {platform.value} webhooks are accepted "
                        "without verification (development only; production refuses them)")
        else:
            log.warning("webhook_secret_missing", channel=platform.value,
                        detail=f"no {SECRET_NAMES[platform]} configured: default-account webhooks are refused")


async def start_service(settings: ServiceSettings, grpc_address: str | None = None) -> RunningService:
    """Everything the service runs, started; `grpc_address` overrides CHANNEL_ADAPTER_GRPC_ADDR (tests: :0)."""
    engine = create_engine(settings.url_for("channel_adapter"))
    await run_migrations(engine, MIGRATIONS, "alembic_version_channel_adapter")
    sessions = session_factory(engine)
    directory = AccountDirectory(AccountRepository(sessions, SecretBox(settings.secrets_key)), settings)
    records = DeliveryRecords(sessions)
    bus = await EventBus.connect(settings, SERVICE_NAME)
    await bus.ensure_streams()
    apis = PlatformApis(settings.outbound_timeout_seconds)
    intake = WebhookIntake(settings, directory, records, bus)
    delivery = ReplyDelivery(settings, directory, records, apis, bus)
    # A delivery may retry for a while: a queued hand-off or contact change waits behind one, so their ack deadline
    # outlasts the whole retry budget. Replies keep theirs alive while they are delivered (consumers.py).
    budget = settings.outbound_max_attempts * (settings.outbound_timeout_seconds
                                               + max(settings.outbound_backoff_max_seconds,
                                                     settings.outbound_retry_after_max_seconds))
    start_consumers(bus, delivery, ack_wait_seconds=max(60.0, budget * 1.5))
    servicer = ChannelAdapterServicer(settings, intake, directory, records, delivery, bus)
    server = GrpcServer([GRPC_SERVICE], registrations=[
        lambda s: channel_adapter_pb2_grpc.add_ChannelAdapterServiceServicer_to_server(servicer, s)],
        untraced_methods=("HandleWebhooks",))
    port = await server.start(grpc_address or settings.channel_adapter_grpc_addr)
    _warn_unauthenticated(directory, settings)
    return RunningService(settings, engine, bus, apis, server, port, intake, delivery, directory)


async def serve(settings: ServiceSettings) -> None:
    service = await start_service(settings)
    freeze_startup_heap()
    await until_terminated()
    log.info("service_stopping", service=SERVICE_NAME)
    await service.stop()


def run() -> None:
    settings = ServiceSettings()
    configure_telemetry(SERVICE_NAME, settings)
    start_metrics_server(settings.channel_adapter_metrics_port)
    # uvloop: the event loop runs every webhook's callbacks (gRPC, NATS), and its loop costs a fraction of asyncio's.
    uvloop.run(serve(settings))
