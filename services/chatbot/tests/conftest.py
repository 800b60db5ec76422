"""Chatbot under test: the real service started in-process against the machine's PostgreSQL, Redis and
NATS (a fresh namespace per test), an OpenAI-compatible fake over real HTTP, and gRPC/NATS helpers."""

from __future__ import annotations

import asyncio
import contextlib
import os
import time
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from datetime import UTC, datetime
from typing import Any

import nats
import pytest
from chatbot.events.partitions import BUCKET as PARTITIONS_BUCKET
from chatbot.main import ChatbotService, start
from chatbot.settings import ServiceSettings
from google.protobuf.message import Message
from google.protobuf.timestamp_pb2 import Timestamp
from hypothesis import settings as hypothesis_settings
from sellerbot.chatbot.v1 import chatbot_pb2 as pb
from sellerbot.chatbot.v1 import chatbot_pb2_grpc
from sellerbot.events.v1 import conversation_events_pb2 as ev
from sellerbot_fakes.openai_fake import OpenAIFake
from sellerbot_grpc import open_channel, user_metadata
from sellerbot_messaging import EventBus, MessagingSettings, Subjects

# Property tests draw the same examples on every run (make test and CI repeatable); HYPOTHESIS_PROFILE=explore
# draws new random ones on each run, to look for what the fixed ones miss.
hypothesis_settings.register_profile("repeatable", derandomize=True)
hypothesis_settings.register_profile("explore", derandomize=False)
hypothesis_settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "repeatable"))


async def eventually(check: Callable[[], Any], timeout: float = 10.0, interval: float = 0.02) -> Any:
    """Poll until `check()` (sync or async) returns something truthy; fail at the deadline."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if asyncio.iscoroutine(value):
            value = await value
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {timeout}s")
        await asyncio.sleep(interval)


@pytest.fixture(scope="session")
def openai_fake() -> Iterator[OpenAIFake]:
    fake = OpenAIFake().start()
    yield fake
    fake.stop()


@pytest.fixture
def fake_llm(openai_fake: OpenAIFake) -> OpenAIFake:
    openai_fake.reset()
    return openai_fake


@pytest.fixture
def service_settings(
    postgres_url: str, redis_url: str, nats_url: str, nats_namespace: str
) -> Callable[..., ServiceSettings]:
    def build(**overrides: Any) -> ServiceSettings:
        values: dict[str, Any] = {
            "database_url": postgres_url, "redis_url": redis_url, "nats_url": nats_url,
            "nats_namespace": nats_namespace, "chatbot_grpc_addr": "127.0.0.1:0", "openai_api_key": "",
            "chatbot_idle_sweep_seconds": 3600, "llm_timeout_seconds": 2.0,
            "channel_adapter_grpc_addr": "",  # no channel-adapter: a test that needs one starts it
            # Several services at once share the machine's PostgreSQL (max_connections 100) with the e2e stacks.
            "chatbot_database_pool_size": 5,
            **overrides,
        }
        return ServiceSettings(_env_file=None, **values)  # type: ignore[call-arg]

    return build


async def drop_streams(nats_url: str, namespace: str) -> None:
    """JetStream reserves each stream's max_bytes: a test's streams must not outlive it."""
    nc = await nats.connect(nats_url)
    js = nc.jetstream()
    for name in ("CONVERSATIONS", "BOT", "DEAD_LETTERS", "SHOP", f"KV_{namespace}_{PARTITIONS_BUCKET}"):
        with contextlib.suppress(Exception):
            await js.delete_stream(name if name.startswith("KV_") else f"{namespace}_{name}")
    await nc.close()


@pytest.fixture
async def chatbot_factory(
    service_settings: Callable[..., ServiceSettings], nats_url: str, nats_namespace: str
) -> AsyncIterator[Callable[..., Any]]:
    started: list[ChatbotService] = []

    async def make(**overrides: Any) -> ChatbotService:
        service = await start(service_settings(**overrides))
        started.append(service)
        return service

    yield make
    for service in started:
        await service.stop()
    await drop_streams(nats_url, nats_namespace)


@pytest.fixture
async def channel_adapter_factory(
    postgres_url: str, nats_url: str, nats_namespace: str
) -> AsyncIterator[Callable[..., Any]]:
    """The real channel-adapter on this test's PostgreSQL and NATS namespace (settings overridable), stopped at
    the end: for what the CRM asks of it (erasure, Chatwoot sync)."""
    from channel_adapter.main import RunningService, start_service
    from channel_adapter.settings import ServiceSettings as AdapterSettings

    started: list[RunningService] = []

    async def make(**overrides: Any) -> RunningService:
        settings = AdapterSettings(  # type: ignore[call-arg]
            _env_file=None, database_url=postgres_url, nats_url=nats_url, nats_namespace=nats_namespace,
            secrets_key="test-secrets-key-0123456789", channel_adapter_metrics_port=0, **overrides)
        service = await start_service(settings, grpc_address="127.0.0.1:0")
        started.append(service)
        return service

    yield make
    for service in started:
        await service.stop()


@pytest.fixture
async def chatbot(chatbot_factory: Callable[..., Any]) -> ChatbotService:
    service: ChatbotService = await chatbot_factory()
    return service


class Client:
    """ChatbotService stub that always sends one seller's user id."""

    def __init__(self, port: int, user_id: str) -> None:
        self.channel = open_channel(f"127.0.0.1:{port}")
        self.stub = chatbot_pb2_grpc.ChatbotServiceStub(self.channel)
        self.user_id = user_id

    def __getattr__(self, name: str) -> Any:
        method = getattr(self.stub, name)

        async def call(request: Message) -> Any:
            return await method(request, metadata=user_metadata(self.user_id), timeout=10)

        return call

    async def add_product(self, **fields: Any) -> pb.Product:
        return await self.UpsertProduct(pb.UpsertProductRequest(product=pb.Product(**fields)))

    async def message(self, contact_id: str, text: str, channel: str = "whatsapp", deliver: bool = False
                      ) -> pb.ProcessMessageResponse:
        return await self.ProcessMessage(pb.ProcessMessageRequest(
            contact_id=contact_id, message=text, channel=channel, deliver=deliver))


