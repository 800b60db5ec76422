"""Benchmark: Evolution webhooks through the real gateway to the JetStream ack, next to a bare FastAPI endpoint.

Starts a private nats-server, `python -m channel_adapter`, `python -m api_gateway` (RATE_LIMIT_WEBHOOKS raised for
the run) and the bare endpoint, each in its own process, and drives them with wrk (written in C, so the load
generator takes little of the 2 cores) and `evolution_webhooks.lua`: unique `messages.upsert` webhooks with
`X-Webhook-Secret` over keep-alive loopback connections (closed loop). It reads every process's CPU from /proc,
then counts the messages JetStream stored: lost = webhooks answered 200 that JetStream does not hold.
Writes docs/benchmarks/channel-adapter.md.

Run: `.venv/bin/python services/channel-adapter/benchmarks/run.py [--seconds 50] [--connections 32]`
(`make bench` installs wrk with apt when it is missing).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

import nats
from sellerbot_devstack.servers import free_port, port_open, start_nats, wait_for_port

ROOT = Path(__file__).resolve().parents[3]
HERE = Path(__file__).resolve().parent
SECRET = "bench-webhook-secret-0123456789abcdef"
NAMESPACE = "bench"
GOALS = {"rate": 2000.0, "p99_ms": 25.0, "ratio": 0.3}
TICKS = os.sysconf("SC_CLK_TCK")


@dataclass
class Load:
    """What wrk reports for one phase (closed loop: each connection sends its next webhook when answered)."""

    name: str
    answered: int
    ok: int
    seconds: float
    p50_ms: float
    p90_ms: float
    p99_ms: float
    max_ms: float
    socket_errors: int
    cpu_seconds: dict[str, float]

    @property
    def rate(self) -> float:
        return self.ok / self.seconds

    def cpu_per_webhook_us(self, process: str) -> float:
        return self.cpu_seconds[process] / max(1, self.answered) * 1e6


def cpu_seconds(pid: int) -> float:
    """utime + stime of a process, in seconds (children excluded)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS


def wrk(name: str, port: int, seconds: int, connections: int, tag: str, watched: dict[str, int]) -> Load:
    """One wrk run; the CPU each watched process (and wrk itself) spent during it."""
    before = {label: cpu_seconds(pid) for label, pid in watched.items()}
    started_children = os.times()
    result = subprocess.run(  # noqa: S603 - wrk by absolute path with our own arguments
        [str(shutil.which("wrk")), "-t", "2", "-c", str(connections), "-d", f"{seconds}s",
         "-s", str(HERE / "evolution_webhooks.lua"), f"http://127.0.0.1:{port}", "--", SECRET, tag],
        capture_output=True, text=True, check=True)
    finished_children = os.times()
    spent = {label: cpu_seconds(pid) - before[label] for label, pid in watched.items()}
    spent["wrk (load generator)"] = ((finished_children.children_user + finished_children.children_system)
                                     - (started_children.children_user + started_children.children_system))
    line = next(line for line in result.stdout.splitlines() if line.startswith("WRK_JSON "))
    summary = json.loads(line.removeprefix("WRK_JSON "))
    load = Load(name, summary["answered"], summary["ok"], summary["duration_us"] / 1e6, summary["p50_us"] / 1000,
                summary["p90_us"] / 1000, summary["p99_us"] / 1000, summary["max_us"] / 1000, summary["errors"],
                spent)
    print(f"{name}: {load.rate:,.0f}/s, p50 {load.p50_ms:.1f} ms, p99 {load.p99_ms:.1f} ms, "
          f"{load.ok:,}/{load.answered:,} answered 200", flush=True)
    return load


