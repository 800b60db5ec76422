"""CPU of the webhook intake in this process (`time.process_time()`, meaningful on a loaded machine): Evolution
`messages.upsert` webhooks as the gateway forwards them (`HandleWebhooks` over gRPC, two calls in flight,
`--batch` webhooks per call, `X-Webhook-Secret` checked) → verification, normalization → InboundMessage
published and acked by JetStream, per webhook, as `make run` runs it (SQLite under a temp DATA_DIR, a private
nats-server). The webhooks are sent by a child process: its CPU is not counted.

    .venv/bin/python services/channel-adapter/benchmarks/intake_cpu.py [--webhooks 2000] [--batch 2] [--profile]

With `--profile` a cProfile (CPU clock) dump in `/tmp/channel-adapter-intake.prof` and the top functions
(cProfile roughly doubles the CPU: compare shares, not totals)."""

from __future__ import annotations

import argparse
import asyncio
import json
import shutil
import sys
import tempfile
import time
import uuid
from pathlib import Path

import structlog
import uvloop
from channel_adapter.main import SERVICE_NAME, start_service
from channel_adapter.settings import ServiceSettings
from process_cpu import process_cpu
from sellerbot.channels.v1 import channel_adapter_pb2 as pb
from sellerbot.channels.v1 import channel_adapter_pb2_grpc
from sellerbot_devstack.servers import start_nats
from sellerbot_grpc import freeze_startup_heap, open_channel
from sellerbot_telemetry.tracing import configure_tracing

SECRET = "intake-bench-webhook-secret-0123456789"
INSTANCE = "bench"
IN_FLIGHT = 2  # the gateway's call slots


def webhook(index: int) -> pb.WebhookRequest:
    body = {"event": "messages.upsert", "instance": INSTANCE, "data": {
        "key": {"remoteJid": f"5511{index:09d}@s.whatsapp.net", "fromMe": False, "id": uuid.uuid4().hex[:22].upper()},
        "pushName": "Ana Souza", "message": {"conversation": "Oi, tem o tênis azul 42?"},
        "messageType": "conversation", "messageTimestamp": int(time.time())}}
    return pb.WebhookRequest(channel="evolution", method="POST", body=json.dumps(body).encode(),
                             headers=[pb.Header(name="content-type", value="application/json"),
                                      pb.Header(name="x-webhook-secret", value=SECRET)],
                             client_ip="127.0.0.1", path_suffix="messages-upsert",
                             # the gateway's span for the webhook: a new trace, unsampled (no exporter)
                             trace_context={"traceparent": f"00-{uuid.uuid4().hex}-{uuid.uuid4().hex[:16]}-00"})


async def send(address: str, count: int, batch: int, offset: int) -> None:
    channel = open_channel(address)
    stub = channel_adapter_pb2_grpc.ChannelAdapterServiceStub(channel)
    queue = [webhook(offset + i) for i in range(count)]

    async def slot() -> None:
        while queue:
            calls, queue[:batch] = queue[:batch], []
            answer = await stub.HandleWebhooks(pb.WebhookBatch(webhooks=calls), timeout=30)
            assert all(a.status_code == 200 for a in answer.answers), answer

    await asyncio.gather(*(slot() for _ in range(IN_FLIGHT)))
    await channel.close()


async def measure(args: argparse.Namespace) -> dict[str, float]:
    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(30))  # make run's stack: WARNING
    configure_tracing(SERVICE_NAME)  # as `python -m channel_adapter` without an exporter
    work = tempfile.mkdtemp(prefix="intake-bench-")
    nats = start_nats(Path(work) / "nats")
    try:
        settings = ServiceSettings(  # type: ignore[call-arg]
            _env_file=None, data_dir=work, database_url="", nats_url=nats.url, nats_namespace="",
            evolution_instance=INSTANCE, evolution_webhook_secret=SECRET,
            secrets_key="intake-bench-secrets-key-0123456789", channel_adapter_metrics_port=0)
        service = await start_service(settings, grpc_address="127.0.0.1:0")
        freeze_startup_heap()
        address = f"127.0.0.1:{service.port}"
        try:
            await send(address, 100, args.batch, 900_000_000)  # warm-up: connections, caches, the stream
            child = await asyncio.create_subprocess_exec(
                sys.executable, __file__, "--send-only", address, str(args.webhooks), str(args.batch))
            with process_cpu("channel-adapter-intake" if args.profile else None) as cpu:
                assert await child.wait() == 0, "the sender failed"
        finally:
            await service.stop()
        return {"intake_cpu_ms_per_webhook": cpu.seconds / args.webhooks * 1000, "webhooks": args.webhooks,
                "batch": args.batch}
    finally:
        nats.stop()
        shutil.rmtree(work, ignore_errors=True)


def main() -> None:
    if len(sys.argv) == 5 and sys.argv[1] == "--send-only":
        asyncio.run(send(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), 0))
        return
    parser = argparse.ArgumentParser()
    parser.add_argument("--webhooks", type=int, default=2000)
    parser.add_argument("--batch", type=int, default=2, help="webhooks per HandleWebhooks call")
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args()
    print(json.dumps(uvloop.run(measure(args)), indent=1), flush=True)


if __name__ == "__main__":
    main()
