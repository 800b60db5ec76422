"""One trace from the gateway, over gRPC into a service, and across NATS hops: first with a stand-in service in
this process, then with the real services (two replicas each of the chatbot and the channel-adapter) exporting
OTLP to a receiver in the test, from the webhook to the outbound HTTP call."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import grpc
import httpx
import pytest
from api_gateway.main import create_app
from api_gateway.settings import GatewaySettings
from opentelemetry import trace
from opentelemetry.proto.collector.trace.v1 import trace_service_pb2, trace_service_pb2_grpc
from opentelemetry.proto.trace.v1 import trace_pb2
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from prometheus_client.parser import text_string_to_metric_families
from sellerbot.automation.v1 import automation_pb2, automation_pb2_grpc
from sellerbot.events.v1 import bot_events_pb2
from sellerbot_devstack.pytest_plugin import admin_statement
from sellerbot_devstack.servers import Servers, free_port, port_open, start_nats, wait_for_port
from sellerbot_grpc import GrpcServer, caller_user_id
from sellerbot_messaging import EventBus, EventMeta, MessagingSettings, Subjects
from sellerbot_messaging.streams import BOT
from sellerbot_telemetry import configure_tracing

ROOT = Path(__file__).resolve().parents[1]
CHATBOT_REPLICAS = 2


def poll(check: Any, seconds: float, interval: float = 0.2) -> Any:
    deadline = time.monotonic() + seconds
    while not (result := check()):
        assert time.monotonic() < deadline, f"condition not met in {seconds} s (last: {result!r})"
        time.sleep(interval)
    return result


def trace_id_now() -> str:
    return format(trace.get_current_span().get_span_context().trace_id, "032x")


class WorkerStatusThatPublishes(automation_pb2_grpc.AutomationServiceServicer):
    """A real gRPC servicer: answers GetWorkerStatus and publishes an event, like the automation service does."""

    def __init__(self, bus: EventBus) -> None:
        self.bus = bus
        self.trace_ids: list[str] = []

    async def GetWorkerStatus(
        self, request: automation_pb2.GetWorkerStatusRequest, context: grpc.aio.ServicerContext
    ) -> automation_pb2.WorkerStatus:
        user_id = await caller_user_id(context)
        self.trace_ids.append(trace_id_now())
        event = bot_events_pb2.BotWorkerEvent(event_id=str(uuid.uuid4()), user_id=user_id, worker_id="w1")
        await self.bus.publish(Subjects.bot_worker("started"), event, event.event_id, user_id)
        return automation_pb2.WorkerStatus(worker_id="w1", running=True)


async def test_a_gateway_trace_continues_over_grpc_and_nats(
    postgres_url: str, redis_url: str, nats_url: str, nats_namespace: str
) -> None:
    exporter = InMemorySpanExporter()
    configure_tracing("e2e-test", extra_processors=[SimpleSpanProcessor(exporter)])
    bus = await EventBus.connect(MessagingSettings(nats_url=nats_url, nats_namespace=nats_namespace), "e2e")
    await bus.ensure_streams()
    servicer = WorkerStatusThatPublishes(bus)
    server = GrpcServer([automation_pb2.DESCRIPTOR.services_by_name["AutomationService"].full_name],
                        [lambda s: automation_pb2_grpc.add_AutomationServiceServicer_to_server(servicer, s)])
    port = await server.start("127.0.0.1:0")
    consumer_trace_ids: list[str] = []

    async def on_worker_event(event: bot_events_pb2.BotWorkerEvent, meta: EventMeta) -> None:
        consumer_trace_ids.append(trace_id_now())

    bus.consume(Subjects.BOT_WORKER_ALL, "e2e-trace", bot_events_pb2.BotWorkerEvent, on_worker_event, stream=BOT)
    app = create_app(GatewaySettings(
        _env_file=None, database_url=postgres_url, redis_url=redis_url, nats_url=nats_url,  # type: ignore[call-arg]
        jwt_secret="e2e-" + "s" * 40, admin_email="trace@test.local", admin_password="trace-pass-1",
        automation_grpc_addr=f"127.0.0.1:{port}", service_metrics_urls="",
    ))
    try:
        async with app.router.lifespan_context(app):
            transport = httpx.ASGITransport(app=app, client=("10.9.9.9", 1000))
            async with httpx.AsyncClient(transport=transport, base_url="http://gw") as client:
                token = (await client.post("/auth/login", json={
                    "email": "trace@test.local", "password": "trace-pass-1"})).json()["access_token"]
                traceparent_id = uuid.uuid4().hex
                response = await client.get("/bot/worker-status", headers={
                    "Authorization": f"Bearer {token}",
                    "traceparent": f"00-{traceparent_id}-{uuid.uuid4().hex[:16]}-01",
                })
                assert response.status_code == 200, response.text
                assert response.json()["running"] is True
        deadline = asyncio.get_running_loop().time() + 10
        while not consumer_trace_ids:
            assert asyncio.get_running_loop().time() < deadline, "the NATS consumer never saw the event"
            await asyncio.sleep(0.02)
        assert servicer.trace_ids == [traceparent_id]
        assert consumer_trace_ids == [traceparent_id]
        gateway_spans = [s for s in exporter.get_finished_spans()
                         if format(s.context.trace_id, "032x") == traceparent_id]
        kinds = {s.kind.name for s in gateway_spans}
        assert {"SERVER", "CLIENT", "PRODUCER", "CONSUMER"} <= kinds
    finally:
        await server.stop(0)
        await bus.close()


# ---- The real services: one webhook, one trace, across replicas --------------------------------------------

@dataclass(frozen=True)
class ReceivedSpan:
    service: str
    instance: str
    name: str
    kind: int
    trace_id: str
    span_id: str
    parent_id: str


class SpanSink(trace_service_pb2_grpc.TraceServiceServicer):
    """An OTLP/gRPC receiver (the collector's own service definition): what every process exports lands here."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._spans: list[ReceivedSpan] = []

    def Export(self, request: trace_service_pb2.ExportTraceServiceRequest, context: grpc.ServicerContext
               ) -> trace_service_pb2.ExportTraceServiceResponse:
        received = []
        for resource_spans in request.resource_spans:
            resource = {a.key: a.value.string_value for a in resource_spans.resource.attributes}
            for scope_spans in resource_spans.scope_spans:
                received += [ReceivedSpan(resource.get("service.name", ""), resource.get("service.instance.id", ""),
                                          s.name, s.kind, s.trace_id.hex(), s.span_id.hex(), s.parent_span_id.hex())
                             for s in scope_spans.spans]
        with self._lock:
            self._spans += received
        return trace_service_pb2.ExportTraceServiceResponse()

    def of_trace(self, trace_id: str) -> list[ReceivedSpan]:
        with self._lock:
            return [s for s in self._spans if s.trace_id == trace_id]


def describe(sink: SpanSink, *trace_ids: str) -> str:
    lines = []
    for trace_id in trace_ids:
        lines.append(f"trace {trace_id}:")
        lines += [f"  {s.service}/{s.instance} {s.name} kind={s.kind} id={s.span_id} parent={s.parent_id}"
                  for s in sink.of_trace(trace_id)]
    return "\n".join(lines)


@dataclass
class TracedStack:
    url: str
    evolution_url: str
    metrics_url: str
    sink: SpanSink
    log: Path
    env: dict[str, str]
    launcher_pid: int


def partitions_by_replica(metrics_url: str) -> dict[str, float]:
    """The chatbot replicas' inbound partition leases, from the gateway's merged metrics."""
    families = text_string_to_metric_families(httpx.get(metrics_url).text)
    owned = next((f for f in families if f.name == "chatbot_inbound_partitions_owned"), None)
    return {s.labels.get("replica", ""): s.value for s in owned.samples} if owned else {}


def _port_with_replica_room(replicas: int) -> int:
    """A free port p such that p + 10, p + 20 ... (the launcher's replica ports) are free too."""
    for _ in range(50):
        port = free_port()
        if all(not port_open("127.0.0.1", port + 10 * n) for n in range(1, replicas)):
            return port
    raise RuntimeError("no free port with room for replicas")


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)


