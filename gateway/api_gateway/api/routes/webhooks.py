"""/seller-bot/webhook/{channel}: forwarded verbatim (raw body, headers, query) to channel-adapter.

No bearer token here: each platform's own verification (signatures, shared secrets) is checked by
channel-adapter over the exact bytes received.

Webhooks are the gateway's hot path (platforms deliver in bursts and give up after a few seconds), so
`WebhookIngress` answers them as plain ASGI in front of FastAPI's whole middleware stack: the same rate limit,
body limit, JSON errors (500 included), metrics and trace as every other route, without routing, dependency
injection and the per-request middleware layers that would cost more than the webhook itself.
`OPENAPI_PATHS` describes the routes for /docs.
"""

from __future__ import annotations

import functools
import time
from enum import StrEnum
from typing import Any

import structlog
from opentelemetry import propagate, trace
from opentelemetry.trace import SpanKind
from prometheus_client import Counter, Histogram
from sellerbot.channels.v1 import channel_adapter_pb2 as pb
from sellerbot_telemetry import span_unless_unsampled
from starlette.requests import HTTPConnection
from starlette.responses import JSONResponse, Response
from starlette.types import ASGIApp, Receive, Scope, Send

from api_gateway.api.errors import (
    ServiceCallFailed,
    UnexpectedErrorMiddleware,
    error_body,
    rate_limited_response,
    service_failure_response,
)
from api_gateway.body_limit import BodyTooLarge, ClientDisconnected, declared_too_large, payload_too_large, read_body
from api_gateway.client_address import client_ip
from api_gateway.rate_limits import RateLimitExceeded
from api_gateway.request_metrics import HTTP_DURATION, HTTP_REQUESTS
from api_gateway.state import GatewayState
from api_gateway.webhook_forwarding import SERVICE

log = structlog.get_logger(__name__)
tracer = trace.get_tracer("sellerbot.gateway")

PREFIX = "/seller-bot/webhook/"
ROUTE = "/seller-bot/webhook/{channel}"
ROUTE_BY_EVENT = "/seller-bot/webhook/{channel}/{suffix:path}"


class WebhookChannel(StrEnum):
    CHATWOOT = "chatwoot"
    EVOLUTION = "evolution"
    INSTAGRAM = "instagram"
    TELEGRAM = "telegram"


CHANNELS = frozenset(WebhookChannel)
_UNKNOWN_CHANNEL = "must be one of " + ", ".join(WebhookChannel)


