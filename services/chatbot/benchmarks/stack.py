"""End-to-end benchmark of the `make run` stack: Evolution webhooks in, WhatsApp replies out.

Starts what `make run` starts for this path, as a user gets it (SQLite under a fresh DATA_DIR, Redis on
127.0.0.1:6379, a private nats-server with its store, no OpenAI key = the offline responder, every consumer
running): the gateway, channel-adapter, one chatbot replica (a second one joins for the replica phases) and
the Evolution API fake (`fakes/`), each its own process. The load generator posts real Evolution
`messages.upsert` webhooks to `POST /seller-bot/webhook/evolution` at a fixed rate (open loop), each from a
contact never seen (NEW) or seen in an earlier phase (RETURNING), and reads the replies the channel-adapter
sent to the fake (`GET /_fake/requests`, each stamped on arrival): webhook -> reply latency per message,
replies per second, and each process's CPU from /proc. The seller's debounce is set to 0 (otherwise every
reply waits the 3 s window by design). Writes docs/benchmarks/stack.md.

With `--database postgresql` (a narrower extra) every service uses a fresh database on the machine's
PostgreSQL (or one `make test` would start), as `make run` does with DATABASE_URL set, and the report goes to
docs/benchmarks/stack-postgresql.md: two chatbot replicas then write to a server instead of one SQLite file.

    .venv/bin/python services/chatbot/benchmarks/stack.py [--seconds 20] [--burst-rate 300] [--skip-ingest]
        [--database sqlite|postgresql]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp

sys.path.insert(0, os.path.dirname(__file__))
from google.protobuf import struct_pb2
from run import _drop_database, _fresh_database
from sellerbot.chatbot.v1 import chatbot_pb2 as pb
from sellerbot.chatbot.v1 import chatbot_pb2_grpc
from sellerbot_devstack.servers import OwnServer, find_or_start, free_port, port_open, start_nats, wait_for_port
from sellerbot_grpc import open_channel, user_metadata

ROOT = Path(__file__).resolve().parents[3]
SECRET = "stack-bench-webhook-secret-0123456789"
ADMIN_EMAIL = "admin@sellerbot.local"
SELLER = str(uuid.uuid5(uuid.NAMESPACE_URL, f"sellerbot:user:{ADMIN_EMAIL}"))  # make run's default seller
INSTANCE = "bench"
QUESTIONS = ["Oi, tem o tênis azul 42?", "qual o preço do tênis?", "aceita pix?", "vocês entregam em BH?",
             "oi, tudo bem?", "qual o prazo de entrega?"]
GOALS = {"replies_per_s": 150.0, "p99_ms": 250.0, "ratio": 0.3, "returning_cpu_ms_pg": 3.0}
TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (FileNotFoundError, ProcessLookupError):  # it exited meanwhile
        return 0.0
    return (int(fields[11]) + int(fields[12])) / TICKS


def _command(proc_entry: Path) -> str:
    try:
        return (proc_entry / "comm").read_text().strip()
    except OSError:
        return ""


def cpu_spent(before: dict[str, float], after: dict[str, float]) -> dict[str, float]:
    return {name: after[name] - before[name] for name in before if name in after}


@dataclass
class Phase:
    name: str
    rate: float
    sent: int
    answered: int
    seconds_to_last_reply: float
    latencies_ms: list[float]
    cpu: dict[str, float]
    load_before: float
    load_after: float
    replicas: int
    duplicates: int = 0
    out_of_order: int = 0

    def percentile(self, q: float) -> float:
        ordered = sorted(self.latencies_ms)
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else float("nan")

    @property
    def replies_per_s(self) -> float:
        return self.answered / self.seconds_to_last_reply if self.seconds_to_last_reply else 0.0

    def chatbot_cpu_ms_per_turn(self) -> float:
        chatbot = sum(v for k, v in self.cpu.items() if k.startswith("chatbot"))
        return chatbot / max(1, self.answered) * 1000


@dataclass
class Stack:
    work: Path
    env: dict[str, str]
    nats: OwnServer
    processes: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)
    chatbot_ports: list[int] = field(default_factory=list)
    gateway_port: int = 0
    fake_port: int = 0
    # The last CPU reading of every PostgreSQL server process seen: one that exited keeps counting what it used
    # up to its last reading (summing only the live ones made the total fall, a negative figure per reply).
    postgres_seen: dict[int, float] = field(default_factory=dict)

    def spawn(self, name: str, args: list[str], env: dict[str, str] | None = None) -> subprocess.Popen[bytes]:
        log = (self.work / f"{name}.log").open("wb")
        process = subprocess.Popen(  # noqa: S603 - our own interpreter and modules
            [sys.executable, *args], env={**self.env, **(env or {})}, cwd=ROOT, stdout=log,
            stderr=subprocess.STDOUT)
        self.processes[name] = process
        return process

    def add_chatbot(self) -> int:
        index = len(self.chatbot_ports)
        port = free_port()
        self.spawn(f"chatbot-{index + 1}", ["-m", "chatbot"], {
            "CHATBOT_GRPC_ADDR": f"127.0.0.1:{port}", "CHATBOT_METRICS_PORT": str(free_port())})
        wait_for_port("127.0.0.1", port, 180, self.processes[f"chatbot-{index + 1}"])
        self.chatbot_ports.append(port)
        return port

    def pids(self) -> dict[str, int]:
        found = {name: p.pid for name, p in self.processes.items() if p.poll() is None}
        assert self.nats.process is not None
        found["nats-server"] = self.nats.process.pid
        return found

    def cpu(self) -> dict[str, float]:
        """CPU seconds so far of each live process, and of the machine's PostgreSQL server processes in all
        when the stack uses it (they share the cores; what a backend uses after its last reading and before it
        exits is missed)."""
        found = {name: cpu_seconds(pid) for name, pid in self.pids().items() if name != "bare"}
        if self.env.get("DATABASE_URL"):
            for entry in Path("/proc").iterdir():
                if entry.name.isdigit() and _command(entry) == "postgres":
                    pid = int(entry.name)  # max: one that exits while being read reads 0
                    self.postgres_seen[pid] = max(self.postgres_seen.get(pid, 0.0), cpu_seconds(pid))
            found["postgresql (server)"] = sum(self.postgres_seen.values())
        return found

    def stop(self) -> None:
        for process in self.processes.values():
            process.terminate()
        for process in self.processes.values():
            try:
                process.wait(15)
            except subprocess.TimeoutExpired:
                process.kill()
        self.nats.stop()


def start_stack(redis_url: str, database_url: str = "") -> Stack:
    work = Path(tempfile.mkdtemp(prefix="sellerbot-stack-bench-"))
    nats = start_nats(work / "nats")
    adapter_port, gateway_port, fake_port = free_port(), free_port(), free_port()
    env = {**os.environ, "DATA_DIR": str(work), "DATABASE_URL": database_url, "NATS_URL": nats.url,
           "NATS_NAMESPACE": "",
           "REDIS_URL": redis_url, "OPENAI_API_KEY": "", "LOG_LEVEL": "WARNING", "PYTHONUNBUFFERED": "1",
           "CHANNEL_ADAPTER_GRPC_ADDR": f"127.0.0.1:{adapter_port}", "CHANNEL_ADAPTER_METRICS_PORT": str(free_port()),
           "GATEWAY_PORT": str(gateway_port), "SERVICE_METRICS_URLS": "", "RATE_LIMIT_WEBHOOKS": "100000000/minute",
           "EVOLUTION_API_URL": f"http://127.0.0.1:{fake_port}", "EVOLUTION_API_KEY": "bench-key",
           "EVOLUTION_WEBHOOK_SECRET": SECRET, "EVOLUTION_INSTANCE": INSTANCE, "DEFAULT_SELLER_USER_ID": SELLER,
           "ADMIN_EMAIL": ADMIN_EMAIL, "ADMIN_PASSWORD": "admin12345",
           "SECRETS_KEY": "stack-bench-secrets-key-0123456789", "JWT_SECRET": "stack-bench-jwt-" + "x" * 40}
    stack = Stack(work, env, nats, gateway_port=gateway_port, fake_port=fake_port)
    stack.spawn("evolution-fake", ["-m", "sellerbot_fakes.evolution_fake", "--port", str(fake_port)])
    stack.spawn("channel-adapter", ["-m", "channel_adapter"])
    stack.spawn("gateway", ["-m", "api_gateway"])
    for port, name in ((fake_port, "evolution-fake"), (adapter_port, "channel-adapter"), (gateway_port, "gateway")):
        wait_for_port("127.0.0.1", port, 180, stack.processes[name])
    stack.add_chatbot()
    return stack


async def configure_seller(port: int) -> None:
    """Debounce 0: the figures are the stack's, not the 3 s window a seller normally waits for a burst."""
    channel = open_channel(f"127.0.0.1:{port}")
    patch = struct_pb2.Struct()
    patch.update({"debounce": {"window_seconds": 0, "max_wait_seconds": 0}})
    await chatbot_pb2_grpc.ChatbotServiceStub(channel).UpdateConfig(
        pb.UpdateConfigRequest(patch=patch), metadata=user_metadata(SELLER), timeout=30)
    await channel.close()


