"""CPU seconds per Evolution webhook on each hop (gateway, channel-adapter), independent of wall-clock noise.

`--hop gateway`: the real gateway app in this process, driven through its ASGI interface (no sockets, no HTTP
client), the real channel-adapter as a subprocess over gRPC, a private nats-server. Reports this process's
`time.process_time()` per webhook (gateway + the tiny ASGI driver) and the channel-adapter's and nats-server's CPU
from /proc per webhook.
`--hop service`: the channel-adapter in this process, `HandleWebhook` called on the servicer directly (no gRPC).
`--profile FILE` writes a cProfile of the measured loop (read it with `python -m pstats FILE`).

Run: `.venv/bin/python services/channel-adapter/benchmarks/cpu_per_webhook.py --hop gateway --messages 3000`.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import os
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))
from run import NAMESPACE, SECRET, spawn, webhook_body
from sellerbot_devstack.servers import free_port, port_open, start_nats, wait_for_port

TICKS = os.sysconf("SC_CLK_TCK")


def proc_cpu(pid: int) -> float:
    """utime + stime of a process, in seconds."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS


async def drive(send_one: Callable[[int], Awaitable[int]], messages: int, concurrency: int, offset: int) -> int:
    counter = iter(range(offset, offset + messages))
    statuses: dict[int, int] = {}

    async def worker() -> None:
        for n in counter:
            status = await send_one(n)
            statuses[status] = statuses.get(status, 0) + 1

    await asyncio.gather(*(worker() for _ in range(concurrency)))
    if set(statuses) != {200}:
        print(f"  answers by status: {statuses}")
    return statuses.get(200, 0)


def asgi_sender(app: Any) -> Callable[[int], Awaitable[int]]:
    """One POST through the ASGI app, as uvicorn would deliver it."""

    async def send_one(n: int) -> int:
        body = webhook_body(n)
        scope = {
            "type": "http", "asgi": {"version": "3.0", "spec_version": "2.3"}, "http_version": "1.1",
            "method": "POST", "scheme": "http", "path": "/seller-bot/webhook/evolution",
            "raw_path": b"/seller-bot/webhook/evolution", "root_path": "", "query_string": b"",
            "headers": [(b"host", b"127.0.0.1:8000"), (b"content-type", b"application/json"),
                        (b"x-webhook-secret", SECRET.encode()), (b"content-length", str(len(body)).encode())],
            "client": ("127.0.0.1", 50000), "server": ("127.0.0.1", 8000), "state": {},
        }
        sent = False
        status = 0

        async def receive() -> dict[str, Any]:
            nonlocal sent
            if sent:
                await asyncio.Event().wait()
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}

        async def send(message: dict[str, Any]) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]

        await app(scope, receive, send)
        return status

    return send_one


async def measure(name: str, send_one: Callable[[int], Awaitable[int]], args: argparse.Namespace,
                  others: dict[str, int]) -> None:
    await drive(send_one, min(500, args.messages), args.concurrency, 90_000_000)  # warm-up
    before = {label: proc_cpu(pid) for label, pid in others.items()}
    profiler = cProfile.Profile(time.process_time) if args.profile else None
    cpu, wall = time.process_time(), time.perf_counter()
    if profiler:
        profiler.enable()
    ok = await drive(send_one, args.messages, args.concurrency, 0)
    if profiler:
        profiler.disable()
        profiler.dump_stats(args.profile)
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    print(f"{name}: {ok}/{args.messages} answered 200, CPU {cpu / args.messages * 1e6:.0f} µs/webhook "
          f"(this process), wall {wall:.1f} s")
    for label, pid in others.items():
        spent = proc_cpu(pid) - before[label]
        print(f"  {label}: CPU {spent / args.messages * 1e6:.0f} µs/webhook")


def service_env(nats_url: str, work: Path) -> dict[str, str]:
    return {"NATS_URL": nats_url, "NATS_NAMESPACE": NAMESPACE, "DATA_DIR": str(work), "DATABASE_URL": "",
            "EVOLUTION_WEBHOOK_SECRET": SECRET, "LOG_LEVEL": "WARNING", "SECRETS_KEY": "bench-secrets-key-0123456789",
            "RATE_LIMIT_WEBHOOKS": "100000000/minute", "SERVICE_METRICS_URLS": "",
            "CHANNEL_ADAPTER_METRICS_PORT": "0"}


async def gateway_hop(args: argparse.Namespace, nats_url: str, nats_pid: int, work: Path) -> None:
    grpc_port = free_port()
    env = {**os.environ, **service_env(nats_url, work), "CHANNEL_ADAPTER_GRPC_ADDR": f"127.0.0.1:{grpc_port}"}
    adapter = spawn(["-m", "channel_adapter"], env, work / "ca.log")
    try:
        wait_for_port("127.0.0.1", grpc_port, 120, adapter)
        os.environ.update(env)
        from api_gateway.main import create_app
        from api_gateway.settings import GatewaySettings
        from sellerbot_telemetry import configure_telemetry

        settings = GatewaySettings()
        configure_telemetry("gateway", settings)
        app = create_app(settings)
        async with app.router.lifespan_context(app):
            print(f"rate limits in {app.state.gateway.limiter.backend}")
            await measure("gateway (ASGI, in process)", asgi_sender(app), args,
                          {"channel-adapter": adapter.pid, "nats-server": nats_pid})
    finally:
        adapter.terminate()
        adapter.wait(15)


async def service_hop(args: argparse.Namespace, nats_url: str, nats_pid: int, work: Path) -> None:
    os.environ.update(service_env(nats_url, work))
    from channel_adapter.grpc_api.servicer import ChannelAdapterServicer
    from channel_adapter.main import start_service
    from channel_adapter.settings import ServiceSettings
    from sellerbot.channels.v1 import channel_adapter_pb2 as pb
    from sellerbot_telemetry import configure_telemetry

    settings = ServiceSettings()
    configure_telemetry("channel-adapter", settings)
    service = await start_service(settings, "127.0.0.1:0")
    servicer = ChannelAdapterServicer(settings, service.intake, service.directory, service.intake._records,
                                      service.delivery, service.bus)
    headers = [pb.Header(name="content-type", value="application/json"),
               pb.Header(name="x-webhook-secret", value=SECRET)]

    async def send_one(n: int) -> int:
        request = pb.WebhookRequest(channel="evolution", method="POST", body=webhook_body(n), headers=headers,
                                    client_ip="127.0.0.1")
        answer = await servicer.HandleWebhook(request, None)  # type: ignore[arg-type]
        return answer.status_code

    try:
        await measure("channel-adapter HandleWebhook (servicer, in process)", send_one, args,
                      {"nats-server": nats_pid})
    finally:
        await service.stop()


async def main_async(args: argparse.Namespace) -> None:
    work = Path(tempfile.mkdtemp(prefix="sellerbot-cpu-ca-"))
    nats_server = start_nats(work / "nats")
    assert nats_server.process is not None
    print(f"Redis on :6379: {port_open('127.0.0.1', 6379)}")
    try:
        hop = gateway_hop if args.hop == "gateway" else service_hop
        await hop(args, nats_server.url, nats_server.process.pid, work)
    finally:
        nats_server.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hop", choices=["gateway", "service"], default="gateway")
    parser.add_argument("--messages", type=int, default=3000)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--profile", default="")
    args = parser.parse_args()
    import uvloop

    uvloop.install()
    asyncio.run(main_async(args))


if __name__ == "__main__":
    main()
