"""Notification service under test: real replicas (in-process), the real gateway served by uvicorn on a loopback
port, the real NATS, and real WebSocket clients (the `websockets` library)."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import nats
import pytest
import uvicorn
import websockets
from api_gateway.auth.tokens import TokenIssuer, TokenKind
from api_gateway.main import create_app
from api_gateway.settings import GatewaySettings
from api_gateway.users.repository import EmailAlreadyRegistered
from google.protobuf.message import Message
from notification.main import NotificationRuntime
from notification.settings import ServiceSettings
from sellerbot_devstack.servers import free_port
from sellerbot_messaging import EventBus, MessagingSettings
from websockets.asyncio.client import ClientConnection

JWT_SECRET = "notification-test-secret-" + "x" * 32


async def wait_until(condition: Callable[[], bool], seconds: float = 15, what: str = "condition") -> None:
    deadline = asyncio.get_running_loop().time() + seconds
    while not condition():
        assert asyncio.get_running_loop().time() < deadline, f"{what} not met in {seconds}s"
        await asyncio.sleep(0.02)


def issue_token(user_id: str, ttl: timedelta = timedelta(minutes=15), secret: str = JWT_SECRET) -> str:
    return TokenIssuer(secret, ttl, timedelta(days=1)).issue(user_id, TokenKind.ACCESS)


@dataclass
class Client:
    """A WebSocket client that collects every frame it receives (in a background task)."""

    ws: ClientConnection
    frames: list[dict[str, Any]] = field(default_factory=list)
    task: asyncio.Task[None] | None = None

    @property
    def notifications(self) -> list[dict[str, Any]]:
        return [f for f in self.frames if f["id"] is not None]

    @property
    def ids(self) -> list[int]:
        return [int(f["id"]) for f in self.notifications]

    def of_type(self, kind: str) -> list[dict[str, Any]]:
        return [f for f in self.frames if f["type"] == kind]

    async def collect(self) -> None:
        async for raw in self.ws:
            self.frames.append(json.loads(raw))

    async def wait_for(self, count: int, seconds: float = 15) -> list[dict[str, Any]]:
        await wait_until(lambda: len(self.notifications) >= count, seconds,
                         f"{count} notifications (got {len(self.notifications)})")
        return self.notifications

    async def closed(self, seconds: float = 15) -> tuple[int | None, str]:
        async with asyncio.timeout(seconds):
            await self.ws.wait_closed()
        return self.ws.close_code, self.ws.close_reason or ""

    async def close(self) -> None:
        await self.ws.close()
        if self.task is not None:
            self.task.cancel()
            with contextlib.suppress(BaseException):
                await self.task


@dataclass
class Gateway:
    port: int
    server: uvicorn.Server
    task: asyncio.Task[None]
    app: Any = None
    clients: list[Client] = field(default_factory=list)

    async def ensure_user(self, user_id: str) -> None:
        """The gateway lets a token watch live events only if its user exists (with a shop of the same id)."""
        users = self.app.state.gateway.users
        if await users.member(user_id) is None:
            with contextlib.suppress(EmailAlreadyRegistered):
                await users.create_seller(f"{user_id}@notification.test", "test-password-1", user_id=user_id)

    def url(self, token: str | None = None, **params: str) -> str:
        query = {**({"token": token} if token is not None else {}), **params}
        suffix = "&".join(f"{k}={v}" for k, v in query.items())
        return f"ws://127.0.0.1:{self.port}/ws/notifications" + (f"?{suffix}" if suffix else "")

    async def connect(self, user_id: str, *, collect: bool = True, **params: str) -> Client:
        """Connect as `user_id` and wait for the `subscribed` frame (the subscription is live after it)."""
        await self.ensure_user(user_id)
        ws = await websockets.connect(self.url(issue_token(user_id), **params), max_size=2**22)
        first = json.loads(await asyncio.wait_for(ws.recv(), 10))
        assert first["type"] == "subscribed", first
        client = Client(ws, [first])
        if collect:
            client.task = asyncio.create_task(client.collect())
        self.clients.append(client)
        return client


@dataclass
class Stack:
    nats_url: str
    namespace: str
    gateway_settings: Callable[..., GatewaySettings]
    replicas: list[NotificationRuntime] = field(default_factory=list)
    gateways: list[Gateway] = field(default_factory=list)
    bus: EventBus | None = None

    wait_until = staticmethod(wait_until)
    token = staticmethod(issue_token)

    def settings(self, **overrides: Any) -> ServiceSettings:
        values: dict[str, Any] = {
            "nats_url": self.nats_url, "nats_namespace": self.namespace,
            "notification_grpc_addr": "127.0.0.1:0", "notification_replica_id": f"r{len(self.replicas) + 1}",
            "notification_consumer_heartbeat_seconds": 0.5,
            "notification_retention_max_bytes": 8 * 1024**2, **overrides,
        }
        return ServiceSettings(_env_file=None, **values)  # type: ignore[call-arg]

    async def replica(self, **overrides: Any) -> NotificationRuntime:
        runtime = await NotificationRuntime.start(self.settings(**overrides))
        self.replicas.append(runtime)
        return runtime

    async def gateway(self, replica: NotificationRuntime | None = None, *, target: str = "",
                      **uvicorn_options: Any) -> Gateway:
        """A gateway dialling one replica, or any gRPC `target` (e.g. `ipv4:a,b`: every replica, round_robin)."""
        address = target or f"127.0.0.1:{replica.port if replica else 0}"
        app = create_app(self.gateway_settings(notification_grpc_addr=address))
        port = free_port()
        options = {"ws_ping_interval": 20.0, "ws_ping_timeout": 20.0, **uvicorn_options}
        server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_config=None,
                                               lifespan="on", **options))
        server.install_signal_handlers = lambda: None  # type: ignore[method-assign]
        task = asyncio.create_task(server.serve())
        await wait_until(lambda: server.started, 30, "gateway started")
        gateway = Gateway(port, server, task, app)
        self.gateways.append(gateway)
        return gateway

    async def publish(self, subject: str, event: Message, msg_id: str, user_id: str) -> None:
        if self.bus is None:
            self.bus = await EventBus.connect(
                MessagingSettings(nats_url=self.nats_url, nats_namespace=self.namespace), "test-producer")
            await self.bus.ensure_streams()
        await self.bus.publish(subject, event, msg_id, user_id)

    async def close(self) -> None:
        for gateway in self.gateways:
            for client in gateway.clients:
                with contextlib.suppress(Exception):
                    await asyncio.wait_for(client.close(), 5)
            gateway.server.should_exit = True
            with contextlib.suppress(Exception):
                await asyncio.wait_for(gateway.task, 15)
        for replica in self.replicas:
            await replica.stop()
        if self.bus is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self.bus.close(), 5)
        await delete_streams(self.nats_url, self.namespace)


async def delete_streams(nats_url: str, namespace: str) -> None:
    """JetStream reserves each stream's max_bytes: a shared server fills up unless tests remove theirs."""
    try:
        nc = await nats.connect(nats_url, connect_timeout=2, max_reconnect_attempts=0, allow_reconnect=False)
    except Exception:
        return  # a private server the test already stopped: its store goes with it
    try:
        js = nc.jetstream()
        for name in ("BOT", "CONVERSATIONS", "DEAD_LETTERS", "NOTIFICATIONS"):
            with contextlib.suppress(Exception):
                await js.delete_stream(f"{namespace}_{name}")
    finally:
        await nc.close()


