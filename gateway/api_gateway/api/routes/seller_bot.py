"""/seller-bot/*: the AI seller chatbot, translated to ChatbotService (gRPC)."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from fastapi import APIRouter, Depends, HTTPException, Request
from pydantic import BaseModel, Field
from sellerbot.chatbot.v1 import chatbot_pb2 as pb

from api_gateway.api.deps import State, User, api_rate_limit, call_service
from api_gateway.api.errors import error_body
from api_gateway.api.proto_json import dict_from, message_dict, struct_from

router = APIRouter(prefix="/seller-bot", tags=["seller-bot (chatbot)"], dependencies=[Depends(api_rate_limit)])
SERVICE = "chatbot"


class Channel(StrEnum):
    WHATSAPP = "whatsapp"
    INSTAGRAM = "instagram"
    CHATWOOT = "chatwoot"
    TELEGRAM = "telegram"
    TIKTOK_SHOP = "tiktok_shop"
    API = "api"


class MessageRequest(BaseModel):
    contact_id: str = Field(..., min_length=1, max_length=200, examples=["whatsapp:5511999999999"])
    message: str = Field(..., min_length=1, max_length=4096)
    channel: Channel = Channel.API
    deliver: bool = Field(default=False, description="Also send the reply through the channel")
    contact_name: str = Field(default="", max_length=200)


class MessageResponse(BaseModel):
    reply: str
    intent: str
    confidence: float
    conversation_id: str
    handoff_state: str = ""
    stage: str = ""
    delivered: bool = False


class HandoffRequest(BaseModel):
    reason: str = Field(default="requested by seller", max_length=500)


class ConvertRequest(BaseModel):
    order_id: str = Field(default="", max_length=100)
    amount: float = Field(default=0, ge=0)


class ProductIn(BaseModel):
    id: str = Field(default="", max_length=64, description="Empty = create")
    sku: str = Field(..., min_length=1, max_length=64)
    name: str = Field(..., min_length=1, max_length=200)
    description: str = Field(default="", max_length=4000)
    price: float = Field(..., ge=0)
    currency: str = Field(default="BRL", min_length=3, max_length=3)
    stock: int = Field(default=0, ge=0)
    synonyms: list[str] = Field(default_factory=list, max_length=50)
    shipping_policy: str = Field(default="", max_length=2000)
    return_policy: str = Field(default="", max_length=2000)


@router.post("/message", response_model=MessageResponse, summary="Run the bot on one message")
async def process_message(body: MessageRequest, state: State, user: User) -> MessageResponse:
    request = pb.ProcessMessageRequest(
        contact_id=body.contact_id, message=body.message, channel=body.channel.value, deliver=body.deliver,
        contact_name=body.contact_name,
    )
    r = await call_service(state, SERVICE, state.services.chatbot.ProcessMessage, request, user.id)
    return MessageResponse(
        reply=r.reply, intent=r.intent, confidence=r.confidence, conversation_id=r.conversation_id,
        handoff_state=r.handoff_state, stage=r.stage, delivered=r.delivered,
    )


@router.get("/conversations", summary="Active conversations")
async def list_conversations(state: State, user: User, channel: str = "", limit: int = 200) -> list[dict[str, Any]]:
    request = pb.ListConversationsRequest(channel=channel, limit=max(1, min(limit, 1000)))
    r = await call_service(state, SERVICE, state.services.chatbot.ListConversations, request, user.id)
    return [message_dict(c) for c in r.conversations]


@router.delete("/conversations", summary="Clear the user's conversations")
async def clear_conversations(state: State, user: User) -> dict[str, int]:
    r = await call_service(
        state, SERVICE, state.services.chatbot.ClearConversations, pb.ClearConversationsRequest(), user.id)
    return {"cleared": r.cleared}


@router.post("/conversations/{conversation_id}/handoff", summary="Hand the conversation to a human")
async def handoff(
    conversation_id: str, state: State, user: User, body: HandoffRequest | None = None
) -> dict[str, Any]:
    request = pb.HandoffConversationRequest(id=conversation_id, reason=body.reason if body else "")
    return message_dict(await call_service(state, SERVICE, state.services.chatbot.HandoffConversation, request, user.id))


@router.post("/conversations/{conversation_id}/release", summary="Give the conversation back to the bot")
async def release(conversation_id: str, state: State, user: User) -> dict[str, Any]:
    request = pb.ReleaseConversationRequest(id=conversation_id)
    return message_dict(await call_service(state, SERVICE, state.services.chatbot.ReleaseConversation, request, user.id))


@router.post("/conversations/{conversation_id}/convert", summary="Mark the conversation as converted (a sale)")
async def convert(
    conversation_id: str, state: State, user: User, body: ConvertRequest | None = None
) -> dict[str, Any]:
    body = body or ConvertRequest()
    request = pb.ConvertConversationRequest(id=conversation_id, order_id=body.order_id, amount=body.amount)
    return message_dict(await call_service(state, SERVICE, state.services.chatbot.ConvertConversation, request, user.id))


@router.get("/stats", summary="Messages, conversations, handoffs and response time")
async def stats(state: State, user: User, period: str = "7d") -> dict[str, Any]:
    request = pb.GetStatsRequest(period=period)
    return message_dict(await call_service(state, SERVICE, state.services.chatbot.GetStats, request, user.id))


@router.get("/stats/intents", summary="Counts and share per intent")
async def intent_stats(state: State, user: User, period: str = "7d", channel: str = "") -> dict[str, Any]:
    request = pb.GetIntentStatsRequest(period=period, channel=channel)
    return message_dict(await call_service(state, SERVICE, state.services.chatbot.GetIntentStats, request, user.id))


@router.get("/stats/funnel", summary="Sales funnel per channel and prompt variant")
async def funnel(
    state: State, user: User, period: str = "30d", channel: str = "", prompt_variant: str = ""
) -> dict[str, Any]:
    request = pb.GetFunnelRequest(period=period, channel=channel, prompt_variant=prompt_variant)
    return message_dict(await call_service(state, SERVICE, state.services.chatbot.GetFunnel, request, user.id))


def _config_out(config: pb.BotConfig) -> dict[str, Any]:
    out = message_dict(config)
    out["settings"] = dict_from(config.settings)
    return out


@router.get("/config", summary="The bot's configuration")
async def get_config(state: State, user: User) -> dict[str, Any]:
    return _config_out(await call_service(state, SERVICE, state.services.chatbot.GetConfig, pb.GetConfigRequest(), user.id))


@router.patch("/config", summary="Change part of the configuration (validated, versioned)")
async def update_config(patch: dict[str, Any], state: State, user: User) -> dict[str, Any]:
    request = pb.UpdateConfigRequest(patch=struct_from(patch))
    return _config_out(await call_service(state, SERVICE, state.services.chatbot.UpdateConfig, request, user.id))


@router.get("/products", summary="The seller's product catalog")
async def list_products(state: State, user: User, q: str = "") -> list[dict[str, Any]]:
    r = await call_service(state, SERVICE, state.services.chatbot.ListProducts, pb.ListProductsRequest(query=q), user.id)
    return [message_dict(p) for p in r.products]


@router.post("/products", status_code=201, summary="Create or update a product")
async def upsert_product(body: ProductIn, state: State, user: User) -> dict[str, Any]:
    request = pb.UpsertProductRequest(product=pb.Product(**body.model_dump()))
    return message_dict(await call_service(state, SERVICE, state.services.chatbot.UpsertProduct, request, user.id))


@router.delete("/products/{product_id}", summary="Delete a product")
async def delete_product(product_id: str, state: State, user: User) -> dict[str, str]:
    r = await call_service(
        state, SERVICE, state.services.chatbot.DeleteProduct, pb.DeleteProductRequest(id=product_id), user.id)
    return {"id": r.id}


@router.post("/products/import", summary="Import products from CSV (text/csv body)")
async def import_products(request: Request, state: State, user: User) -> dict[str, Any]:
    if not request.headers.get("content-type", "").startswith(("text/csv", "text/plain", "application/csv")):
        raise HTTPException(415, error_body("unsupported_media_type", "send the CSV as text/csv"))
    body = await request.body()
    r = await call_service(
        state, SERVICE, state.services.chatbot.ImportProducts, pb.ImportProductsRequest(csv=body), user.id)
    return message_dict(r)
