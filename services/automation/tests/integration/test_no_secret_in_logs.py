"""A service started with credentials in its NATS and Redis URLs never writes them to its logs (the shared
structlog processor cuts every URL's userinfo): `python -m automation` with neither server reachable logs both
URLs while it falls back (memory status store, events deferred), without their passwords."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

from sellerbot_devstack.servers import free_port

NATS_PASSWORD, REDIS_PASSWORD = "nats-password-9c41e2", "redis-password-57bd03"
EXPECTED = ("redis_unavailable_using_memory", "nats_unavailable_events_deferred")


def test_credentialed_nats_and_redis_urls_are_logged_without_their_passwords(tmp_path: Path) -> None:
    nats_port, redis_port = free_port(), free_port()  # nothing listens on either
    env = {**os.environ, "NATS_URL": f"nats://worker:{NATS_PASSWORD}@127.0.0.1:{nats_port}",
           "REDIS_URL": f"redis://:{REDIS_PASSWORD}@127.0.0.1:{redis_port}/0", "DATABASE_URL": "",
           "DATA_DIR": str(tmp_path / "data"), "AUTOMATION_GRPC_ADDR": f"127.0.0.1:{free_port()}",
           "AUTOMATION_METRICS_PORT": str(free_port()), "WORKER_AUTOSTART": "false", "LOG_FORMAT": "json",
           "OTEL_TRACES_EXPORTER": "none", "PYTHONUNBUFFERED": "1"}
    process = subprocess.Popen([sys.executable, "-m", "automation"], cwd=tmp_path, env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    lines: list[str] = []
    try:
        assert process.stdout is not None
        deadline = time.monotonic() + 60
        while not all(any(event in line for line in lines) for event in EXPECTED):
            assert time.monotonic() < deadline and process.poll() is None, "".join(lines)
            lines.append(process.stdout.readline())
    finally:
        process.terminate()
        process.wait(15)
    output = "".join(lines)
    assert NATS_PASSWORD not in output and REDIS_PASSWORD not in output and "worker:" not in output
    # the URLs are still there to debug with
    assert f"nats://***@127.0.0.1:{nats_port}" in output and f"redis://***@127.0.0.1:{redis_port}/0" in output
