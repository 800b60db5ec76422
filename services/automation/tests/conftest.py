"""The automation service under test, end to end: the public gateway in-process over ASGI, the automation
service's real gRPC server, real PostgreSQL/Redis/NATS, real Chromium, the Seller Center replica over HTTP,
and a tiny real ChatbotService gRPC servicer with canned answers (the real chatbot is another team's)."""

from __future__ import annotations

import asyncio
import threading
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import grpc
import httpx
import nats
import pytest
import uvicorn
from api_gateway.auth.tokens import TokenKind
from api_gateway.main import create_app
from api_gateway.settings import GatewaySettings
from automation.main import AutomationApp
from automation.settings import ServiceSettings
from sellerbot.chatbot.v1 import chatbot_pb2, chatbot_pb2_grpc
from sellerbot_devstack.servers import free_port, wait_for_port
from sellerbot_fakes.seller_center import create_app as create_replica
from sellerbot_fakes.tiktok_shop import create_app as create_shop_api
from sellerbot_fakes.tiktok_shop.app import DEMO_APP_KEY, DEMO_APP_SECRET
from sellerbot_grpc import GrpcServer

ADMIN_EMAIL = "admin@automation.test"
ADMIN_PASSWORD = "admin-password-123"


# ----- Seller Center replica --------------------------------------------------------------------------
@dataclass
class Replica:
    url: str
    http: httpx.Client

    def seed(self, seller: str, **data: Any) -> dict[str, Any]:
        response = self.http.post("/__test__/seed", json={"seller": seller, **data})
        response.raise_for_status()
        return dict(response.json())

    def state(self, seller: str) -> dict[str, Any]:
        response = self.http.get("/__test__/state", params={"seller": seller})
        response.raise_for_status()
        return dict(response.json())

    def faults(self, **faults: Any) -> None:
        self.http.post("/__test__/faults", json=faults).raise_for_status()

    def clear_faults(self) -> None:
        self.faults(latency_ms=0, fail_next=0, captcha=False, clear_quota=True)


@contextmanager
def served(app: Any) -> Iterator[tuple[str, httpx.Client]]:
    """Serve an ASGI app on a free loopback port in a thread; yield its URL and a client for it."""
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    wait_for_port("127.0.0.1", port, 15)
    url = f"http://127.0.0.1:{port}"
    with httpx.Client(base_url=url, timeout=10) as client:
        yield url, client
    server.should_exit = True
    thread.join(10)


@pytest.fixture(scope="session")
def replica() -> Iterator[Replica]:
    with served(create_replica()) as (url, client):
        yield Replica(url, client)


@pytest.fixture
def fresh_replica(replica: Replica) -> Iterator[Replica]:
    replica.clear_faults()
    yield replica
    replica.clear_faults()


# ----- the fake TikTok Shop Open API ----------------------------------------------------------------------
@dataclass
class ShopApi:
    url: str
    http: httpx.Client

    def seed(self, shop_id: str, **data: Any) -> dict[str, Any]:
        response = self.http.post("/__test__/seed", json={"shop_id": shop_id, **data})
        response.raise_for_status()
        return dict(response.json())

    def post(self, path: str, **body: Any) -> dict[str, Any]:
        response = self.http.post(path, json=body)
        response.raise_for_status()
        return dict(response.json())

    def stats(self) -> dict[str, int]:
        return dict(self.http.get("/__test__/stats").json())


@pytest.fixture(scope="session")
def shop_api() -> Iterator[ShopApi]:
    with served(create_shop_api()) as (url, client):
        yield ShopApi(url, client)


