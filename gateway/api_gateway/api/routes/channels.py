"""/seller-bot/channels and /seller-bot/dead-letters, translated to ChannelAdapterService (gRPC)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends
from pydantic import BaseModel, Field
from sellerbot.channels.v1 import channel_adapter_pb2 as pb

from api_gateway.api.deps import (
    CanEditChannels,
    CanReadChannels,
    State,
    api_rate_limit,
    call_service,
)
from api_gateway.api.proto_json import message_dict, struct_from

router = APIRouter(prefix="/seller-bot", tags=["seller-bot (channels)"], dependencies=[Depends(api_rate_limit)])
SERVICE = "channel-adapter"


class ChannelAccountIn(BaseModel):
    channel: str = Field(..., pattern="^(evolution|chatwoot|instagram|telegram)$")
    account_key: str = Field(..., min_length=1, max_length=200,
                             description="Evolution instance, Chatwoot account id, IG account id or Telegram bot id")
    display_name: str = Field(default="", max_length=200)
    settings: dict[str, Any] = Field(default_factory=dict, description="Non-secret settings (base URL, version)")
    secrets: dict[str, str] = Field(default_factory=dict, description="API keys and tokens (stored encrypted)")


@router.get("/channels", summary="The user's channel accounts (secrets are never returned)")
async def list_accounts(state: State, user: CanReadChannels) -> list[dict[str, Any]]:
    r = await call_service(state, SERVICE, state.services.channel_adapter.ListChannelAccounts,
                           pb.ListChannelAccountsRequest(), user)
    return [message_dict(a) for a in r.accounts]


@router.post("/channels", status_code=201, summary="Register a channel account")
async def register_account(body: ChannelAccountIn, state: State, user: CanEditChannels) -> dict[str, Any]:
    request = pb.RegisterChannelAccountRequest(
        channel=body.channel, account_key=body.account_key, display_name=body.display_name,
        settings=struct_from(body.settings), secrets=body.secrets,
    )
    return message_dict(await call_service(
        state, SERVICE, state.services.channel_adapter.RegisterChannelAccount, request, user))


@router.delete("/channels/{account_id}", summary="Remove a channel account")
async def delete_account(account_id: str, state: State, user: CanEditChannels) -> dict[str, str]:
    r = await call_service(state, SERVICE, state.services.channel_adapter.DeleteChannelAccount,
                           pb.DeleteChannelAccountRequest(id=account_id), user)
    return {"id": r.id}


@router.get("/dead-letters", summary="Replies that could not be delivered")
async def list_dead_letters(state: State, user: CanReadChannels, limit: int = 100) -> list[dict[str, Any]]:
    r = await call_service(state, SERVICE, state.services.channel_adapter.ListDeadLetters,
                           pb.ListDeadLettersRequest(limit=max(1, min(limit, 1000))), user)
    return [message_dict(d) for d in r.dead_letters]


@router.post("/dead-letters/{dead_letter_id}/retry", summary="Send a dead letter again")
async def retry_dead_letter(dead_letter_id: str, state: State, user: CanEditChannels) -> dict[str, Any]:
    return message_dict(await call_service(state, SERVICE, state.services.channel_adapter.RetryDeadLetter,
                                           pb.RetryDeadLetterRequest(id=dead_letter_id), user))
