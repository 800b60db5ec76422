"""Build the gateway application: lifespan (database, Redis, NATS, gRPC channels), middleware and routes."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import timedelta
from pathlib import Path

import nats
import redis.asyncio as redis_async
import structlog
from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor
from sellerbot_database import create_engine, run_migrations, session_factory

from api_gateway.api.errors import UnexpectedErrorMiddleware, install_error_handlers
from api_gateway.api.main import api_router
from api_gateway.api.openapi import install_openapi
from api_gateway.api.routes.webhooks import WebhookIngress
from api_gateway.auth.tokens import TokenIssuer
from api_gateway.body_limit import BodySizeLimitMiddleware
from api_gateway.dependency_health import RecentHealth, without_credentials
from api_gateway.input_safety import InputSafetyMiddleware
from api_gateway.internal_metrics import InternalMetricsServer
from api_gateway.rate_limits import RateLimiter, make_limit
from api_gateway.request_metrics import RequestMetricsMiddleware
from api_gateway.server_log_redaction import redact_tokens_in_server_logs
from api_gateway.service_clients import ServiceClients
from api_gateway.settings import GatewaySettings
from api_gateway.state import GatewayState, RateLimits
from api_gateway.users.repository import UserRepository
from api_gateway.users.team import TeamRepository
from api_gateway.webhook_forwarding import WebhookForwarder

log = structlog.get_logger(__name__)
MIGRATIONS = Path(__file__).parent / "migrations"
NATS_START_SECONDS = 3.0


async def _connect_redis(url: str) -> redis_async.Redis | None:
    if not url:
        return None
    client = redis_async.from_url(url, socket_connect_timeout=1, socket_timeout=2)
    try:
        await client.ping()
        return client
    except Exception as exc:
        log.warning("redis_unavailable", url=without_credentials(url), error=without_credentials(str(exc)))
        await client.aclose()
        return None


def _nats_client(url: str) -> Awaitable[nats.NATS]:
    """Keeps trying until NATS accepts it (it is only used for health, so nothing waits on it)."""
    return nats.connect(url, name="gateway-health", connect_timeout=2, max_reconnect_attempts=-1,
                        allow_reconnect=True, error_cb=_nats_error)


async def _nats_error(exc: Exception) -> None:
    log.warning("nats_error", error=without_credentials(f"{type(exc).__name__}: {exc}"))


async def _connect_nats(url: str) -> nats.NATS | None:
    """None when NATS is down or refuses the credentials at start: the gateway starts anyway (/livez answers,
    /readyz says not ready) and `_connect_nats_later` keeps trying."""
    try:
        return await asyncio.wait_for(_nats_client(url), NATS_START_SECONDS)
    except Exception as exc:
        log.warning("nats_unavailable", url=without_credentials(url), error=without_credentials(repr(exc)))
        return None


async def _connect_nats_later(state: GatewayState) -> None:
    state.nats = await _nats_client(state.settings.nats_url)
    log.info("nats_connected")


async def build_state(settings: GatewaySettings) -> GatewayState:
    engine = create_engine(settings.url_for("gateway"))
    await run_migrations(engine, MIGRATIONS, "alembic_version_gateway")
    sessions = session_factory(engine)
    users = UserRepository(sessions)
    await users.ensure_admin(settings.admin_email, settings.effective_admin_password)
    redis = await _connect_redis(settings.redis_url)
    services = ServiceClients.connect(settings)
    return GatewayState(
        settings=settings,
        engine=engine,
        users=users,
        team=TeamRepository(sessions),
        tokens=TokenIssuer(
            secret=settings.effective_jwt_secret,
            access_ttl=timedelta(minutes=settings.access_token_minutes),
            refresh_ttl=timedelta(days=settings.refresh_token_days),
        ),
        limiter=await RateLimiter.create(settings.redis_url if redis is not None else ""),
        limits=RateLimits(
            webhooks=make_limit("webhooks", settings.rate_limit_webhooks),
            api=make_limit("api", settings.rate_limit_api),
            bot_control=make_limit("bot_control", settings.rate_limit_bot_control),
            login_failures=make_limit("login_failures", settings.login_failure_limit),
        ),
        services=services,
        webhooks=WebhookForwarder.over_grpc(services.webhooks, settings.grpc_timeout_seconds,
                                            settings.webhook_call_slots),
        redis=redis,
        nats=await _connect_nats(settings.nats_url),
    )


async def close_state(state: GatewayState) -> None:
    await state.webhooks.close()
    await state.services.close()
    if state.redis is not None:
        await state.redis.aclose()
    if state.nats is not None:
        with contextlib.suppress(Exception):
            await state.nats.close()
    await state.engine.dispose()


def create_app(settings: GatewaySettings | None = None, on_started: Callable[[], None] | None = None) -> FastAPI:
    """`on_started` runs once the state is built, before the first request (the server process's GC tuning)."""
    settings = settings or GatewaySettings()

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.gateway = await build_state(settings)
        nats_later = None if app.state.gateway.nats else asyncio.create_task(_connect_nats_later(app.state.gateway))
        internal_metrics = None
        if settings.gateway_metrics_port:
            internal_metrics = await InternalMetricsServer.start(
                settings.metrics_host, settings.gateway_metrics_port, settings.metrics_targets)
        if on_started is not None:
            on_started()
        log.info("gateway_started", port=settings.gateway_port, environment=settings.environment.value)
        try:
            yield
        finally:
            if nats_later is not None:
                nats_later.cancel()
            if internal_metrics is not None:
                await internal_metrics.stop()
            await close_state(app.state.gateway)

    app = FastAPI(
        title="Seller Bot API",
        version="0.1.0",
        description="TikTok Seller Center automation (/bot) and the AI seller chatbot (/seller-bot). "
        "Log in with POST /auth/login and send `Authorization: Bearer <access_token>`.",
        lifespan=lifespan,
        # Spans come from the OpenTelemetry FastAPI instrumentation below (and WebhookIngress); FastAPI's own
        # telemetry would stay in pass-through mode beside it and only add a layer to every request.
        telemetry={"tracing": False, "metrics": False, "logs": False},
    )
    app.state.recent_health = RecentHealth()
    redact_tokens_in_server_logs()
    install_error_handlers(app)
    app.add_middleware(InputSafetyMiddleware)  # inside the body limit, which bounds what it reads
    app.add_middleware(BodySizeLimitMiddleware, max_bytes=settings.max_body_bytes)
    app.include_router(api_router)
    dist = Path(settings.frontend_dist)
    if (dist / "index.html").is_file():
        app.mount("/", StaticFiles(directory=dist, html=True), name="dashboard")
    # ws/notifications: a span per WebSocket frame would cost more than the relay itself.
    # One server span per request: the per-message ASGI send/receive spans cost more than they tell.
    # The instrumentation wraps the whole middleware stack; webhooks are excluded because WebhookIngress opens
    # their span itself, without the instrumentation's per-request route lookup.
    FastAPIInstrumentor.instrument_app(
        app, excluded_urls="metrics,livez,readyz,seller-bot/health,ws/notifications,seller-bot/webhook/",
        exclude_spans=["receive", "send"])
    app.add_middleware(RequestMetricsMiddleware)
    app.add_middleware(UnexpectedErrorMiddleware)  # a 500 JSON body for whatever nothing else mapped
    _serve_webhooks_first(app)
    install_openapi(app)
    return app


def _serve_webhooks_first(app: FastAPI) -> None:
    """WebhookIngress in front of the whole stack the instrumentation and FastAPI build on the first request
    (their error, telemetry and body-limit layers, then ours): a webhook passes none of them."""
    build_stack = app.build_middleware_stack
    app.build_middleware_stack = lambda: WebhookIngress(build_stack())  # type: ignore[method-assign]
