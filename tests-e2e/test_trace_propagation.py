"""One trace from the gateway, over gRPC into a service, and across a NATS hop to a consumer."""

from __future__ import annotations

import asyncio
import uuid

import grpc
import httpx
from api_gateway.main import create_app
from api_gateway.settings import GatewaySettings
from opentelemetry import trace
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from sellerbot.automation.v1 import automation_pb2, automation_pb2_grpc
from sellerbot.events.v1 import bot_events_pb2
from sellerbot_grpc import GrpcServer, caller_user_id
from sellerbot_messaging import EventBus, EventMeta, MessagingSettings, Subjects
from sellerbot_messaging.streams import BOT
from sellerbot_telemetry import configure_tracing


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