# ----- a canned ChatbotService (real gRPC) ---------------------------------------------------------------
@dataclass
class CannedChatbot(chatbot_pb2_grpc.ChatbotServiceServicer):
    calls: list[dict[str, str]] = field(default_factory=list)

    async def ProcessMessage(
        self, request: chatbot_pb2.ProcessMessageRequest, context: grpc.aio.ServicerContext
    ) -> chatbot_pb2.ProcessMessageResponse:
        metadata = dict(context.invocation_metadata() or ())
        self.calls.append({"contact_id": request.contact_id, "message": request.message,
                           "channel": request.channel, "user_id": str(metadata.get("x-user-id", ""))})
        name = request.contact_name.split()[0] if request.contact_name else ""
        reply = f"Olá {name}! Sobre '{request.message[:30]}': já verificamos."
        return chatbot_pb2.ProcessMessageResponse(reply=reply, intent="duvida", confidence=0.9,
                                                  handoff_state="bot")


@pytest.fixture(scope="session")
async def chatbot() -> AsyncIterator[tuple[CannedChatbot, int]]:
    servicer = CannedChatbot()
    server = GrpcServer(["sellerbot.chatbot.v1.ChatbotService"],
                        registrations=[lambda s: chatbot_pb2_grpc.add_ChatbotServiceServicer_to_server(servicer, s)])
    port = await server.start("127.0.0.1:0")
    yield servicer, port
    await server.stop(0)


# ----- the automation service and the gateway ------------------------------------------------------------
def automation_settings(postgres_url: str, redis_url: str, nats_url: str, data_dir: Path, chatbot_port: int,
                        replica_url: str, shop_api_url: str = "", **overrides: Any) -> ServiceSettings:
    values: dict[str, Any] = {
        "database_url": postgres_url, "redis_url": redis_url, "nats_url": nats_url,
        "nats_namespace": f"auto{uuid.uuid4().hex[:8]}", "data_dir": data_dir,
        "automation_grpc_addr": "127.0.0.1:0", "automation_metrics_port": 0,
        "chatbot_grpc_addr": f"127.0.0.1:{chatbot_port}", "seller_center_url": replica_url,
        "secrets_key": "test-secrets-key-" + "k" * 20, "worker_autostart": False, "worker_poll_seconds": 1.0,
        "step_timeout_seconds": 6.0, "step_retry_backoff_seconds": 0.1, "verify_timeout_seconds": 20.0,
        "log_format": "console", "tiktok_shop_app_key": DEMO_APP_KEY, "tiktok_shop_app_secret": DEMO_APP_SECRET,
        "tiktok_shop_api_url": shop_api_url or "http://127.0.0.1:9", "tiktok_shop_auth_url": shop_api_url or
        "http://127.0.0.1:9", "tiktok_shop_backoff_seconds": 0.05, "schedule_poll_seconds": 0.3, **overrides,
    }
    return ServiceSettings(_env_file=None, **values)  # type: ignore[call-arg]


