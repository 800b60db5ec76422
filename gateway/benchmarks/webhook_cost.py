"""Benchmark: CPU per request of the webhook ingress and of the Evolution API fake, next to a bare endpoint.

Starts a private nats-server, `python -m channel_adapter`, `python -m api_gateway` (RATE_LIMIT_WEBHOOKS raised
for the run, Redis on 127.0.0.1:6379 when it answers), channel-adapter's bare FastAPI endpoint
(`services/channel-adapter/benchmarks/bare_endpoint.py`) and `python -m sellerbot_fakes.evolution_fake`, each
its own process on the same cores, and drives each with a closed loop of keep-alive connections from a small
raw-socket HTTP/1.1 client (cheaper than aiohttp, so more of the cores is left to the servers). Every phase
reports requests/s and each process's CPU (user + system, from /proc) per request.

    .venv/bin/python gateway/benchmarks/webhook_cost.py [--seconds 10] [--connections 32]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from sellerbot_devstack.servers import free_port, port_open, start_nats, wait_for_port

ROOT = Path(__file__).resolve().parents[2]
SECRET = "bench-webhook-secret-0123456789abcdef"
TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS


def webhook_request(path: str, worker: int, sequence: int) -> bytes:
    body = json.dumps({
        "event": "messages.upsert", "instance": "bench", "data": {
            "key": {"remoteJid": f"55119{worker:03d}{sequence:05d}@s.whatsapp.net", "fromMe": False,
                    "id": f"BENCH{worker:03d}{sequence:012d}{os.getpid()}"},
            "pushName": "Cliente", "message": {"conversation": "Oi, tem o tênis azul 42?"},
            "messageType": "conversation", "messageTimestamp": 1764530000},
        "sender": "5511888888888@s.whatsapp.net"}).encode()
    return (f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
            f"X-Webhook-Secret: {SECRET}\r\napikey: bench-key\r\nContent-Length: {len(body)}\r\n\r\n").encode() + body


def send_text_request(path: str, worker: int, sequence: int) -> bytes:
    body = json.dumps({"number": f"55119{worker:03d}{sequence:05d}", "text": "Temos sim! O tênis azul 42 sai "
                       "por R$ 199,90.", "delay": 0}).encode()
    return (f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
            f"apikey: bench-key\r\nContent-Length: {len(body)}\r\n\r\n").encode() + body


async def drive(port: int, path: str, seconds: float, connections: int, request_of, expect: int,
                rate: float) -> tuple[int, int, float]:
    """(answered, answered `expect`, seconds). Closed loop when `rate` is 0 (each connection sends its next
    request once answered); otherwise open loop: one request every 1/rate s on whichever connection is free."""
    answered = ok = 0
    started = time.monotonic()
    deadline = started + seconds
    tickets: asyncio.Queue[None] | None = asyncio.Queue() if rate else None

    async def pace() -> None:
        assert tickets is not None
        sent = 0
        while time.monotonic() < deadline:
            due = started + sent / rate - time.monotonic()
            if due > 0:
                await asyncio.sleep(due)
            tickets.put_nowait(None)
            sent += 1
        for _ in range(connections):
            tickets.put_nowait(None)

    async def connection(worker: int) -> None:
        nonlocal answered, ok
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        sequence = 0
        try:
            while time.monotonic() < deadline:
                if tickets is not None:
                    await tickets.get()
                    if time.monotonic() >= deadline:
                        break
                sequence += 1
                writer.write(request_of(path, worker, sequence))
                head = await reader.readuntil(b"\r\n\r\n")
                status = int(head[9:12])
                length = 0
                for line in head.split(b"\r\n"):
                    if line[:15].lower() == b"content-length:":
                        length = int(line[15:])
                await reader.readexactly(length)
                answered += 1
                ok += status == expect
        finally:
            writer.close()

    await asyncio.gather(*(connection(w) for w in range(connections)), *([pace()] if rate else []))
    return answered, ok, time.monotonic() - started


def phase(name: str, port: int, path: str, args: argparse.Namespace, request_of, expect: int,
          watched: dict[str, int]) -> None:
    before = {label: cpu_seconds(pid) for label, pid in watched.items()}
    own = time.process_time()
    answered, ok, seconds = asyncio.run(drive(port, path, args.seconds, args.connections, request_of, expect,
                                                args.rate))
    spent = {label: cpu_seconds(pid) - before[label] for label, pid in watched.items()}
    spent["load generator"] = time.process_time() - own
    per = ", ".join(f"{label} {cpu / max(1, answered) * 1000:.3f} ms" for label, cpu in spent.items())
    print(f"{name}: {ok / seconds:,.0f}/s ({ok:,}/{answered:,} answered {expect}); CPU per request: {per}; "
          f"load {os.getloadavg()[0]:.2f}", flush=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--rate", type=float, default=0, help="requests/s, open loop (0: closed loop)")
    parser.add_argument("--memory-limits", action="store_true", help="rate limits in memory, not in Redis")
    parser.add_argument("--profile-gateway", metavar="FILE", help="run the gateway under cProfile, stats to FILE")
    parser.add_argument("--log-level", default="WARNING", help="LOG_LEVEL of every process (make run: INFO)")
    parser.add_argument("--only", choices=["bare", "gateway", "fake"], action="append")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="sellerbot-bench-gw-"))
    nats = start_nats(work / "nats")
    grpc_port, gateway_port, bare_port, fake_port = free_port(), free_port(), free_port(), free_port()
    redis = "redis://127.0.0.1:6379/0" if port_open("127.0.0.1", 6379) and not args.memory_limits else ""
    env = {**os.environ, "NATS_URL": nats.url, "NATS_NAMESPACE": "bench", "DATA_DIR": str(work), "DATABASE_URL": "",
           "REDIS_URL": redis, "CHANNEL_ADAPTER_GRPC_ADDR": f"127.0.0.1:{grpc_port}",
           "CHANNEL_ADAPTER_METRICS_PORT": "0", "EVOLUTION_WEBHOOK_SECRET": SECRET, "LOG_LEVEL": args.log_level,
           "GATEWAY_PORT": str(gateway_port), "RATE_LIMIT_WEBHOOKS": "100000000/minute", "SERVICE_METRICS_URLS": "",
           "SECRETS_KEY": "bench-secrets-key-0123456789", "PYTHONUNBUFFERED": "1"}
    only = set(args.only or ["bare", "gateway", "fake"])
    commands = {"bare": [str(ROOT / "services/channel-adapter/benchmarks/bare_endpoint.py"), str(bare_port)],
                "fake": ["-m", "sellerbot_fakes.evolution_fake", "--port", str(fake_port)],
                "channel-adapter": ["-m", "channel_adapter"],
                "gateway": [*(["-m", "cProfile", "-o", args.profile_gateway] if args.profile_gateway else []),
                            "-m", "api_gateway"]}
    wanted = [n for n in commands if n in only or (n == "channel-adapter" and "gateway" in only)]
    processes = {name: subprocess.Popen([sys.executable, *commands[name]], env=env, cwd=ROOT,  # noqa: S603
                                        stdout=(work / f"{name}.log").open("wb"), stderr=subprocess.STDOUT)
                 for name in wanted}
    ports = {"bare": bare_port, "fake": fake_port, "channel-adapter": grpc_port, "gateway": gateway_port}
    try:
        for name in wanted:
            wait_for_port("127.0.0.1", ports[name], 180, None)
        print(f"rate limits in {'Redis' if redis else 'memory'}; logs in {work}", flush=True)
        hook = "/seller-bot/webhook/evolution"
        if "bare" in only:
            phase("bare warm-up", bare_port, hook, args, webhook_request, 200, {})
            phase("bare FastAPI", bare_port, hook, args, webhook_request, 200, {"bare": processes["bare"].pid})
        if "gateway" in only:
            watched = {"gateway": processes["gateway"].pid, "channel-adapter": processes["channel-adapter"].pid,
                       "nats-server": nats.process.pid}
            phase("gateway warm-up", gateway_port, hook, args, webhook_request, 200, watched)
            phase("gateway -> channel-adapter -> JetStream", gateway_port, hook, args, webhook_request, 200, watched)
        if "fake" in only:
            send = "/message/sendText/bench"
            phase("fake warm-up", fake_port, send, args, send_text_request, 201, {})
            forget = urllib.request.Request(f"http://127.0.0.1:{fake_port}/_fake/requests", method="DELETE")
            urllib.request.urlopen(forget).close()  # noqa: S310 - our own fake on loopback
            phase("evolution fake sendText", fake_port, send, args, send_text_request, 201,
                  {"fake": processes["fake"].pid})
        return 0
    finally:
        for name, process in processes.items():
            # uvicorn re-raises SIGTERM after its shutdown, which would end cProfile before it writes its stats.
            process.send_signal(signal.SIGINT if name == "gateway" and args.profile_gateway else signal.SIGTERM)
        for process in processes.values():
            try:
                process.wait(15)
            except subprocess.TimeoutExpired:
                process.kill()
        nats.stop()


if __name__ == "__main__":
    sys.exit(main())