def webhook(phone: str, message_id: str, text: str) -> dict[str, Any]:
    return {"event": "messages.upsert", "instance": INSTANCE, "data": {
        "key": {"remoteJid": f"{phone}@s.whatsapp.net", "fromMe": False, "id": message_id}, "pushName": "Cliente",
        "message": {"conversation": text}, "messageType": "conversation", "messageTimestamp": int(time.time())},
        "sender": "5511888888888@s.whatsapp.net"}


async def replies(session: aiohttp.ClientSession, fake: str) -> list[tuple[str, str, float]]:
    """(number, text, arrival time) of every sendText the fake received."""
    async with session.get(f"{fake}/_fake/requests") as response:
        recorded = await response.json()
    return [(str(r["body"].get("number", "")).split("@")[0], str(r["body"].get("text", "")), float(r["at"]))
            for r in recorded if "/message/sendText/" in r["path"] and 200 <= r["status"] < 300]


async def drive(stack: Stack, name: str, phones: list[str], rate: float, drain_seconds: float = 120) -> Phase:
    """One webhook per phone at `rate`/s (open loop), then wait for every reply (or the drain deadline)."""
    gateway = f"http://127.0.0.1:{stack.gateway_port}/seller-bot/webhook/evolution"
    fake = f"http://127.0.0.1:{stack.fake_port}"
    headers = {"X-Webhook-Secret": SECRET}
    sent_at: dict[str, float] = {}
    failures = 0
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=64)) as session:
        async with session.delete(f"{fake}/_fake/requests"):
            pass
        cpu_before = stack.cpu()
        load_before = os.getloadavg()[0]

        async def post(phone: str, index: int) -> None:
            nonlocal failures
            body = webhook(phone, f"{name}{index:08d}{uuid.uuid4().hex[:8]}".upper(), QUESTIONS[index % len(QUESTIONS)])
            for _ in range(5):  # as Evolution does: a webhook not answered 200 is sent again
                try:
                    async with session.post(gateway, json=body, headers=headers) as response:
                        if response.status == 200:
                            return
                except aiohttp.ClientError:
                    pass
                failures += 1
                await asyncio.sleep(0.2)

        started = time.time()
        tasks = []
        for index, phone in enumerate(phones):
            delay = started + index / rate - time.time()
            if delay > 0:
                await asyncio.sleep(delay)
            sent_at[phone] = time.time()
            tasks.append(asyncio.create_task(post(phone, index)))
        await asyncio.gather(*tasks)
        deadline = time.time() + drain_seconds
        got: list[tuple[str, str, float]] = []
        while time.time() < deadline:
            got = await replies(session, fake)
            if len({number for number, _, _ in got if number in sent_at}) >= len(phones):
                break
            await asyncio.sleep(1)
        cpu = cpu_spent(cpu_before, stack.cpu())
    by_phone: dict[str, list[float]] = {}
    for number, _, at in got:
        if number in sent_at:
            by_phone.setdefault(number, []).append(at)
    latencies = [(min(times) - sent_at[phone]) * 1000 for phone, times in by_phone.items()]
    last = max((max(times) for times in by_phone.values()), default=started)
    phase = Phase(name, rate, len(phones), len(by_phone), last - started, latencies, cpu, load_before,
                  os.getloadavg()[0], len(stack.chatbot_ports),
                  duplicates=sum(len(times) - 1 for times in by_phone.values()))
    print(f"{name}: {phase.answered}/{phase.sent} answered, {phase.replies_per_s:.0f} replies/s, "
          f"p50 {phase.percentile(0.5):.0f} ms, p99 {phase.percentile(0.99):.0f} ms, duplicates {phase.duplicates}, "
          f"chatbot {phase.chatbot_cpu_ms_per_turn():.1f} ms CPU/turn, load {load_before:.1f}->{phase.load_after:.1f}"
          f", webhook retries {failures}", flush=True)
    return phase


