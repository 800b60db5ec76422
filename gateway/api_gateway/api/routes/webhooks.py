"""/seller-bot/webhook/{channel}: forwarded verbatim (raw body, headers, query) to channel-adapter.

No bearer token here: each platform's own verification (signatures, shared secrets) is checked by
channel-adapter over the exact bytes received.
"""

from __future__ import annotations

from enum import StrEnum

from fastapi import APIRouter, Depends, Request, Response
from sellerbot.channels.v1 import channel_adapter_pb2 as pb

from api_gateway.api.deps import State, call_service, webhook_rate_limit
from api_gateway.client_address import client_ip

router = APIRouter(prefix="/seller-bot/webhook", tags=["webhooks"], dependencies=[Depends(webhook_rate_limit)])
SERVICE = "channel-adapter"


class WebhookChannel(StrEnum):
    CHATWOOT = "chatwoot"
    EVOLUTION = "evolution"
    INSTAGRAM = "instagram"
    TELEGRAM = "telegram"


async def _forward(channel: WebhookChannel, request: Request, state: State, suffix: str = "") -> Response:
    forwarded = pb.WebhookRequest(
        channel=channel.value,
        method=request.method,
        body=await request.body(),
        headers=[pb.Header(name=k, value=v) for k, v in request.headers.items()],
        query_string=request.url.query,
        client_ip=client_ip(request, state.settings.trusted_proxy_networks),
        path_suffix=suffix,
    )
    result = await call_service(state, SERVICE, state.services.channel_adapter.HandleWebhook, forwarded)
    return Response(result.body, status_code=result.status_code, media_type=result.content_type or None)


@router.post("/{channel}", summary="Receive a platform webhook")
async def receive(channel: WebhookChannel, request: Request, state: State) -> Response:
    return await _forward(channel, request, state)


@router.get("/{channel}", summary="Platform verification handshake (Instagram hub.challenge)")
async def verify(channel: WebhookChannel, request: Request, state: State) -> Response:
    return await _forward(channel, request, state)


@router.api_route("/{channel}/{suffix:path}", methods=["POST"], include_in_schema=False)
async def receive_by_event(channel: WebhookChannel, suffix: str, request: Request, state: State) -> Response:
    """Evolution's `webhook.byEvents` appends the event name (e.g. /messages-upsert) to the URL."""
    return await _forward(channel, request, state, suffix)