@pytest.fixture(scope="session")
async def automation(postgres_url: str, redis_url: str, nats_url: str, chatbot: tuple[CannedChatbot, int],
                     replica: Replica, shop_api: ShopApi,
                     tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[AutomationApp]:
    settings = automation_settings(postgres_url, redis_url, nats_url, tmp_path_factory.mktemp("automation"),
                                   chatbot[1], replica.url, shop_api.url)
    app = await AutomationApp.start(settings)
    yield app
    await app.stop()
    await drop_streams(nats_url, settings.nats_namespace)


async def drop_streams(nats_url: str, namespace: str) -> None:
    """This session's JetStream streams go with it: every stream reserves its max_bytes on the shared server."""
    nc = await nats.connect(nats_url)
    try:
        js = nc.jetstream()
        for stream in await js.streams_info():
            if stream.config.name and stream.config.name.startswith(f"{namespace}_"):
                await js.delete_stream(stream.config.name)
    finally:
        await nc.close()


@pytest.fixture(scope="session")
async def gateway_app(postgres_url: str, redis_url: str, nats_url: str,
                      automation: AutomationApp) -> AsyncIterator[Any]:
    settings = GatewaySettings(  # type: ignore[call-arg]
        _env_file=None, database_url=postgres_url, redis_url=redis_url, nats_url=nats_url,
        jwt_secret="test-secret-" + "x" * 32, admin_email=ADMIN_EMAIL, admin_password=ADMIN_PASSWORD,
        automation_grpc_addr=f"127.0.0.1:{automation.port}", service_metrics_urls="", grpc_timeout_seconds=40.0,
        rate_limit_api="100000/minute", rate_limit_bot_control="100000/minute",
    )
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        yield app


@pytest.fixture
async def new_user(gateway_app: Any) -> AsyncIterator[Callable[[], Awaitable[httpx.AsyncClient]]]:
    """Make a seller account through the public API and return a client authenticated as them."""
    clients: list[httpx.AsyncClient] = []
    admin_token: dict[str, str] = getattr(gateway_app.state, "test_admin_token", {})
    gateway_app.state.test_admin_token = admin_token  # one admin login per session: Argon2 is slow on purpose

    async def make() -> httpx.AsyncClient:
        ip = f"10.9.{len(clients)}.{uuid.uuid4().int % 250}"
        client = httpx.AsyncClient(transport=httpx.ASGITransport(app=gateway_app, client=(ip, 1234)),
                                   base_url="http://gateway.test", timeout=60)
        clients.append(client)
        if not admin_token:
            admin_token.update((await client.post(
                "/auth/login", json={"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD})).json())
        admin = admin_token
        email = f"seller-{uuid.uuid4().hex[:8]}@test.local"
        created = await client.post("/auth/users", json={"email": email, "password": "seller-pass-123"},
                                    headers={"Authorization": f"Bearer {admin['access_token']}"})
        assert created.status_code == 201, created.text
        # The gateway's own issuer signs the seller's token (skips one more deliberately slow Argon2 login).
        token = gateway_app.state.gateway.tokens.issue(created.json()["id"], TokenKind.ACCESS)
        client.headers["Authorization"] = f"Bearer {token}"
        return client

    yield make
    for client in clients:
        await client.aclose()


# ----- helpers used by the tests (as a fixture: test modules never import conftest) -------------------------
async def wait_task(client: httpx.AsyncClient, task_id: str, done: Callable[[dict[str, Any]], bool],
                    timeout: float = 60) -> dict[str, Any]:
    """Poll GET /bot/tasks/{id} until `done(task)` holds (no sleeps as synchronisation)."""
    deadline = time.monotonic() + timeout
    task: dict[str, Any] = {}
    while time.monotonic() < deadline:
        response = await client.get(f"/bot/tasks/{task_id}")
        assert response.status_code == 200, response.text
        task = response.json()
        if done(task):
            return task
        await asyncio.sleep(0.1)
    raise AssertionError(f"task did not reach the expected state in {timeout}s: {task}")


def finished(task: dict[str, Any]) -> bool:
    return task["status"] not in ("queued", "running")


async def verified_profile(client: httpx.AsyncClient, replica: Replica, seller: str, **seed: Any) -> dict[str, Any]:
    """Seed a seller on the replica, create its profile, log in with the 2FA code: a ready profile."""
    replica.seed(seller, password="pw-" + seller, code="654321", shop_name=f"Loja {seller}", **seed)
    created = await client.post("/bot/profiles", json={"name": f"Loja {seller}", "login": seller,
                                                       "password": "pw-" + seller})
    assert created.status_code == 201, created.text
    profile_id = created.json()["id"]
    first = await client.post(f"/bot/profiles/{profile_id}/verify")
    assert first.json()["status"] == "needs_2fa", first.text
    second = await client.post(f"/bot/profiles/{profile_id}/verify", json={"code": "654321"})
    assert second.json()["status"] == "verified", second.text
    return dict(second.json())


@dataclass(frozen=True)
class Helpers:
    wait_task: Callable[..., Awaitable[dict[str, Any]]] = wait_task
    finished: Callable[[dict[str, Any]], bool] = finished
    verified_profile: Callable[..., Awaitable[dict[str, Any]]] = verified_profile

    @staticmethod
    def seller() -> str:
        return f"loja-{uuid.uuid4().hex[:8]}@example.com"


@pytest.fixture
def h() -> Helpers:
    return Helpers()
