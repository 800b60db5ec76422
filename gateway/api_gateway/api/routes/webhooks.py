"""/seller-bot/webhook/{channel}: forwarded verbatim (raw body, headers, query) to channel-adapter.

No bearer token here: each platform's own verification (signatures, shared secrets) is checked by
channel-adapter over the exact bytes received.
"""

from __future__ import annotations

import functools
import ipaddress
from enum import StrEnum

from fastapi import APIRouter, Depends, Request, Response
from sellerbot.channels.v1 import channel_adapter_pb2 as pb

from api_gateway.api.deps import call_service
from api_gateway.client_address import Network, client_ip
from api_gateway.state import GatewayState

SERVICE = "channel-adapter"
_CLIENT_IP = "sellerbot.client_ip"  # request.state key: the address the rate limit counted


@functools.lru_cache(maxsize=4)
def _trusted_networks(trusted_proxies: str) -> list[Network]:
    """TRUSTED_PROXIES parsed once per value (the settings property parses the CIDR list on every read)."""
    return [ipaddress.ip_network(p.strip(), strict=False) for p in trusted_proxies.split(",") if p.strip()]


def _state(request: Request) -> GatewayState:
    state: GatewayState = request.app.state.gateway
    return state


async def limit_webhooks(request: Request) -> None:
    """The webhook rate limit per client IP. Async and reading the state directly: a sync dependency (the
    shared `State`) would cost a thread-pool hop per webhook."""
    state = _state(request)
    address = client_ip(request, _trusted_networks(state.settings.trusted_proxies))
    setattr(request.state, _CLIENT_IP, address)
    await state.limiter.hit(state.limits.webhooks, address)


router = APIRouter(prefix="/seller-bot/webhook", tags=["webhooks"], dependencies=[Depends(limit_webhooks)])


class WebhookChannel(StrEnum):
    CHATWOOT = "chatwoot"
    EVOLUTION = "evolution"
    INSTAGRAM = "instagram"
    TELEGRAM = "telegram"


async def _forward(channel: WebhookChannel, request: Request, suffix: str = "") -> Response:
    state = _state(request)
    scope = request.scope
    forwarded = pb.WebhookRequest(
        channel=channel.value,
        method=scope["method"],
        body=await request.body(),
        # Straight from the ASGI scope, decoded as Starlette's Headers would (latin-1), without building it.
        headers=[pb.Header(name=k.decode("latin-1"), value=v.decode("latin-1")) for k, v in scope["headers"]],
        query_string=scope["query_string"].decode("latin-1"),
        client_ip=getattr(request.state, _CLIENT_IP),
        path_suffix=suffix,
    )
    result = await call_service(state, SERVICE, state.services.channel_adapter.HandleWebhook, forwarded)
    return Response(result.body, status_code=result.status_code, media_type=result.content_type or None)


@router.post("/{channel}", summary="Receive a platform webhook")
async def receive(channel: WebhookChannel, request: Request) -> Response:
    return await _forward(channel, request)


@router.get("/{channel}", summary="Platform verification handshake (Instagram hub.challenge)")
async def verify(channel: WebhookChannel, request: Request) -> Response:
    return await _forward(channel, request)


@router.api_route("/{channel}/{suffix:path}", methods=["POST"], include_in_schema=False)
async def receive_by_event(channel: WebhookChannel, suffix: str, request: Request) -> Response:
    """Evolution's `webhook.byEvents` appends the event name (e.g. /messages-upsert) to the URL."""
    return await _forward(channel, request, suffix)