async def closed_loop(url: str, seconds: float, connections: int, body_of: Any) -> float:
    """Webhooks answered 200 per second with `connections` requests always in flight."""
    ok = 0
    deadline = time.monotonic() + seconds
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=connections)) as session:

        async def worker(worker_id: int) -> None:
            nonlocal ok
            sequence = 0
            while time.monotonic() < deadline:
                sequence += 1
                async with session.post(url, json=body_of(worker_id, sequence),
                                        headers={"X-Webhook-Secret": SECRET}) as response:
                    await response.read()
                    ok += response.status == 200

        started = time.monotonic()
        await asyncio.gather(*(worker(w) for w in range(connections)))
        return ok / (time.monotonic() - started)


@dataclass
class Ingest:
    gateway_rate: float
    bare_rate: float
    load: float
    cpu_per_webhook_ms: dict[str, float]  # each stack process's CPU during the gateway run ÷ webhooks answered


async def ingest_ratio(stack: Stack, seconds: float) -> Ingest:
    """Gateway webhooks/s with every consumer running vs a bare FastAPI endpoint, and who spent the CPU."""
    bare_port = free_port()
    bare = stack.spawn("bare", [str(ROOT / "services/channel-adapter/benchmarks/bare_endpoint.py"), str(bare_port)])
    wait_for_port("127.0.0.1", bare_port, 60, bare)

    def body_of(worker_id: int, sequence: int) -> dict[str, Any]:
        return webhook(f"55127{worker_id:03d}{sequence % 100_000:05d}", f"ING{worker_id:03d}{sequence:09d}"
                       f"{uuid.uuid4().hex[:6]}".upper(), "oi")

    bare_rate = await closed_loop(f"http://127.0.0.1:{bare_port}/seller-bot/webhook/evolution", seconds, 32, body_of)
    cpu_before = stack.cpu()
    gateway_rate = await closed_loop(f"http://127.0.0.1:{stack.gateway_port}/seller-bot/webhook/evolution", seconds,
                                     32, body_of)
    answered = max(1.0, gateway_rate * seconds)
    cpu = {name: spent / answered * 1000 for name, spent in cpu_spent(cpu_before, stack.cpu()).items()}
    print(f"ingest: gateway {gateway_rate:.0f}/s with consumers running, bare {bare_rate:.0f}/s "
          f"({gateway_rate / bare_rate:.2f}x); CPU per webhook: "
          + ", ".join(f"{name} {ms:.2f} ms" for name, ms in sorted(cpu.items())), flush=True)
    return Ingest(gateway_rate, bare_rate, os.getloadavg()[0], cpu)


