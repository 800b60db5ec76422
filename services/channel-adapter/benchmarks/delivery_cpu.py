"""CPU of the outbound delivery in this process (`time.process_time()`, meaningful on a loaded machine): the
channel-adapter's OutboundReply consumer → POST sendText to the Evolution API fake → delivery records →
ReplyDelivered, per reply, as `make run` runs it (SQLite under a temp DATA_DIR, a private nats-server). The
replies are published by a child process and the fake runs in another one: neither's CPU is counted.

    .venv/bin/python services/channel-adapter/benchmarks/delivery_cpu.py [--replies 500] [--rate 100] [--profile]

With `--profile` a cProfile (CPU clock) dump in `/tmp/channel-adapter-delivery.prof` and the top functions
(cProfile roughly doubles the CPU: compare shares, not totals)."""

from __future__ import annotations

import argparse
import asyncio
import json
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from pathlib import Path

import structlog
import uvloop
from channel_adapter.main import SERVICE_NAME, start_service
from channel_adapter.settings import ServiceSettings
from opentelemetry import trace
from process_cpu import process_cpu
from sellerbot.events.v1 import conversation_events_pb2 as events
from sellerbot_devstack.servers import free_port, start_nats, wait_for_port
from sellerbot_grpc import freeze_startup_heap
from sellerbot_messaging import EventBus, MessagingSettings, Subjects
from sellerbot_telemetry.tracing import configure_tracing

SELLER = "delivery-bench-seller"
INSTANCE = "bench"


async def publish(nats_url: str, namespace: str, count: int, offset: int, rate: float = 0) -> None:
    """All at once, or `rate` per second (open loop, as a chatbot answering webhooks as they come)."""
    bus = await EventBus.connect(MessagingSettings(_env_file=None, nats_url=nats_url,  # type: ignore[call-arg]
                                                   nats_namespace=namespace), "delivery-bench")
    configure_tracing("delivery-bench")  # make run's default: no exporter, traces unsampled
    tracer = trace.get_tracer("delivery-bench")
    started = time.monotonic()
    for i in range(count):
        if rate:
            await asyncio.sleep(max(0.0, started + i / rate - time.monotonic()))
        reply_id = uuid.uuid4().hex
        # each reply carries its webhook's trace, as the chatbot's do (the gateway starts it, unsampled)
        with tracer.start_as_current_span("webhook"):
            await bus.publish(Subjects.outbound("whatsapp"), events.OutboundReply(
                reply_id=reply_id, user_id=SELLER, channel=events.CHANNEL_WHATSAPP, account_id=INSTANCE,
                contact_id=f"whatsapp:5511{offset + i:09d}", text="Oi! O Produto X custa R$ 49,90.", sequence=1,
            ), f"reply:{reply_id}", SELLER)
    await bus.close()


def sent(fake: str) -> int:
    with urllib.request.urlopen(f"{fake}/_fake/requests") as response:  # noqa: S310 - our own fake
        return sum(1 for r in json.load(response) if "/message/sendText/" in r["path"] and r["status"] < 300)


async def wait_sent(fake: str, count: int, seconds: float = 120) -> None:
    deadline = time.monotonic() + seconds
    while await asyncio.to_thread(sent, fake) < count:
        assert time.monotonic() < deadline, f"expected {count} replies at the fake"
        await asyncio.sleep(0.5)


async def measure(args: argparse.Namespace) -> dict[str, float]:
    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(30))  # make run's stack: WARNING
    configure_tracing(SERVICE_NAME)  # as `python -m channel_adapter` without an exporter
    work = tempfile.mkdtemp(prefix="delivery-bench-")
    nats = start_nats(Path(work) / "nats")
    fake_port = free_port()
    fake_url = f"http://127.0.0.1:{fake_port}"
    fake = subprocess.Popen(  # noqa: ASYNC220, S603 - our own interpreter and module
        [sys.executable, "-m", "sellerbot_fakes.evolution_fake", "--port", str(fake_port)])
    namespace = ""
    try:
        wait_for_port("127.0.0.1", fake_port, 30)
        settings = ServiceSettings(  # type: ignore[call-arg]
            _env_file=None, data_dir=work, database_url="", nats_url=nats.url, nats_namespace=namespace,
            evolution_api_url=fake_url, evolution_api_key="bench-key", evolution_instance=INSTANCE,
            default_seller_user_id=SELLER, secrets_key="delivery-bench-secrets-key-0123456789",
            channel_adapter_metrics_port=0)
        service = await start_service(settings, grpc_address="127.0.0.1:0")
        freeze_startup_heap()
        try:
            warm = 30
            await publish(nats.url, namespace, warm, 900_000_000)
            await wait_sent(fake_url, warm)
            child = await asyncio.create_subprocess_exec(
                sys.executable, __file__, "--publish-only", nats.url, str(args.replies), str(args.rate))
            with process_cpu("channel-adapter-delivery" if args.profile else None) as cpu:
                await child.wait()
                await wait_sent(fake_url, warm + args.replies)
        finally:
            await service.stop()
        return {"delivery_cpu_ms_per_reply": cpu.seconds / args.replies * 1000, "replies": args.replies,
                "rate": args.rate}
    finally:
        fake.terminate()
        fake.wait(15)
        nats.stop()
        shutil.rmtree(work, ignore_errors=True)


def main() -> None:
    if len(sys.argv) == 5 and sys.argv[1] == "--publish-only":
        asyncio.run(publish(sys.argv[2], "", int(sys.argv[3]), 0, float(sys.argv[4])))
        return
    parser = argparse.ArgumentParser()
    parser.add_argument("--replies", type=int, default=500)
    parser.add_argument("--rate", type=float, default=0, help="replies per second (0: all at once)")
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args()
    print(json.dumps(uvloop.run(measure(args)), indent=1), flush=True)


if __name__ == "__main__":
    main()
