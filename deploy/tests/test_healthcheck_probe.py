"""The container health probe (deploy/docker/healthcheck.py) run as the images run it, against a real gRPC
server with grpc.health.v1 and a real HTTP server."""

from __future__ import annotations

import asyncio
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from sellerbot_deploy_checks.dockerfiles import DOCKER_DIR
from sellerbot_devstack.servers import free_port
from sellerbot_grpc import GrpcServer

PROBE = DOCKER_DIR / "healthcheck.py"


async def probe(*args: str) -> int:
    process = await asyncio.create_subprocess_exec(
        sys.executable, str(PROBE), *args,
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL,
    )
    return await asyncio.wait_for(process.wait(), timeout=20)


async def test_grpc_probe_is_healthy_only_while_the_server_reports_serving() -> None:
    server = GrpcServer(["sellerbot.test.v1.ProbeTarget"], registrations=[])
    port = await server.start("127.0.0.1:0")
    try:
        assert await probe("grpc", f"127.0.0.1:{port}") == 0
        assert await probe("grpc", f"127.0.0.1:{port}", "sellerbot.test.v1.ProbeTarget") == 0
        await server.set_serving(False)
        assert await probe("grpc", f"127.0.0.1:{port}") == 1
    finally:
        await server.stop(0)
    assert await probe("grpc", f"127.0.0.1:{port}") == 1


class _Health(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        self.send_response(200 if self.path == "/seller-bot/health" else 503)
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def http_server() -> Iterator[int]:
    server = HTTPServer(("127.0.0.1", 0), _Health)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_port
    server.shutdown()
    server.server_close()


async def test_http_probe_is_healthy_on_2xx_only(http_server: int) -> None:
    assert await probe("http", f"http://127.0.0.1:{http_server}/seller-bot/health") == 0
    assert await probe("http", f"http://127.0.0.1:{http_server}/other") == 1
    assert await probe("http", f"http://127.0.0.1:{free_port()}/seller-bot/health") == 1


async def test_probe_refuses_unknown_usage() -> None:
    assert await probe("tcp", "127.0.0.1:1") == 2
