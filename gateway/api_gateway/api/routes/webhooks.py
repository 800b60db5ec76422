"""/seller-bot/webhook/{channel}: forwarded verbatim (raw body, headers, query) to channel-adapter.

No bearer token here: each platform's own verification (signatures, shared secrets) is checked by
channel-adapter over the exact bytes received.
"""

from __future__ import annotations

from enum import StrEnum

from fastapi import APIRouter, Depends, Request, Response
from sellerbot.channels.v1 import channel_adapter_pb2 as pb

from api_gateway.api.deps import CLIENT_IP, call_service, webhook_rate_limit
from api_gateway.state import GatewayState

SERVICE = "channel-adapter"


router = APIRouter(prefix="/seller-bot/webhook", tags=["webhooks"], dependencies=[Depends(webhook_rate_limit)])


class WebhookChannel(StrEnum):
    CHATWOOT = "chatwoot"
    EVOLUTION = "evolution"
    INSTAGRAM = "instagram"
    TELEGRAM = "telegram"


async def _forward(channel: WebhookChannel, request: Request, suffix: str = "") -> Response:
    state: GatewayState = request.app.state.gateway
    scope = request.scope
    forwarded = pb.WebhookRequest(
        channel=channel.value,
        method=scope["method"],
        body=await request.body(),
        # Straight from the ASGI scope, decoded as Starlette's Headers would (latin-1), without building it.
        headers=[pb.Header(name=k.decode("latin-1"), value=v.decode("latin-1")) for k, v in scope["headers"]],
        query_string=scope["query_string"].decode("latin-1"),
        client_ip=getattr(request.state, CLIENT_IP),
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
