"""Start-up of the automation service: database, Redis, NATS, the worker supervisor, gRPC and metrics."""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass

import structlog
from sellerbot.automation.v1 import automation_pb2_grpc
from sellerbot_grpc import GrpcServer, freeze_startup_heap, until_terminated
from sellerbot_messaging import EventBus
from sellerbot_telemetry import configure_telemetry
from sellerbot_telemetry.metrics_server import start_metrics_server

from automation.adapters.browser.chromium import sweep_orphans
from automation.components import SERVICE_NAME, Components
from automation.grpc_api.servicer import AutomationServicer
from automation.settings import ServiceSettings
from automation.usecases.profiles import ProfileService
from automation.usecases.schedules import ScheduleService
from automation.usecases.shop_connections import ShopConnectionService
from automation.usecases.tasks import TaskService
from automation.worker.scheduler import Scheduler
from automation.worker.supervisor import WorkerSupervisor

log = structlog.get_logger(__name__)
GRPC_SERVICE = "sellerbot.automation.v1.AutomationService"


@dataclass
class AutomationApp:
    components: Components
    supervisor: WorkerSupervisor
    profiles: ProfileService
    tasks: TaskService
    scheduler: Scheduler
    server: GrpcServer
    bus_connect: asyncio.Task[EventBus | None]
    port: int = 0

    @classmethod
    async def start(cls, settings: ServiceSettings) -> AutomationApp:
        components = await Components.build(settings, None)
        await asyncio.to_thread(sweep_orphans)  # Chromium left behind by a crashed process of ours
        bus_connect = asyncio.create_task(connect_bus(settings, components), name="nats-connect")
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(asyncio.shield(bus_connect), timeout=5)
        if not bus_connect.done():
            log.warning("nats_unavailable_events_deferred", nats_url=settings.nats_url)
        supervisor = WorkerSupervisor(components)
        profiles = ProfileService(components)
        tasks = TaskService(components, supervisor)
        scheduler = Scheduler(components, tasks)
        servicer = AutomationServicer(profiles, tasks, supervisor, ScheduleService(components),
                                      ShopConnectionService(components))
        server = GrpcServer([GRPC_SERVICE], registrations=[
            lambda s: automation_pb2_grpc.add_AutomationServiceServicer_to_server(servicer, s)])
        app = cls(components, supervisor, profiles, tasks, scheduler, server, bus_connect)
        app.port = await server.start(settings.automation_grpc_addr)
        await supervisor.start()
        scheduler.start()
        log.info("automation_started", grpc_port=app.port, process_id=components.process_id,
                 status_store=components.status.backend)
        return app

    async def stop(self) -> None:
        await self.server.stop(grace_seconds=2)
        await self.scheduler.stop()
        await self.supervisor.shutdown()
        await self.profiles.close()
        await self.components.close()
        if not self.bus_connect.done():
            self.bus_connect.cancel()
        with contextlib.suppress(BaseException):
            bus = await self.bus_connect
            if bus is not None:
                await bus.close()


async def connect_bus(settings: ServiceSettings, components: Components) -> EventBus | None:
    """Events are best effort: the service automates without NATS and publishes once NATS is reachable."""
    try:
        bus = await EventBus.connect(settings, SERVICE_NAME)  # retries until NATS answers
    except Exception as exc:
        log.warning("nats_unavailable_events_disabled", nats_url=settings.nats_url, error=str(exc))
        return None
    try:
        await bus.ensure_streams()
    except Exception as exc:  # e.g. JetStream out of storage: publishing may still work on existing streams
        log.warning("nats_streams_not_ensured", nats_url=settings.nats_url, error=str(exc))
    components.events.bus = bus
    components.shop_events.bus = bus
    log.info("nats_connected_events_enabled", nats_url=settings.nats_url)
    return bus


async def serve(settings: ServiceSettings) -> None:
    app = await AutomationApp.start(settings)
    freeze_startup_heap()
    await until_terminated()
    log.info("service_stopping", service=SERVICE_NAME)
    await app.stop()


def run() -> None:
    settings = ServiceSettings()
    configure_telemetry(SERVICE_NAME, settings)
    start_metrics_server(settings.automation_metrics_port)
    asyncio.run(serve(settings))