def spawn(args: list[str], env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    handle = log.open("wb")
    return subprocess.Popen(  # noqa: S603 - our own interpreter and modules
        [sys.executable, *args], env=env, cwd=ROOT, stdout=handle, stderr=subprocess.STDOUT)


async def stored_messages(nats_url: str) -> int:
    connection = await nats.connect(nats_url)
    try:
        info = await connection.jetstream().stream_info(f"{NAMESPACE}_CONVERSATIONS")
        return int(info.state.messages)
    finally:
        await connection.close()


def main_with(args: argparse.Namespace) -> int:
    if shutil.which("wrk") is None:
        print("wrk is not installed: `make bench` installs it (apt-get install wrk)", file=sys.stderr)
        return 2
    work = Path(tempfile.mkdtemp(prefix="sellerbot-bench-ca-"))
    nats_server = start_nats(work / "nats")
    assert nats_server.process is not None
    grpc_port, gateway_port, bare_port = free_port(), free_port(), free_port()
    env = {**os.environ, "NATS_URL": nats_server.url, "NATS_NAMESPACE": NAMESPACE, "DATA_DIR": str(work),
           "DATABASE_URL": "", "CHANNEL_ADAPTER_GRPC_ADDR": f"127.0.0.1:{grpc_port}",
           "CHANNEL_ADAPTER_METRICS_PORT": "0", "EVOLUTION_WEBHOOK_SECRET": SECRET, "LOG_LEVEL": "WARNING",
           "GATEWAY_PORT": str(gateway_port), "RATE_LIMIT_WEBHOOKS": "100000000/minute",
           "SERVICE_METRICS_URLS": "", "SECRETS_KEY": "bench-secrets-key-0123456789", "PYTHONUNBUFFERED": "1"}
    adapter = spawn(["-m", "channel_adapter"], env, work / "channel-adapter.log")
    gateway = spawn(["-m", "api_gateway"], env, work / "gateway.log")
    bare = spawn([str(HERE / "bare_endpoint.py"), str(bare_port)], env, work / "bare.log")
    processes = [adapter, gateway, bare]
    try:
        for port in (grpc_port, gateway_port, bare_port):
            wait_for_port("127.0.0.1", port, 180, None)
        redis = "Redis" if port_open("127.0.0.1", 6379) else "in-memory"
        watched = {"gateway": gateway.pid, "channel-adapter": adapter.pid, "nats-server": nats_server.process.pid}
        wrk("bare warm-up", bare_port, 5, args.connections, "bw", {})
        bare_load = wrk("bare FastAPI", bare_port, args.bare_seconds, args.connections, "bb", {"bare": bare.pid})
        warm = wrk("gateway warm-up", gateway_port, 5, args.connections, "gw", watched)
        gateway_load = wrk("gateway -> channel-adapter -> JetStream", gateway_port, args.seconds, args.connections,
                           "gg", watched)
        stored = asyncio.run(stored_messages(nats_server.url))
        answered_ok = warm.ok + gateway_load.ok
        lost = max(0, answered_ok - stored)
        print(f"JetStream stored {stored:,}; answered 200: {answered_ok:,}; lost {lost}", flush=True)
        write_report(args, bare_load, gateway_load, stored, answered_ok, lost, redis, os.getloadavg()[0])
        return 0 if lost == 0 and gateway_load.ok == gateway_load.answered else 1
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            try:
                process.wait(15)
            except subprocess.TimeoutExpired:
                process.kill()
        nats_server.stop()


def write_report(args: argparse.Namespace, bare: Load, gateway: Load, stored: int, answered_ok: int, lost: int,
                 redis: str, load_average: float) -> None:
    ratio = gateway.rate / bare.rate

    def verdict(ok: bool) -> str:
        return "met" if ok else "**not met**"

    def row(load: Load, what: str) -> str:
        return (f"| {what} | {load.answered:,} | {load.rate:,.0f}/s | {load.p50_ms:.1f} ms | {load.p90_ms:.1f} ms "
                f"| {load.p99_ms:.1f} ms | {load.max_ms:.1f} ms | {load.ok:,} |")

    cpu_rows = [f"| {process} | {gateway.cpu_per_webhook_us(process):,.0f} µs |" for process in gateway.cpu_seconds]
    total = sum(gateway.cpu_seconds.values()) / gateway.seconds
    lines = [
        "## channel-adapter: webhook ingest to the JetStream ack",
        "",
        f"Goal (issue 4): ≥{GOALS['rate']:,.0f} webhooks/s sustained, p99 ack latency ≤{GOALS['p99_ms']:.0f} ms, "
        f"lost = 0, and ≥{GOALS['ratio']}x a bare FastAPI endpoint on the same uvicorn stack.",
        "",
        f"wrk (2 threads, {args.connections} keep-alive loopback connections, closed loop) posts unique Evolution "
        "`messages.upsert` webhooks, each with its own `key.id`, for a fixed time after a 5 s warm-up. Gateway "
        f"path: uvicorn → webhook ingress (body limit, webhook rate limit in {redis} raised to "
        "100000000/minute, trace context) → `HandleWebhooks` over gRPC (the webhooks that arrive while the "
        "previous calls are in flight travel together) → `X-Webhook-Secret` check, normalization → JetStream "
        "publish with `Nats-Msg-Id`, answered 200 after the ack. Every process (wrk, gateway, channel-adapter, "
        "nats-server, Redis, the bare app) shares the 2 cores.",
        "",
        "| endpoint | webhooks | sustained rate | p50 | p90 | p99 | max | answered 200 |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
        row(bare, "bare FastAPI (parse JSON, 200)"),
        row(gateway, "gateway → channel-adapter → JetStream ack"),
        "",
        f"- Sustained rate: {gateway.rate:,.0f}/s over {gateway.seconds:.0f} s, {gateway.ok:,} webhooks "
        f"(goal ≥{GOALS['rate']:,.0f}/s: {verdict(gateway.rate >= GOALS['rate'])}).",
        f"- p99 ack latency: {gateway.p99_ms:.1f} ms (goal ≤{GOALS['p99_ms']:.0f} ms: "
        f"{verdict(gateway.p99_ms <= GOALS['p99_ms'])}).",
        f"- Ratio to the bare endpoint: {ratio:.2f}x (goal ≥{GOALS['ratio']}x: {verdict(ratio >= GOALS['ratio'])}).",
        f"- Lost: {lost} (JetStream stored {stored:,} webhooks; {answered_ok:,} were answered 200 in the gateway's "
        "warm-up and measured run; a webhook still in flight when wrk stops may be stored without its answer "
        "being counted). Socket errors: "
        f"{gateway.socket_errors}.",
        f"- Machine load average (1 min) at the end: {load_average:.1f} on 2 cores.",
        "",
        "CPU per webhook in each process during the measured run (from /proc, user + system):",
        "",
        "| process | CPU per webhook |",
        "|---|---:|",
        *cpu_rows,
        f"| all of them | {sum(gateway.cpu_per_webhook_us(p) for p in gateway.cpu_seconds):,.0f} µs "
        f"({total:.2f} of 2 cores busy) |",
        "",
        f"Command: `.venv/bin/python services/channel-adapter/benchmarks/run.py --seconds {args.seconds} "
        f"--connections {args.connections}`",
        "",
    ]
    out = ROOT / "docs" / "benchmarks" / "channel-adapter.md"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text("\n".join(lines))
    print(f"wrote {out.relative_to(ROOT)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=50, help="measured gateway run (50 s ≈ 100,000 webhooks)")
    parser.add_argument("--bare-seconds", type=int, default=15)
    parser.add_argument("--connections", type=int, default=32)
    sys.exit(main_with(parser.parse_args()))


if __name__ == "__main__":
    main()