@pytest.fixture(scope="module")
def traced_stack(servers: Servers, redis_url: str, tmp_path_factory: pytest.TempPathFactory
                 ) -> Iterator[TracedStack]:
    """`python -m sellerbot_devstack run --replicas chatbot=2 channel-adapter=2`, every process exporting OTLP
    to a receiver in this test, on a database and a NATS server of its own (JetStream reserves each stream's
    max_bytes: a NATS shared by many test runs refuses new streams once its storage is reserved)."""
    sink = SpanSink()
    receiver = grpc.server(ThreadPoolExecutor(max_workers=4))
    trace_service_pb2_grpc.add_TraceServiceServicer_to_server(sink, receiver)
    otlp_port = receiver.add_insecure_port("127.0.0.1:0")
    receiver.start()
    database = f"sellerbot_trace_{uuid.uuid4().hex[:10]}"
    asyncio.run(admin_statement(servers.postgres_url, f'CREATE DATABASE "{database}"'))
    data_dir = tmp_path_factory.mktemp("traced-stack")
    log = data_dir / "stack.log"
    nats = start_nats()
    evolution_port, gateway_port, gateway_metrics_port = free_port(), free_port(), free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST", "OTEL_"))}
    env.update({
        "ENVIRONMENT": "development", "DATA_DIR": str(data_dir), "REDIS_URL": redis_url, "NATS_URL": nats.url,
        "DATABASE_URL": urlunsplit(urlsplit(servers.postgres_url)._replace(path=f"/{database}")),
        # Two chatbot replicas beside the session's other stacks on one PostgreSQL (max_connections 100): at the
        # default 20 each they were refused connections ("too many clients") and crash-looped.
        "CHATBOT_DATABASE_POOL_SIZE": "4",
        "GATEWAY_PORT": str(gateway_port),
        "GATEWAY_METRICS_PORT": str(gateway_metrics_port),
        "ADMIN_EMAIL": f"trace-{uuid.uuid4().hex[:8]}@sellerbot.test", "ADMIN_PASSWORD": "trace-admin-password",
        "JWT_SECRET": "trace-jwt-secret-" + "t" * 32, "SECRETS_KEY": "trace-secrets-key-" + "k" * 32,
        "EVOLUTION_API_URL": f"http://127.0.0.1:{evolution_port}", "EVOLUTION_API_KEY": "evo-trace-key",
        "SELLER_CENTER_URL": "http://127.0.0.1:9",  # not needed here: the launcher starts no replica
        "OTEL_TRACES_EXPORTER": "otlp", "OTEL_EXPORTER_OTLP_ENDPOINT": f"http://127.0.0.1:{otlp_port}",
        "OTEL_BSP_SCHEDULE_DELAY": "100",  # export every 100 ms instead of 5 s
    })
    for service in ("AUTOMATION", "CHATBOT", "CHANNEL_ADAPTER", "NOTIFICATION"):
        env[f"{service}_GRPC_ADDR"] = f"127.0.0.1:{_port_with_replica_room(2)}"
        env[f"{service}_METRICS_PORT"] = str(_port_with_replica_room(2))
    evolution = subprocess.Popen([sys.executable, "-m", "sellerbot_fakes.evolution_fake", "--port",
                                  str(evolution_port)], cwd=ROOT, env=env, stdout=log.open("ab"),
                                 stderr=subprocess.STDOUT, start_new_session=True)
    launcher = subprocess.Popen([sys.executable, "-m", "sellerbot_devstack", "run", "--replicas",
                                 f"chatbot={CHATBOT_REPLICAS}", "channel-adapter=2"], cwd=ROOT, env=env,
                                stdout=log.open("ab"),
                                stderr=subprocess.STDOUT, start_new_session=True)
    try:
        wait_for_port("127.0.0.1", evolution_port, 30)
        deadline = time.monotonic() + 150
        while "Seller Bot is running" not in log.read_text(errors="replace"):
            if launcher.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"the stack did not start:\n{log.read_text(errors='replace')[-6000:]}")
            time.sleep(0.2)
        yield TracedStack(f"http://127.0.0.1:{gateway_port}", f"http://127.0.0.1:{evolution_port}",
                          f"http://127.0.0.1:{gateway_metrics_port}/metrics", sink, log, env, launcher.pid)
    finally:
        _stop(launcher)
        _stop(evolution)
        receiver.stop(None)
        nats.stop()
        asyncio.run(admin_statement(servers.postgres_url, f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)'))


def test_one_webhook_is_one_trace_from_the_gateway_to_the_outbound_http_call(traced_stack: TracedStack) -> None:
    """gateway -> channel-adapter (gRPC) -> NATS -> chatbot -> NATS -> channel-adapter -> POST to Evolution, with
    two replicas of the chatbot and of the channel-adapter: whichever replica handles a hop, the trace id stays.

    The chatbot replicas first settle their partition leases (the second one takes half of them a few seconds
    after it starts): a message consumed while its partition changes hands is answered by the new owner from
    the stored inbox, and that reply starts a trace of its own (the traceparent is not stored with the message).
    """
    # Settling takes two lease beats (~3 s) on a quiet machine; the budget is for a loaded one.
    try:
        poll(lambda: (owned := partitions_by_replica(traced_stack.metrics_url)) and sum(owned.values()) == 16
             and all(owned.get(n, 0) > 0 for n in ("1", "2")), 150)
    except AssertionError as exc:
        raise AssertionError(f"{exc}; partitions by replica: {partitions_by_replica(traced_stack.metrics_url)}; "
                             f"stack log:\n{traced_stack.log.read_text(errors='replace')[-4000:]}") from exc
    trace_id = uuid.uuid4().hex
    contact = f"55119{uuid.uuid4().int % 10**8:08d}@s.whatsapp.net"
    body = {"instance": "trace", "data": {"key": {"remoteJid": contact, "id": uuid.uuid4().hex},
                                          "message": {"conversation": "Olá, tudo bem?"}}}
    accepted = httpx.post(f"{traced_stack.url}/seller-bot/webhook/evolution", json=body,
                          headers={"traceparent": f"00-{trace_id}-{uuid.uuid4().hex[:16]}-01"})
    assert accepted.status_code == 200, accepted.text

    def sent_to_evolution() -> list[dict[str, Any]]:
        requests = httpx.get(f"{traced_stack.evolution_url}/_fake/requests").json()
        return [r for r in requests if r["path"] == "/message/sendText/trace"]

    (sent,) = poll(sent_to_evolution, 60)
    headers = {k.lower(): v for k, v in sent["headers"].items()}
    outbound_trace = headers["traceparent"].split("-")[1]
    # The outbound call carries the webhook's trace (on failure: both traces, span by span).
    assert outbound_trace == trace_id, poll(lambda: describe(traced_stack.sink, trace_id, outbound_trace), 5)

    def whole_trace() -> list[ReceivedSpan]:
        spans = traced_stack.sink.of_trace(trace_id)
        services = {s.service for s in spans}
        client_posts = [s for s in spans if s.name == "POST evolution"]
        return spans if {"gateway", "channel-adapter", "chatbot"} <= services and client_posts else []

    spans = poll(whole_trace, 30)
    by_id = {s.span_id: s for s in spans}
    orphans = [s for s in spans if s.parent_id and s.parent_id not in by_id
               and s.service != "gateway"]  # the gateway's root span's parent is the caller's traceparent
    assert not orphans, f"spans whose parent never arrived: {orphans}"
    post = next(s for s in spans if s.name == "POST evolution")
    assert post.kind == trace_pb2.Span.SPAN_KIND_CLIENT and post.service == "channel-adapter"
    chain = []
    span: ReceivedSpan | None = post
    while span is not None:
        chain.append(span.service)
        span = by_id.get(span.parent_id)
    # Walking up from the outbound call: channel-adapter, then the chatbot, then channel-adapter's intake, then
    # the gateway, in that order (several spans per service in between).
    collapsed = [service for n, service in enumerate(chain) if n == 0 or chain[n - 1] != service]
    assert collapsed == ["channel-adapter", "chatbot", "channel-adapter", "gateway"], chain
    for service in ("chatbot", "channel-adapter"):  # the spans say which replica did each hop
        replicas = {s.instance for s in spans if s.service == service}
        assert replicas and replicas <= {f"{service}-1", f"{service}-2"}, replicas


def launched_process(launcher_pid: int, environment_entry: str) -> int:
    """The pid of the launcher's child whose environment holds `environment_entry` (e.g. its listen address)."""
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            parent = int(stat.read_text().rsplit(")", 1)[1].split()[1])
            environment = (stat.parent / "environ").read_bytes().split(b"\0")
        except (OSError, ValueError, IndexError):
            continue  # ended meanwhile
        if parent == launcher_pid and environment_entry.encode() in environment:
            return int(stat.parent.name)
    raise LookupError(environment_entry)


def test_the_launcher_restarts_a_replica_killed_with_sigkill(traced_stack: TracedStack) -> None:
    """`make run`'s supervisor: the killed replica comes back on its own port and the stack is ready again."""
    port = int(traced_stack.env["CHANNEL_ADAPTER_GRPC_ADDR"].rsplit(":", 1)[1]) + 10  # replica 2
    os.kill(launched_process(traced_stack.launcher_pid, f"CHANNEL_ADAPTER_GRPC_ADDR=127.0.0.1:{port}"),
            signal.SIGKILL)
    poll(lambda: "supervisor: channel-adapter-2 restarted" in traced_stack.log.read_text(errors="replace"), 30)
    assert "channel-adapter-2 exited with signal SIGKILL; restarting in" in traced_stack.log.read_text()
    poll(lambda: port_open("127.0.0.1", port), 90)
    poll(lambda: httpx.get(f"{traced_stack.url}/readyz").status_code == 200, 60)
