"""Channel-adapter under test: the real service (PostgreSQL, NATS JetStream, gRPC) with the four platform fakes
served over HTTP, and the real gateway app in front of it (in-process ASGI)."""

from __future__ import annotations

import asyncio
import contextlib
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
from api_gateway.main import create_app
from api_gateway.settings import GatewaySettings
from channel_adapter.main import RunningService, start_service
from channel_adapter.settings import ServiceSettings
from google.protobuf.message import Message
from sellerbot.events.v1 import conversation_events_pb2 as events
from sellerbot_devstack.servers import start_nats
from sellerbot_fakes import chatwoot_fake, evolution_fake, graph_fake, telegram_fake
from sellerbot_fakes.platform_fake import ServedFake
from sellerbot_messaging import EventBus, EventMeta, MessagingSettings, Subjects
from sellerbot_messaging.streams import BOT, CONVERSATIONS, DEAD_LETTERS

ADMIN_EMAIL = "admin@channels.test"
ADMIN_PASSWORD = "admin-password-123"
EVOLUTION_SECRET = "evo-webhook-secret-0123456789abcdef"
CHATWOOT_SECRET = "chatwoot-webhook-secret"
INSTAGRAM_APP_SECRET = "ig-app-secret"
INSTAGRAM_VERIFY_TOKEN = "ig-verify-token"
TELEGRAM_SECRET = "tg_secret-token"
TELEGRAM_BOT_TOKEN = "7000001:AAtestbottoken"


@pytest.fixture(scope="session")
def nats_url() -> Iterator[str]:
    """A private JetStream server for this suite: every test namespace reserves its streams' max_bytes
    (~1.75 GiB), and a server shared by many suites runs out of reservable storage."""
    server = start_nats()
    yield server.url
    server.stop()


@pytest.fixture(autouse=True)
async def _drop_namespace_streams(nats_url: str, nats_namespace: str) -> AsyncIterator[None]:
    """Delete this test's streams afterwards: each namespace reserves ~1.75 GiB of JetStream storage (the
    streams' max_bytes), and a shared server refuses new streams once the reservations exceed its disk."""
    yield
    import nats

    connection = await nats.connect(nats_url)
    try:
        js = connection.jetstream()
        for spec in (CONVERSATIONS, DEAD_LETTERS, BOT):
            with contextlib.suppress(Exception):
                await js.delete_stream(f"{nats_namespace}_{spec.name}")
    finally:
        await connection.close()


@dataclass
class Fakes:
    evolution: ServedFake
    chatwoot: ServedFake
    graph: ServedFake
    telegram: ServedFake

    def all(self) -> list[ServedFake]:
        return [self.evolution, self.chatwoot, self.graph, self.telegram]


@pytest.fixture(scope="session")
async def served_fakes() -> AsyncIterator[Fakes]:
    fakes = Fakes(
        evolution=await ServedFake.start(evolution_fake.create_app()),
        chatwoot=await ServedFake.start(chatwoot_fake.create_app()),
        graph=await ServedFake.start(graph_fake.create_app()),
        telegram=await ServedFake.start(telegram_fake.create_app()),
    )
    yield fakes
    for fake in fakes.all():
        await fake.stop()


@pytest.fixture
def fakes(served_fakes: Fakes) -> Fakes:
    for fake in served_fakes.all():
        fake.state.requests.clear()
        fake.heal()
    return served_fakes


@pytest.fixture
def adapter_settings(postgres_url: str, nats_url: str, nats_namespace: str,
                     fakes: Fakes) -> Callable[..., ServiceSettings]:
    def build(**overrides: Any) -> ServiceSettings:
        values: dict[str, Any] = {
            "database_url": postgres_url, "nats_url": nats_url, "nats_namespace": nats_namespace,
            "secrets_key": "test-secrets-key-0123456789",
            "evolution_api_url": fakes.evolution.url, "evolution_api_key": "evo-global-key",
            "evolution_webhook_secret": EVOLUTION_SECRET,
            "chatwoot_url": fakes.chatwoot.url, "chatwoot_api_token": "cw-agent-bot-token",
            "chatwoot_webhook_secret": CHATWOOT_SECRET,
            "instagram_graph_url": f"{fakes.graph.url}/v23.0", "instagram_access_token": "IGAAtoken",
            "instagram_app_secret": INSTAGRAM_APP_SECRET, "instagram_verify_token": INSTAGRAM_VERIFY_TOKEN,
            "telegram_api_url": fakes.telegram.url, "telegram_bot_token": TELEGRAM_BOT_TOKEN,
            "telegram_secret_token": TELEGRAM_SECRET,
            "outbound_max_attempts": 3, "outbound_backoff_initial_seconds": 0.05,
            "outbound_backoff_max_seconds": 0.2, "outbound_timeout_seconds": 3.0,
            "outbound_retry_after_max_seconds": 2.0, "circuit_failure_threshold": 50,
            "circuit_recovery_seconds": 1.0, "channel_adapter_metrics_port": 0,
            **overrides,
        }
        return ServiceSettings(_env_file=None, **values)  # type: ignore[call-arg]

    return build


@pytest.fixture
async def start_adapter(adapter_settings: Callable[..., ServiceSettings]) -> AsyncIterator[Callable[..., Any]]:
    running: list[RunningService] = []

    async def start(**overrides: Any) -> RunningService:
        service = await start_service(adapter_settings(**overrides), grpc_address="127.0.0.1:0")
        running.append(service)
        return service

    yield start
    for service in running:
        await service.stop()