def phones(prefix: str, count: int) -> list[str]:
    return [f"55{prefix}{i:07d}" for i in range(count)]


async def run(args: argparse.Namespace) -> int:
    redis_url = args.redis_url
    redis = "Redis" if port_open("127.0.0.1", 6379) else "in-memory fallback"
    servers = find_or_start() if args.database == "postgresql" else None
    database_url = await _fresh_database(servers.postgres_url) if servers else ""
    stack = start_stack(redis_url, database_url)
    phases: list[Phase] = []
    ingest: Ingest | None = None
    try:
        await configure_seller(stack.chatbot_ports[0])
        await drive(stack, "warm-up", phones("1190", 200), 100)
        count = int(args.seconds * 100)
        steady = phones("1191", count)
        phases.append(await drive(stack, "new contacts, 100 msg/s, 1 replica", steady, 100))
        phases.append(await drive(stack, "returning contacts, 100 msg/s, 1 replica", steady, 100))
        phases.append(await drive(stack, f"new contacts, {args.burst_rate:.0f} msg/s offered, 1 replica",
                                  phones("1192", int(args.seconds * args.burst_rate)), args.burst_rate))
        stack.add_chatbot()
        await asyncio.sleep(args.rebalance_seconds)  # the second replica takes its half of the partitions
        phases.append(await drive(stack, "new contacts, 100 msg/s, 2 replicas", phones("1193", count), 100))
        phases.append(await drive(stack, f"new contacts, {args.burst_rate:.0f} msg/s offered, 2 replicas",
                                  phones("1194", int(args.seconds * args.burst_rate)), args.burst_rate))
        if not args.skip_ingest:
            ingest = await ingest_ratio(stack, args.ingest_seconds)
    finally:
        stack.stop()
        shutil.rmtree(stack.work, ignore_errors=True)
        if servers:
            await _drop_database(servers.postgres_url, database_url)
            servers.stop()
    write_report(args, phases, ingest, redis)
    return 0 if all(p.answered == p.sent and p.duplicates == 0 for p in phases) else 1