@pytest.fixture
async def client_for(chatbot: ChatbotService) -> AsyncIterator[Callable[[str], Client]]:
    clients: list[Client] = []

    def make(user_id: str | None = None) -> Client:
        client = Client(chatbot.port, user_id or f"user-{uuid.uuid4().hex[:8]}")
        clients.append(client)
        return client

    yield make
    for client in clients:
        await client.channel.close()


class EventTap:
    """Records every event published under `conversations.>` in this test's namespace, and publishes."""

    def __init__(self, namespace: str) -> None:
        self.namespace = namespace
        self.seen: list[tuple[str, bytes]] = []
        self.bus: EventBus | None = None
        self._nc: Any = None

    async def start(self, url: str) -> EventTap:
        self._nc = await nats.connect(url)

        async def record(msg: Any) -> None:
            self.seen.append((msg.subject.removeprefix(self.namespace + "."), msg.data))

        await self._nc.subscribe(f"{self.namespace}.conversations.>", cb=record)
        self.bus = await EventBus.connect(MessagingSettings(nats_url=url, nats_namespace=self.namespace), "test-tap")
        return self

    def events(self, prefix: str, kind: type[Any]) -> list[Any]:
        return [kind.FromString(data) for subject, data in self.seen if subject.startswith(prefix)]

    def replies(self, contact_id: str | None = None) -> list[ev.OutboundReply]:
        found = self.events("conversations.outbound.", ev.OutboundReply)
        return [r for r in found if contact_id is None or r.contact_id == contact_id]

    async def inbound(self, user_id: str, contact_id: str, text: str, *, event_id: str | None = None,
                      msg_id: str | None = None, at: datetime | None = None, channel: str = "whatsapp") -> str:
        assert self.bus is not None
        event_id = event_id or f"{channel}:{uuid.uuid4().hex}"
        ts = Timestamp()
        ts.FromDatetime(at or datetime.now(UTC))
        event = ev.InboundMessage(
            event_id=event_id, user_id=user_id, channel=ev.CHANNEL_WHATSAPP, account_id="inst-1",
            contact_id=contact_id, contact_name="Maria Souza", conversation_id=contact_id, text=text,
            platform_message_id=event_id, platform_timestamp=ts, received_at=ts)
        await self.bus.publish(Subjects.inbound(channel, user_id, contact_id), event, msg_id or event_id, user_id)
        return event_id

    async def human_agent_replied(self, user_id: str, contact_id: str) -> None:
        assert self.bus is not None
        event = ev.HandoffRequested(event_id=f"agent:{uuid.uuid4().hex}", user_id=user_id,
                                    channel=ev.CHANNEL_WHATSAPP, contact_id=contact_id,
                                    origin=ev.HANDOFF_ORIGIN_HUMAN_AGENT, reason="agent replied on Chatwoot")
        await self.bus.publish(Subjects.handoff("whatsapp"), event, event.event_id, user_id)

    async def order_placed(self, user_id: str, contact_id: str, order_id: str, amount: float) -> None:
        assert self.bus is not None
        event = ev.OrderPlaced(event_id=f"order:{order_id}", user_id=user_id, contact_id=contact_id,
                               order_id=order_id, amount=amount, currency="BRL")
        await self.bus.publish(Subjects.ORDER_PLACED, event, event.event_id, user_id)

    async def close(self) -> None:
        if self.bus:
            await self.bus.close()
        if self._nc:
            await self._nc.drain()


@pytest.fixture
async def tap(nats_url: str, nats_namespace: str, chatbot: ChatbotService) -> AsyncIterator[EventTap]:
    events = await EventTap(nats_namespace).start(nats_url)
    yield events
    await events.close()