@pytest.fixture
def gateway_settings(postgres_url: str, redis_url: str, nats_url: str) -> Callable[..., GatewaySettings]:
    def build(**overrides: Any) -> GatewaySettings:
        values: dict[str, Any] = {
            "database_url": postgres_url, "redis_url": redis_url, "nats_url": nats_url,
            "jwt_secret": JWT_SECRET, "service_metrics_urls": "", "rate_limit_api": "1000/minute",
            "automation_grpc_addr": f"127.0.0.1:{free_port()}", "chatbot_grpc_addr": f"127.0.0.1:{free_port()}",
            "channel_adapter_grpc_addr": f"127.0.0.1:{free_port()}", **overrides,
        }
        return GatewaySettings(_env_file=None, **values)  # type: ignore[call-arg]

    return build


@pytest.fixture
async def stack_on(nats_namespace: str, gateway_settings: Callable[..., GatewaySettings],
                   own_nats_server: Any) -> AsyncIterator[Callable[[str], Stack]]:
    """Stacks on a given NATS server (e.g. a private one the test stops and restarts: depending on
    `own_nats_server` makes those servers outlive the stacks, so teardown never waits on a dead server)."""
    made: list[Stack] = []

    def make(nats_url: str) -> Stack:
        made.append(Stack(nats_url, nats_namespace, gateway_settings))
        return made[-1]

    yield make
    for running in reversed(made):
        await running.close()


@pytest.fixture
async def stack(nats_url: str, stack_on: Callable[[str], Stack]) -> Stack:
    return stack_on(nats_url)
