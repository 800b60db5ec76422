"""Start-up of the chatbot service: database migrations, Redis contexts, the intent model, the gRPC
server (with health), the JetStream consumers (inbound ones per leased partition, the SHOP read models), the
idle-handoff sweeper and the metrics port."""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
import uuid
from collections.abc import Awaitable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import structlog
import uvloop
from grpc_health.v1 import health_pb2
from sellerbot.chatbot.v1 import chatbot_pb2_grpc, inbox_pb2_grpc
from sellerbot.events.v1 import conversation_events_pb2 as ev
from sellerbot_database import async_url, create_engine, run_migrations, session_factory
from sellerbot_grpc import GrpcServer, freeze_startup_heap, until_terminated
from sellerbot_messaging import EventBus, Subjects
from sellerbot_messaging.streams import CONVERSATIONS
from sellerbot_telemetry import configure_telemetry
from sellerbot_telemetry.metrics_server import start_metrics_server
from sqlalchemy import Connection, event
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from chatbot.adapters.context_store import ContextStore
from chatbot.adapters.llm import LlmEndpoint, ReplyWriter
from chatbot.adapters.repository import ChatbotRepository
from chatbot.adapters.repository.base import READER
from chatbot.adapters.repository.human_inbox import HumanInboxStore
from chatbot.adapters.repository.shop import ShopStore
from chatbot.adapters.secret_box import SettingsSecrets
from chatbot.crm.order_lookup import CrmOrderLookup
from chatbot.crm.webhooks import WebhookPolicy
from chatbot.crm.wiring import CRM_GRPC_SERVICE, build_crm, purge_expired_merges
from chatbot.domain.intents import default_model
from chatbot.events.conversation_signals import ConversationSignals
from chatbot.events.inbound import InboundPipeline
from chatbot.events.inbound_consumers import InboundConsumers
from chatbot.events.partitions import PartitionLeases
from chatbot.events.publisher import ConversationEvents
from chatbot.events.shop_events import ShopReadModels
from chatbot.grpc_api.inbox_servicer import InboxServicer
from chatbot.grpc_api.servicer import ChatbotServicer
from chatbot.profiles import SellerProfiles
from chatbot.reports import Reports
from chatbot.seller_bot import ProfessionalSellerBot
from chatbot.settings import DATABASE_POOL_SIZE, ServiceSettings
from chatbot.usecases.attribution import SalesAttribution
from chatbot.usecases.human_inbox import HumanInbox

log = structlog.get_logger(__name__)
SERVICE_NAME = "chatbot"
GRPC_SERVICE = "sellerbot.chatbot.v1.ChatbotService"
INBOX_GRPC_SERVICE = "sellerbot.chatbot.v1.InboxService"  # the human inbox, same process
CONTEXT_STORE_HEALTH = "chatbot.context_store"
MIGRATIONS = Path(__file__).parent / "adapters" / "migrations"
# Kept open (and prepared at start; CHATBOT_DATABASE_POOL_SIZE, default 20): the inbound consumer stores 16
# events at once while answers load and record turns; connections beyond the pool are opened for a burst and
# closed after it, which turned one slow commit into dozens of connects. N replicas hold N x that many
# connections of PostgreSQL's max_connections (100 by default).
POOL_OVERFLOW = 10


@dataclass
class ChatbotService:
    """Everything the running service holds; tests start it in-process with their own settings."""

    settings: ServiceSettings
    engine: AsyncEngine
    bot: ProfessionalSellerBot
    pipeline: InboundPipeline
    server: GrpcServer
    bus: EventBus | None
    writer: ReplyWriter
    background: list[asyncio.Task[None]] = field(default_factory=list)
    port: int = 0
    leases: PartitionLeases | None = None

    async def stop(self) -> None:
        """Shut down in a bounded time: a dependency that stopped answering (NATS, Redis) delays each step by
        at most its limit, never hangs the process (the leases it could not release expire)."""
        if self.leases is not None:  # first: the other replicas take this one's partitions at once
            await _bounded(self.leases.stop(), SHUTDOWN_STEP_SECONDS, "release_partitions")
        for task in self.background:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        await self.server.stop(grace_seconds=1)
        await _bounded(self.bot.drain(), SHUTDOWN_STEP_SECONDS, "drain_updates")
        if self.bus:
            await self.bus.close()
        await self.pipeline.close()
        await self.bot.contexts.close()
        await self.writer.close()
        await self.engine.dispose()


