"""Start-up of the notification service: gRPC server (with health), NATS streams and the metrics port."""

from __future__ import annotations

import asyncio
import signal

import structlog
from sellerbot_grpc import GrpcServer
from sellerbot_messaging import EventBus
from sellerbot_telemetry import configure_telemetry
from sellerbot_telemetry.metrics_server import start_metrics_server

from notification.settings import ServiceSettings

log = structlog.get_logger(__name__)
SERVICE_NAME = "notification"
GRPC_SERVICE = "sellerbot.notification.v1.NotificationService"


async def serve(settings: ServiceSettings) -> None:
    bus = await EventBus.connect(settings, SERVICE_NAME)
    await bus.ensure_streams()
    server = GrpcServer([GRPC_SERVICE], registrations=[])
    await server.start(settings.notification_grpc_addr)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()
    log.info("service_stopping", service=SERVICE_NAME)
    await server.stop()
    await bus.close()


def run() -> None:
    settings = ServiceSettings()
    configure_telemetry(SERVICE_NAME, settings)
    start_metrics_server(settings.notification_metrics_port)
    asyncio.run(serve(settings))
