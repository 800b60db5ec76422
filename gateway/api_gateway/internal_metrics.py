"""The aggregated /metrics on an internal port (GATEWAY_METRICS_PORT on METRICS_HOST, 127.0.0.1 by default).

Prometheus scrapes it there without a token, as it scrapes each service's metrics port; the public port only
serves /metrics to `Authorization: Bearer <METRICS_TOKEN>`. A second uvicorn server in the gateway's own
event loop: it never installs signal handlers (the main server owns them) and stops with the app.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
from collections.abc import Iterator

import structlog
import uvicorn
from prometheus_client import CONTENT_TYPE_LATEST
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from api_gateway.metrics_aggregation import aggregated_metrics

log = structlog.get_logger(__name__)


class _EmbeddedServer(uvicorn.Server):
    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield  # the main server handles SIGINT/SIGTERM and stops the app, which stops this one


class InternalMetricsServer:
    def __init__(self, server: _EmbeddedServer, task: asyncio.Task[None], port: int) -> None:
        self._server = server
        self._task = task
        self.port = port

    @classmethod
    async def start(cls, host: str, port: int, targets: dict[str, str]) -> InternalMetricsServer | None:
        """None when the port is taken: metrics stay reachable on the public port with METRICS_TOKEN."""
        sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
            sock.listen(128)  # connections wait in the backlog until uvicorn accepts them: no start-up race
        except OSError as exc:
            sock.close()
            log.warning("internal_metrics_port_unavailable", host=host, port=port, error=str(exc))
            return None

        async def metrics(_: Request) -> Response:
            return Response(await aggregated_metrics(targets), media_type=CONTENT_TYPE_LATEST)

        app = Starlette(routes=[Route("/metrics", metrics)])
        server = _EmbeddedServer(uvicorn.Config(app, log_config=None, lifespan="off", access_log=False))
        task = asyncio.create_task(server.serve(sockets=[sock]))
        log.info("internal_metrics_serving", host=host, port=sock.getsockname()[1])
        return cls(server, task, sock.getsockname()[1])

    async def stop(self) -> None:
        self._server.should_exit = True
        with contextlib.suppress(Exception):
            await self._task
