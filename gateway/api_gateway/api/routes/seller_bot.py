"""/seller-bot/*: the AI seller chatbot, translated to ChatbotService (gRPC)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from pydantic import BaseModel, Field
from sellerbot.chatbot.v1 import chatbot_pb2 as pb

from api_gateway.api.bounds import (
    MAX_PRICE,
    MAX_STOCK,
    NOT_BLANK,
    Amount,
    ChannelName,
    Count,
    Flag,
    Money,
    Period,
    SearchText,
    ShortText,
)
from api_gateway.api.deps import (
    CanDeleteConversations,
    CanEditConfig,
    CanEditProducts,
    CanReadConfig,
    CanReadConversations,
    CanReadProducts,
    CanReadStats,
    CanSendMessages,
    CanTakeOverConversations,
    State,
    api_rate_limit,
    call_service,
)
from api_gateway.api.errors import error_body
from api_gateway.api.proto_json import dict_from, struct_from, time_from

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
    contact_id: str = Field(..., min_length=1, max_length=200, pattern=NOT_BLANK, examples=["whatsapp:5511999999999"])
    message: str = Field(..., min_length=1, max_length=4096, pattern=NOT_BLANK)
    channel: Channel = Channel.API
    deliver: Flag = Field(default=False, description="Also send the reply through the channel")
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
    amount: Money = 0


class ConversationOut(BaseModel):
    id: str
    contact_id: str
    channel: str
    contact_name: str = ""
    last_message: str = ""
    last_intent: str = ""
    stage: str = Field(description="new_contact | product_interest | price_asked | purchase_intent | converted")
    handoff_state: str = Field(description="bot | waiting_human | human")
    message_count: int = 0
    updated_at: datetime | None = None
    prompt_variant: str = ""
    converted: bool = False


class ClearedOut(BaseModel):
    cleared: int


class ChannelStatsOut(BaseModel):
    channel: str
    messages_in: int
    messages_out: int
    active_conversations: int
    handoffs: int
    average_response_seconds: float
    conversions: int = Field(default=0, description="Conversations converted in the period (attributed orders)")
    revenue: str = Field(default="0.00", description="Decimal: the total of those conversations' orders")


class StatsOut(BaseModel):
    period: str
    messages_in: int
    messages_out: int
    active_conversations: int
    handoffs: int
    average_response_seconds: float
    conversions: int = Field(default=0, description="Conversations converted in the period: orders from buyers who "
                             "wrote to the bot within the attribution window (config attribution.window_days)")
    revenue: str = Field(default="0.00", description="Decimal: the total of those orders")
    per_channel: list[ChannelStatsOut]


class IntentCountOut(BaseModel):
    intent: str = Field(description="greeting, product_info, price, availability, shipping, payment, order_status, "
                        "returns, complaint, human, purchase, thanks_bye or other")
    count: int
    share: float


class IntentStatsOut(BaseModel):
    period: str
    total: int
    intents: list[IntentCountOut]


class FunnelStageOut(BaseModel):
    stage: str
    count: int
    conversion_rate: float = Field(description="Share of the first stage that reached this one")


class FunnelBreakdownOut(BaseModel):
    key: str
    stages: list[FunnelStageOut]


class FunnelOut(BaseModel):
    period: str
    stages: list[FunnelStageOut]
    per_channel: list[FunnelBreakdownOut]
    per_prompt_variant: list[FunnelBreakdownOut]


class ConfigOut(BaseModel):
    settings: dict[str, Any] = Field(description="persona, tone, greeting, business_hours, policies, handoff_rules, "
                                     "enabled_channels, llm, debounce, faq_cache, prompt_variants")
    version: int
    updated_at: datetime | None = None
    updated_by: str = ""


class ProductOut(BaseModel):
    id: str
    sku: str
    name: str
    description: str = ""
    price: float
    currency: str = "BRL"
    stock: int = 0
    synonyms: list[str] = Field(default_factory=list)
    variants: list[str] = Field(default_factory=list)
    shipping_policy: str = ""
    return_policy: str = ""
    gender: str = ""
    updated_at: datetime | None = None
    source: str = Field(default="manual", description="manual (this API) | csv (an import) | tiktok_shop (synced "
                        "from the shop; read-only here: the next sync overwrites an edit)")
    synced_at: datetime | None = Field(default=None, description="tiktok_shop: when the shop was last read")
    active: bool = Field(default=True, description="False: the shop deactivated it; kept, never offered by the bot")
    external_id: str = Field(default="", description="tiktok_shop: the TikTok Shop product id")
    platform_status: str = Field(default="", description="tiktok_shop: ACTIVATE, SELLER_DEACTIVATED, ..., MISSING")


class DeletedOut(BaseModel):
    id: str


class ImportOut(BaseModel):
    imported: int
    updated: int
    errors: list[str]


class ProductIn(BaseModel):
    id: str = Field(default="", max_length=64, description="Empty = create")
    sku: str = Field(..., min_length=1, pattern=NOT_BLANK, max_length=64)
    name: str = Field(..., min_length=1, pattern=NOT_BLANK, max_length=200)
    description: str = Field(default="", max_length=4000)
    price: Amount = Field(..., ge=0, le=MAX_PRICE)
    currency: str = Field(default="BRL", pattern="^[A-Za-z]{3}$")
    stock: Count = Field(default=0, ge=0, le=MAX_STOCK)
    synonyms: list[ShortText] = Field(default_factory=list, max_length=50)
    shipping_policy: str = Field(default="", max_length=2000)
    return_policy: str = Field(default="", max_length=2000)
    variants: list[ShortText] = Field(default_factory=list, max_length=50,
                                      description="Sizes/colours to pick when ordering")
    gender: Literal["", "masculine", "feminine"] = Field(
        default="", description="How the bot writes the article before the name ('o'/'a'); empty = inferred")


def _conversation(c: pb.Conversation) -> ConversationOut:
    return ConversationOut(
        id=c.id, contact_id=c.contact_id, channel=c.channel, contact_name=c.contact_name,
        last_message=c.last_message, last_intent=c.last_intent, stage=c.stage, handoff_state=c.handoff_state,
        message_count=c.message_count, updated_at=time_from(c.updated_at), prompt_variant=c.prompt_variant,
        converted=c.converted)


def _product(p: pb.Product) -> ProductOut:
    return ProductOut(
        id=p.id, sku=p.sku, name=p.name, description=p.description, price=p.price, currency=p.currency,
        stock=p.stock, synonyms=list(p.synonyms), variants=list(p.variants), shipping_policy=p.shipping_policy,
        return_policy=p.return_policy, gender=p.gender, updated_at=time_from(p.updated_at),
        source=p.source or "manual", synced_at=time_from(p.synced_at),
        active=p.active, external_id=p.external_id, platform_status=p.platform_status)


def _stages(stages: Any) -> list[FunnelStageOut]:
    return [FunnelStageOut(stage=s.stage, count=s.count, conversion_rate=s.conversion_rate) for s in stages]


@router.post("/message", response_model=MessageResponse, summary="Run the bot on one message")
async def process_message(body: MessageRequest, state: State, user: CanSendMessages) -> MessageResponse:
    request = pb.ProcessMessageRequest(
        contact_id=body.contact_id, message=body.message, channel=body.channel.value, deliver=body.deliver,
        contact_name=body.contact_name,
    )
    r = await call_service(state, SERVICE, state.services.chatbot.ProcessMessage, request, user)
    return MessageResponse(
        reply=r.reply, intent=r.intent, confidence=r.confidence, conversation_id=r.conversation_id,
        handoff_state=r.handoff_state, stage=r.stage, delivered=r.delivered,
    )


@router.get("/conversations", response_model=list[ConversationOut], summary="Active conversations")
async def list_conversations(
    state: State, user: CanReadConversations, channel: ChannelName = "", limit: int = 200
) -> list[ConversationOut]:
    request = pb.ListConversationsRequest(channel=channel, limit=max(1, min(limit, 1000)))
    r = await call_service(state, SERVICE, state.services.chatbot.ListConversations, request, user)
    return [_conversation(c) for c in r.conversations]


@router.delete("/conversations", response_model=ClearedOut, summary="Clear the user's conversations")
async def clear_conversations(state: State, user: CanDeleteConversations) -> ClearedOut:
    r = await call_service(
        state, SERVICE, state.services.chatbot.ClearConversations, pb.ClearConversationsRequest(), user)
    return ClearedOut(cleared=r.cleared)


@router.post("/conversations/{conversation_id}/handoff", response_model=ConversationOut,
             summary="Hand the conversation to a human")
async def handoff(
    conversation_id: str, state: State, user: CanTakeOverConversations, body: HandoffRequest | None = None
) -> ConversationOut:
    request = pb.HandoffConversationRequest(id=conversation_id, reason=body.reason if body else "")
    return _conversation(
        await call_service(state, SERVICE, state.services.chatbot.HandoffConversation, request, user))


@router.post("/conversations/{conversation_id}/release", response_model=ConversationOut,
             summary="Give the conversation back to the bot")
async def release(conversation_id: str, state: State, user: CanTakeOverConversations) -> ConversationOut:
    request = pb.ReleaseConversationRequest(id=conversation_id)
    return _conversation(
        await call_service(state, SERVICE, state.services.chatbot.ReleaseConversation, request, user))


@router.post("/conversations/{conversation_id}/convert", response_model=ConversationOut,
             summary="Mark the conversation as converted (a sale)")
async def convert(
    conversation_id: str, state: State, user: CanTakeOverConversations, body: ConvertRequest | None = None
) -> ConversationOut:
    body = body or ConvertRequest()
    request = pb.ConvertConversationRequest(id=conversation_id, order_id=body.order_id, amount=body.amount)
    return _conversation(
        await call_service(state, SERVICE, state.services.chatbot.ConvertConversation, request, user))


@router.get("/stats", response_model=StatsOut, summary="Messages, conversations, handoffs and response time")
async def stats(state: State, user: CanReadStats, period: Period = "7d") -> StatsOut:
    request = pb.GetStatsRequest(period=period)
    r = await call_service(state, SERVICE, state.services.chatbot.GetStats, request, user)
    return StatsOut(
        period=r.period, messages_in=r.messages_in, messages_out=r.messages_out,
        active_conversations=r.active_conversations, handoffs=r.handoffs,
        average_response_seconds=r.average_response_seconds, conversions=r.conversions, revenue=r.revenue or "0.00",
        per_channel=[ChannelStatsOut(
            channel=c.channel, messages_in=c.messages_in, messages_out=c.messages_out,
            active_conversations=c.active_conversations, handoffs=c.handoffs,
            average_response_seconds=c.average_response_seconds, conversions=c.conversions,
            revenue=c.revenue or "0.00") for c in r.per_channel])


@router.get("/stats/intents", response_model=IntentStatsOut, summary="Counts and share per intent")
async def intent_stats(
    state: State, user: CanReadStats, period: Period = "7d", channel: ChannelName = ""
) -> IntentStatsOut:
    request = pb.GetIntentStatsRequest(period=period, channel=channel)
    r = await call_service(state, SERVICE, state.services.chatbot.GetIntentStats, request, user)
    return IntentStatsOut(period=r.period, total=r.total, intents=[
        IntentCountOut(intent=i.intent, count=i.count, share=i.share) for i in r.intents])


@router.get("/stats/funnel", response_model=FunnelOut, summary="Sales funnel per channel and prompt variant")
async def funnel(
    state: State, user: CanReadStats, period: Period = "30d", channel: ChannelName = "",
    prompt_variant: Annotated[str, Query(max_length=40)] = "",
) -> FunnelOut:
    request = pb.GetFunnelRequest(period=period, channel=channel, prompt_variant=prompt_variant)
    r = await call_service(state, SERVICE, state.services.chatbot.GetFunnel, request, user)
    return FunnelOut(
        period=r.period, stages=_stages(r.stages),
        per_channel=[FunnelBreakdownOut(key=b.key, stages=_stages(b.stages)) for b in r.per_channel],
        per_prompt_variant=[FunnelBreakdownOut(key=b.key, stages=_stages(b.stages)) for b in r.per_prompt_variant])


def _config_out(config: pb.BotConfig) -> ConfigOut:
    return ConfigOut(settings=dict_from(config.settings), version=config.version,
                     updated_at=time_from(config.updated_at), updated_by=config.updated_by)


@router.get("/config", response_model=ConfigOut, summary="The bot's configuration")
async def get_config(state: State, user: CanReadConfig) -> ConfigOut:
    request = pb.GetConfigRequest()
    return _config_out(await call_service(state, SERVICE, state.services.chatbot.GetConfig, request, user))


@router.patch("/config", response_model=ConfigOut, summary="Change part of the configuration (validated, versioned)")
async def update_config(patch: dict[str, Any], state: State, user: CanEditConfig) -> ConfigOut:
    request = pb.UpdateConfigRequest(patch=struct_from(patch))
    return _config_out(await call_service(state, SERVICE, state.services.chatbot.UpdateConfig, request, user))


@router.get("/products", response_model=list[ProductOut], summary="The seller's product catalog")
async def list_products(state: State, user: CanReadProducts, q: SearchText = "") -> list[ProductOut]:
    request = pb.ListProductsRequest(query=q)
    r = await call_service(state, SERVICE, state.services.chatbot.ListProducts, request, user)
    return [_product(p) for p in r.products]


@router.post("/products", status_code=201, response_model=ProductOut, summary="Create or update a product")
async def upsert_product(body: ProductIn, state: State, user: CanEditProducts) -> ProductOut:
    request = pb.UpsertProductRequest(product=pb.Product(**body.model_dump()))
    return _product(await call_service(state, SERVICE, state.services.chatbot.UpsertProduct, request, user))


@router.delete("/products/{product_id}", response_model=DeletedOut, summary="Delete a product")
async def delete_product(product_id: str, state: State, user: CanEditProducts) -> DeletedOut:
    r = await call_service(
        state, SERVICE, state.services.chatbot.DeleteProduct, pb.DeleteProductRequest(id=product_id), user)
    return DeletedOut(id=r.id)


@router.post("/products/import", response_model=ImportOut,
             summary="Import products from CSV (text/csv body; columns sku,name,price[,stock,description,"
             "synonyms,variants,shipping_policy,return_policy,currency])",
             openapi_extra={"requestBody": {"required": True, "content": {
                 "text/csv": {"schema": {"type": "string", "examples": ["sku,name,price\nX-1,Produto X,49.90"]}}}}})
async def import_products(request: Request, state: State, user: CanEditProducts) -> ImportOut:
    if not request.headers.get("content-type", "").startswith(("text/csv", "text/plain", "application/csv")):
        raise HTTPException(415, error_body("unsupported_media_type", "send the CSV as text/csv"))
    body = await request.body()
    r = await call_service(
        state, SERVICE, state.services.chatbot.ImportProducts, pb.ImportProductsRequest(csv=body), user)
    return ImportOut(imported=r.imported, updated=r.updated, errors=list(r.errors))