async def start(settings: ServiceSettings, *, with_consumers: bool = True) -> ChatbotService:
    engine = _engine(settings.url_for(SERVICE_NAME), settings.chatbot_database_pool_size)
    await run_migrations(engine, MIGRATIONS, "alembic_version_chatbot")
    repository = ChatbotRepository(session_factory(engine))
    await repository.prepare_connections(settings.chatbot_database_pool_size)
    contexts = ContextStore.from_url(settings.redis_url)
    writer = ReplyWriter(settings.llm_timeout_seconds, settings.llm_breaker_failures,
                         settings.llm_breaker_open_seconds)
    bus = await EventBus.connect(settings, SERVICE_NAME)
    await bus.ensure_streams()
    default_llm = LlmEndpoint(settings.openai_base_url, settings.openai_api_key, settings.openai_model)
    writer.prepare(default_llm)
    shop = ShopStore(session_factory(engine))
    bot = ProfessionalSellerBot(
        repository, SellerProfiles(repository, SettingsSecrets(settings.secrets_key)), contexts, writer,
        ConversationEvents(bus), default_llm,
        await asyncio.to_thread(default_model), orders=CrmOrderLookup(shop),
    )
    pipeline = InboundPipeline(bot)
    servicer = ChatbotServicer(bot, Reports(repository))
    inbox = InboxServicer(HumanInbox(bot, HumanInboxStore(session_factory(engine)), ConversationEvents(bus)))
    crm = build_crm(engine, bot, bus, settings.channel_adapter_grpc_addr, WebhookPolicy(
        settings.crm_webhook_max_attempts, settings.crm_webhook_backoff_seconds,
        settings.crm_webhook_backoff_max_seconds, settings.crm_webhook_timeout_seconds))
    server = GrpcServer([GRPC_SERVICE, INBOX_GRPC_SERVICE, CRM_GRPC_SERVICE], registrations=[
        lambda s: chatbot_pb2_grpc.add_ChatbotServiceServicer_to_server(servicer, s),
        lambda s: inbox_pb2_grpc.add_InboxServiceServicer_to_server(inbox, s), crm.register])
    service = ChatbotService(settings, engine, bot, pipeline, server, bus, writer)
    service.port = await server.start(settings.chatbot_grpc_addr)
    if with_consumers:
        attribution = SalesAttribution(bot, shop, crm.contacts.store)
        signals = ConversationSignals(bot, attribution)
        ShopReadModels(shop, bot.profiles, attribution).consume(bus)
        bus.consume(Subjects.HANDOFF_ALL, "chatbot-handoff", ev.HandoffRequested, signals.on_handoff,
                    stream=CONVERSATIONS)
        bus.consume(Subjects.ORDER_PLACED, "chatbot-orders", ev.OrderPlaced, signals.on_order, stream=CONVERSATIONS)
        bus.consume(Subjects.DELIVERY_ALL, "chatbot-delivery", ev.ReplyDelivered, signals.on_delivery,
                    stream=CONVERSATIONS)
        crm.consume(bus)
        service.background.append(asyncio.create_task(crm.webhooks.run()))
        service.background.append(
            asyncio.create_task(purge_expired_merges(crm.contacts, settings.crm_merge_purge_seconds)))
        consumers = InboundConsumers(bus, pipeline, recheck_after=settings.chatbot_partition_lease_seconds * 2)
        service.leases = PartitionLeases(
            bus, settings.chatbot_replica_id or _replica_id(), consumers.acquired, consumers.released,
            lease_seconds=settings.chatbot_partition_lease_seconds)
        await service.leases.start()
        service.background.append(consumers.sweep())
        service.background.append(asyncio.create_task(_sweep_idle(bot, settings.chatbot_idle_sweep_seconds)))
        log.info("chatbot_started", port=service.port, replica=service.leases.replica_id,
                 partitions=sorted(service.leases.owned), llm="configured" if settings.openai_api_key else "offline")
    service.background.append(asyncio.create_task(_report_context_store(server, contexts)))
    return service