class WebhookIngress:
    """ASGI, in front of FastAPI's whole middleware stack: answers /seller-bot/webhook/* itself (guarded by its
    own `UnexpectedErrorMiddleware`) and passes everything else on."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self._guarded_webhook = UnexpectedErrorMiddleware(self._webhook)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].startswith(PREFIX):
            await self.app(scope, receive, send)
            return
        await self._guarded_webhook(scope, receive, send)

    async def _webhook(self, scope: Scope, receive: Receive, send: Send) -> None:
        started = time.perf_counter()
        channel, _, suffix = scope["path"][len(PREFIX):].partition("/")
        route = ROUTE_BY_EVENT if suffix else ROUTE
        method = scope["method"]
        with span_unless_unsampled(tracer, f"{method} {route}", context=propagate.extract(_headers(scope)),
                                   kind=SpanKind.SERVER) as span:
            response = await self._answer(scope, receive, channel, suffix)
            if span.is_recording():
                span.set_attribute("http.request.method", method)
                span.set_attribute("http.route", route)
                span.set_attribute("http.response.status_code", response.status_code)
            await response(scope, receive, send)
        _requests(route, method, response.status_code // 100).inc()
        _duration(route, method).observe(time.perf_counter() - started)

    async def _answer(self, scope: Scope, receive: Receive, channel: str, suffix: str) -> Response:
        if channel not in CHANNELS:
            return JSONResponse(error_body("validation_error", f"channel: {_UNKNOWN_CHANNEL}",
                                           fields=[{"field": "channel", "message": _UNKNOWN_CHANNEL}]), 422)
        method = scope["method"]
        if method != "POST" and (method != "GET" or suffix):
            return JSONResponse(error_body("method_not_allowed", f"{method} is not accepted on this webhook"),
                                405, headers={"Allow": "POST" if suffix else "GET, POST"})
        state: GatewayState = scope["app"].state.gateway
        max_bytes = state.settings.max_body_bytes
        if declared_too_large(scope, max_bytes):
            return payload_too_large(max_bytes)
        address = client_ip(HTTPConnection(scope), state.settings.trusted_proxy_networks)
        try:
            await state.limiter.hit(state.limits.webhooks, address)
            body = await read_body(receive, max_bytes)
        except RateLimitExceeded as exc:
            return rate_limited_response(exc)
        except BodyTooLarge:
            return payload_too_large(max_bytes)
        except ClientDisconnected:
            return Response(status_code=499)  # nobody reads it; nothing was forwarded
        webhook = pb.WebhookRequest(
            channel=channel, method=method, body=body,
            # Straight from the ASGI scope, decoded as Starlette's Headers would (latin-1).
            headers=[pb.Header(name=k.decode("latin-1"), value=v.decode("latin-1")) for k, v in scope["headers"]],
            query_string=scope["query_string"].decode("latin-1"), client_ip=address, path_suffix=suffix,
        )
        return await self._forward(state, webhook)

    async def _forward(self, state: GatewayState, webhook: pb.WebhookRequest) -> Response:
        propagate.inject(webhook.trace_context)  # channel-adapter's span for it is a child of this request's
        try:
            answer = await state.webhooks.forward(webhook)
        except ServiceCallFailed as exc:
            return service_failure_response(exc)
        except Exception:
            log.exception("webhook_forward_failed", service=SERVICE)
            return JSONResponse(error_body("service_error", f"{SERVICE} failed unexpectedly; the details are in the "
                                           "gateway's logs", service=SERVICE), 502)
        return Response(answer.body, status_code=answer.status_code, media_type=answer.content_type or None)


@functools.cache
def _requests(route: str, method: str, status_class: int) -> Counter:
    """The labelled counter, looked up once per label set (`labels()` takes a lock and builds a key per call)."""
    return HTTP_REQUESTS.labels(route, method, f"{status_class}xx")


@functools.cache
def _duration(route: str, method: str) -> Histogram:
    return HTTP_DURATION.labels(route, method)


def _headers(scope: Scope) -> dict[str, str]:
    """The W3C trace headers only: the extractor needs nothing else."""
    return {name.decode("latin-1"): value.decode("latin-1") for name, value in scope["headers"]
            if name in (b"traceparent", b"tracestate")}


# --- /docs: the routes above as OpenAPI paths (FastAPI documents only what its own router serves). -------------
def _channel_parameter(*only: WebhookChannel) -> dict[str, Any]:
    return {"name": "channel", "in": "path", "required": True,
            "schema": {"type": "string", "enum": [c.value for c in only or WebhookChannel]}}


def _errors(*codes: int) -> dict[str, Any]:
    meaning = {
        400: "the body is not valid JSON",
        401: "the platform's signature or secret does not verify",
        403: "wrong hub.verify_token",
        405: "this channel has no verification handshake (only Instagram's GET hub.challenge)",
        413: "body over the size limit", 415: "not JSON", 422: "unknown channel", 429: "rate limited (Retry-After)",
        503: "channel-adapter or the event stream is unreachable: the platform should deliver again",
    }
    return {str(code): {"description": meaning[code], "content": {"application/json": {"schema": {
        "type": "object", "properties": {"error": {"type": "string"}, "detail": {"type": "string"}}}}}}
        for code in codes}


OPENAPI_PATHS: dict[str, Any] = {
    ROUTE: {
        "post": {
            "tags": ["webhooks"], "operationId": "receive_webhook", "summary": "Receive a platform webhook",
            "description": "Verified by channel-adapter the platform's own way (signature or shared secret over "
                           "the exact bytes), normalized and published to JetStream; 200 once JetStream acked. "
                           "A webhook delivered twice is published once. No bearer token.",
            "parameters": [_channel_parameter()],
            "requestBody": {"required": True, "content": {"application/json": {"schema": {"type": "object"}}}},
            "responses": {"200": {"description": "accepted: published, duplicates and ignored counts"},
                          **_errors(400, 401, 413, 415, 422, 429, 503)},
        },
        "get": {
            "tags": ["webhooks"], "operationId": "verify_webhook",
            "summary": "Platform verification handshake (Instagram hub.challenge)",
            "description": "Echoes `hub.challenge` as text/plain when `hub.mode=subscribe` and `hub.verify_token` "
                           "matches INSTAGRAM_VERIFY_TOKEN (or a registered account's), 403 otherwise.",
            "parameters": [_channel_parameter(WebhookChannel.INSTAGRAM),
                           *({"name": name, "in": "query", "required": False, "schema": {"type": "string"}}
                             for name in ("hub.mode", "hub.verify_token", "hub.challenge"))],
            "responses": {"200": {"description": "the challenge", "content": {"text/plain": {
                "schema": {"type": "string"}}}}, **_errors(403, 405, 422, 429)},
        },
    },
    "/seller-bot/webhook/{channel}/{suffix}": {
        "post": {
            "tags": ["webhooks"], "operationId": "receive_webhook_by_event",
            "summary": "Receive a webhook sent per event (Evolution webhook.byEvents)",
            "description": "Evolution's `webhook.byEvents` appends the event name (e.g. /messages-upsert).",
            "parameters": [_channel_parameter(),
                           {"name": "suffix", "in": "path", "required": True, "schema": {"type": "string"}}],
            "requestBody": {"required": True, "content": {"application/json": {"schema": {"type": "object"}}}},
            "responses": {"200": {"description": "accepted"}, **_errors(400, 401, 413, 415, 422, 429, 503)},
        },
    },
}