@pytest.fixture
async def adapter(start_adapter: Callable[..., Awaitable[RunningService]]) -> RunningService:
    return await start_adapter()


@pytest.fixture
async def start_gateway(postgres_url: str, redis_url: str, nats_url: str) -> AsyncIterator[Callable[..., Any]]:
    stack: list[Any] = []

    async def start(adapter: RunningService, **overrides: Any) -> httpx.AsyncClient:
        settings = GatewaySettings(_env_file=None, **{  # type: ignore[call-arg]
            "database_url": postgres_url, "redis_url": redis_url, "nats_url": nats_url,
            "jwt_secret": "test-secret-" + "x" * 32, "admin_email": ADMIN_EMAIL, "admin_password": ADMIN_PASSWORD,
            "channel_adapter_grpc_addr": f"127.0.0.1:{adapter.port}", "service_metrics_urls": "",
            "grpc_timeout_seconds": 10.0, "rate_limit_webhooks": "100000/minute", "rate_limit_api": "10000/minute",
            **overrides,
        })
        app = create_app(settings)
        lifespan = app.router.lifespan_context(app)
        await lifespan.__aenter__()
        stack.append(lifespan)
        ip = f"10.{uuid.uuid4().int % 250}.{uuid.uuid4().int % 250}.{uuid.uuid4().int % 250}"
        client = httpx.AsyncClient(transport=httpx.ASGITransport(app=app, client=(ip, 12345)),
                                   base_url="http://gateway.test")
        stack.append(client)
        return client

    yield start
    for item in reversed(stack):
        if isinstance(item, httpx.AsyncClient):
            await item.aclose()
        else:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(item.__aexit__(None, None, None), 15)


@pytest.fixture
async def gateway(adapter: RunningService, start_gateway: Callable[..., Any]) -> httpx.AsyncClient:
    client: httpx.AsyncClient = await start_gateway(adapter)
    return client


async def login(client: httpx.AsyncClient) -> dict[str, str]:
    response = await client.post("/auth/login", json={"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD})
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


@dataclass
class EventTap:
    """Collects the events published on a subject filter (its own durable consumer)."""

    received: list[Any] = field(default_factory=list)
    metas: list[EventMeta] = field(default_factory=list)

    async def wait_for(self, count: int, seconds: float = 10) -> list[Any]:
        deadline = time.monotonic() + seconds
        while len(self.received) < count:
            assert time.monotonic() < deadline, f"expected {count} events, got {len(self.received)}"
            await asyncio.sleep(0.02)
        return self.received


@pytest.fixture
async def bus(nats_url: str, nats_namespace: str) -> AsyncIterator[EventBus]:
    event_bus = await EventBus.connect(MessagingSettings(nats_url=nats_url, nats_namespace=nats_namespace), "test")
    await event_bus.ensure_streams()
    yield event_bus
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(event_bus.close(), 10)


@pytest.fixture
def tap(bus: EventBus) -> Callable[[str, type[Message]], EventTap]:
    def start(subject: str, event_type: type[Message]) -> EventTap:
        collected = EventTap()

        async def handler(event: Any, meta: EventMeta) -> None:
            collected.received.append(event)
            collected.metas.append(meta)

        stream = DEAD_LETTERS if subject.startswith("deadletters") else CONVERSATIONS
        bus.consume(subject, f"tap-{uuid.uuid4().hex[:8]}", event_type, handler, stream=stream)
        return collected

    return start


@pytest.fixture
def reply_bot(bus: EventBus) -> Callable[[], EventTap]:
    """Stands in for the chatbot: answers every inbound message with one OutboundReply."""

    def start() -> EventTap:
        seen = EventTap()

        async def answer(message: events.InboundMessage, _: EventMeta) -> None:
            seen.received.append(message)
            channel = events.Channel.Name(message.channel).removeprefix("CHANNEL_").lower()
            reply = events.OutboundReply(
                reply_id=f"reply:{uuid.uuid4()}", user_id=message.user_id, channel=message.channel,
                account_id=message.account_id, contact_id=message.contact_id,
                conversation_id=message.conversation_id, text=f"Olá {message.contact_name}! Você disse: {message.text}",
                in_reply_to=[message.event_id],
            )
            await bus.publish(Subjects.outbound(channel), reply, reply.reply_id, reply.user_id)

        bus.consume(Subjects.INBOUND_ALL, f"bot-{uuid.uuid4().hex[:8]}", events.InboundMessage, answer,
                    stream=CONVERSATIONS)
        return seen

    return start


async def stream_count(bus: EventBus, subject: str) -> int:
    """How many messages the CONVERSATIONS stream holds on `subject` (wildcards allowed)."""
    info = await bus._js.stream_info(bus.stream_name(CONVERSATIONS), subjects_filter=bus.subject(subject))
    return sum((info.state.subjects or {}).values())


async def wait_until(predicate: Callable[[], Any], seconds: float = 10, what: str = "condition") -> None:
    deadline = time.monotonic() + seconds
    while True:
        result = predicate()
        if asyncio.iscoroutine(result):
            result = await result
        if result:
            return
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        await asyncio.sleep(0.02)