SHUTDOWN_STEP_SECONDS = 10.0


async def _bounded(step: Awaitable[None], seconds: float, name: str) -> None:
    try:
        await asyncio.wait_for(step, seconds)
    except TimeoutError:
        log.warning("shutdown_step_timed_out", step=name, seconds=seconds)
    except Exception as exc:
        log.warning("shutdown_step_failed", step=name, error=str(exc))


def _replica_id() -> str:
    """Unique per process: a restarted replica is a new member (its old leases expire, never reused)."""
    return f"{socket.gethostname()}-{os.getpid()}-{uuid.uuid4().hex[:6]}".replace(".", "-")


def _engine(url: str, pool_size: int = DATABASE_POOL_SIZE) -> AsyncEngine:
    """PostgreSQL without a ping on every checkout: a turn opens several short sessions, and the pool's
    pre-ping doubled their round trips. Dead connections are still recycled (pool_recycle) and fail over
    to a fresh one on error."""
    if url.startswith("sqlite"):
        return _sqlite_engine(url)
    return create_async_engine(async_url(url), pool_size=pool_size, max_overflow=POOL_OVERFLOW, pool_recycle=300)


def _sqlite_engine(url: str) -> AsyncEngine:
    """SQLite (`make run`): one connection, so this process's statements queue on the event loop instead of
    in SQLite's busy handler (which sleeps 1 to 100 ms between retries: with several connections a burst of
    messages spent its time there). Write transactions start with BEGIN IMMEDIATE: a transaction that read
    first and then wrote would fail at once (SQLITE_BUSY_SNAPSHOT, no retry) when another process sharing
    the file (a second replica) wrote in between; taking the write lock first makes it wait its turn.
    synchronous=NORMAL (WAL): a commit is not flushed to the disk on its own (checkpoints are); every message
    costs two commits and each flush took 10-30 ms on a busy disk, which capped the whole stack at ~35
    replies/s. A killed process loses nothing; a power cut or OS crash may lose the last commits (use
    PostgreSQL where that matters)."""
    engine = create_engine(url, pool_size=1, max_overflow=0, pool_timeout=120)

    @event.listens_for(engine.sync_engine, "connect")
    def _no_implicit_begin(dbapi_connection: Any, _: Any) -> None:
        dbapi_connection.isolation_level = None  # the driver's own BEGIN (deferred) is replaced below
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _begin_immediate(conn: Connection) -> None:
        options = conn.get_execution_options()
        if options.get("isolation_level") != "AUTOCOMMIT" and not options.get(READER):
            conn.exec_driver_sql("BEGIN IMMEDIATE")

    return engine


async def _sweep_idle(bot: ProfessionalSellerBot, every: float) -> None:
    while True:
        await asyncio.sleep(every)
        try:
            released = await bot.release_idle()
            if released:
                log.info("handoffs_released_idle", count=released)
        except Exception as exc:  # a database hiccup must not stop the sweeper
            log.warning("idle_sweep_failed", error=str(exc))


async def _report_context_store(server: GrpcServer, contexts: ContextStore) -> None:
    """gRPC health `chatbot.context_store`: NOT_SERVING while contexts live in memory (Redis down)."""
    reported: bool | None = None
    while True:
        degraded = contexts.degraded
        if degraded != reported:
            status = (health_pb2.HealthCheckResponse.NOT_SERVING if degraded
                      else health_pb2.HealthCheckResponse.SERVING)
            await server.health.set(CONTEXT_STORE_HEALTH, status)
            reported = degraded
        await asyncio.sleep(1)


async def serve(settings: ServiceSettings) -> None:
    service = await start(settings)
    freeze_startup_heap()
    await until_terminated()
    log.info("service_stopping", service=SERVICE_NAME)
    await service.stop()


def run() -> None:
    settings = ServiceSettings()
    configure_telemetry(SERVICE_NAME, settings)
    start_metrics_server(settings.chatbot_metrics_port)
    # uvloop: every turn is a chain of socket round trips (NATS, PostgreSQL, Redis, the LLM), and uvloop's
    # event loop and transports cost a fraction of asyncio's.
    uvloop.run(serve(settings))