def write_report(args: argparse.Namespace, phases: list[Phase], ingest: Ingest | None, redis: str) -> None:
    def verdict(ok: bool) -> str:
        return "met" if ok else "**not met**"

    rows = [f"| {p.name} | {p.sent:,} | {p.answered:,} | {p.duplicates} | {p.replies_per_s:,.0f}/s "
            f"| {p.percentile(0.5):,.0f} ms | {p.percentile(0.99):,.0f} ms | {p.chatbot_cpu_ms_per_turn():.1f} ms "
            f"| {p.load_before:.1f} → {p.load_after:.1f} |" for p in phases]
    by_name = {p.name: p for p in phases}
    steady_one = by_name.get("new contacts, 100 msg/s, 1 replica")
    steady_two = by_name.get("new contacts, 100 msg/s, 2 replicas")
    burst = [p for p in phases if "offered" in p.name]
    best = max((p.replies_per_s for p in burst), default=0.0)
    postgresql = args.database == "postgresql"
    database = ("a fresh database for every service on the machine's PostgreSQL (or one started for the run, as "
                "`make test` does), as `make run` with DATABASE_URL set" if postgresql
                else "SQLite files under a fresh DATA_DIR (no DATABASE_URL)")
    lines = [
        "## The `make run` stack end to end: Evolution webhook in, WhatsApp reply out"
        + (", on PostgreSQL (a narrower extra)" if postgresql else ""),
        "",
        f"Goals (issue 12): ≥{GOALS['replies_per_s']:.0f} replies/s sustained on 2 cores, p99 webhook → reply "
        f"≤{GOALS['p99_ms']:.0f} ms at 100 msg/s, two chatbot replicas not slower than one, webhook ingest with "
        f"every consumer running ≥{GOALS['ratio']}x a bare FastAPI endpoint measured in the same run.",
        "",
        "Configuration of every figure below: the processes `make run` starts for this path, each its own "
        "process on the same 2 cores — gateway (uvicorn), channel-adapter, chatbot (1, then 2 replicas sharing "
        f"the 16 inbound partitions), a private nats-server with its file store, {redis} on 127.0.0.1:6379, "
        f"{database}, no OpenAI key (the offline responder: a 0 ms LLM), "
        "replies sent by the channel-adapter to the Evolution API fake (`sellerbot_fakes.evolution_fake`), and "
        "this script as the load generator (aiohttp, open loop: one webhook every 1/rate s, each from its own "
        "contact). The seller's debounce window is 0 (a burst normally waits 3 s by design). Latency = the "
        "fake's arrival stamp of the reply minus the moment the webhook was posted. CPU per turn = the chatbot "
        "processes' user+system CPU during the phase (from /proc) divided by the replies.",
        "",
        "| phase | webhooks | replied | duplicates | replies/s | p50 | p99 | chatbot CPU per turn | load avg |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
        *rows,
        "",
    ]
    if steady_one:
        lines.append(f"- p99 webhook → reply at 100 msg/s, 1 replica: {steady_one.percentile(0.99):,.0f} ms (goal "
                     f"≤{GOALS['p99_ms']:.0f} ms: {verdict(steady_one.percentile(0.99) <= GOALS['p99_ms'])}).")
    if steady_two:
        lines.append(f"- The same with 2 replicas: {steady_two.percentile(0.99):,.0f} ms.")
    lines.append(f"- Sustained replies/s (best offered-load phase: replies ÷ time from the first webhook to the last "
                 f"reply): {best:,.0f}/s (goal ≥{GOALS['replies_per_s']:.0f}/s: "
                 f"{verdict(best >= GOALS['replies_per_s'])}).")
    if len(burst) == 2:
        not_lower = burst[1].replies_per_s >= 0.95 * burst[0].replies_per_s
        lines.append(f"- 2 replicas vs 1 at the offered load: {burst[1].replies_per_s:,.0f}/s vs "
                     f"{burst[0].replies_per_s:,.0f}/s ({verdict(not_lower)} for \"not lower\", 5% noise allowed).")
    if ingest:
        ratio = ingest.gateway_rate / ingest.bare_rate
        lines.append(f"- Ingest with every consumer running: {ingest.gateway_rate:,.0f} webhooks/s vs a bare FastAPI "
                     f"endpoint {ingest.bare_rate:,.0f}/s in the same run = {ratio:.2f}x (goal "
                     f"≥{GOALS['ratio']}x: {verdict(ratio >= GOALS['ratio'])}; 32 connections, closed loop, "
                     f"{args.ingest_seconds:.0f} s each, aiohttp as the load generator; load {ingest.load:.1f}). "
                     "CPU per webhook answered during the gateway run (the consumers answer the backlog "
                     "meanwhile): " + ", ".join(f"{name} {ms:.2f} ms"
                                                for name, ms in sorted(ingest.cpu_per_webhook_ms.items())) + ".")
    cpu_names = sorted({k for p in phases for k in p.cpu})
    lines += ["", "CPU per reply by process (ms, user+system) in each phase:", "",
              "| phase | " + " | ".join(cpu_names) + " |", "|---|" + "---:|" * len(cpu_names)]
    for p in phases:
        lines.append(f"| {p.name} | " + " | ".join(f"{p.cpu.get(n, 0) / max(1, p.answered) * 1000:.1f}"
                                                    for n in cpu_names) + " |")
    lines += ["", "The machine is shared during the session: compare the load averages before comparing runs.", "",
              f"Command: `.venv/bin/python services/chatbot/benchmarks/stack.py --seconds {args.seconds:g} "
              f"--burst-rate {args.burst_rate:g}" + (" --database postgresql" if postgresql else "") + "`", ""]
    out = ROOT / "docs" / "benchmarks" / ("stack-postgresql.md" if postgresql else "stack.md")
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text("\n".join(lines))
    print(f"wrote {out.relative_to(ROOT)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=20, help="length of each phase's sending")
    parser.add_argument("--burst-rate", type=float, default=300,
                        help="offered rate of the throughput phases (above what the stack sustains: its ceiling)")
    parser.add_argument("--ingest-seconds", type=float, default=5)
    parser.add_argument("--rebalance-seconds", type=float, default=5)
    parser.add_argument("--skip-ingest", action="store_true")
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/14")
    parser.add_argument("--database", choices=["sqlite", "postgresql"], default="sqlite",
                        help="sqlite: as plain `make run`; postgresql: every service on a fresh PostgreSQL database")
    sys.exit(asyncio.run(run(parser.parse_args())))


if __name__ == "__main__":
    main()
