"""HTTP request metrics of the gateway, labelled by route template (not raw path) and status class.

Hand-written rather than prometheus-fastapi-instrumentator: that library creates its collectors per app,
so a second app in one process (every test) records into collectors nobody exposes.
"""

from __future__ import annotations

import time

from prometheus_client import Counter, Histogram
from starlette.types import ASGIApp, Message, Receive, Scope, Send

HTTP_REQUESTS = Counter("http_requests_total", "HTTP requests answered", ["handler", "method", "status"])
HTTP_DURATION = Histogram(
    "http_request_duration_seconds", "HTTP request duration", ["handler", "method"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
UNMATCHED = "none"
NOT_MEASURED = {"/metrics"}


def _route_template(scope: Scope) -> str:
    """The matched route's template (routing leaves it in the scope); raw paths would explode cardinality."""
    return str(getattr(scope.get("route"), "path", UNMATCHED))


class RequestMetricsMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] in NOT_MEASURED:
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def record_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, record_status)
        finally:
            handler = _route_template(scope)
            HTTP_REQUESTS.labels(handler, scope["method"], f"{status // 100}xx").inc()
            HTTP_DURATION.labels(handler, scope["method"]).observe(time.perf_counter() - started)
