"""/seller-bot/contacts and /seller-bot/orders: the CRM, translated to CrmService (gRPC, served by the chatbot
process)."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import datetime
from enum import StrEnum
from functools import lru_cache
from typing import Annotated, Any

import grpc
from fastapi import APIRouter, Depends, HTTPException, Query, Request, Response
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, ConfigDict, Field, Strict, model_validator
from pydantic.json_schema import SkipJsonSchema
from sellerbot.chatbot.v1 import crm_pb2 as pb
from sellerbot.chatbot.v1 import crm_pb2_grpc
from sellerbot_grpc import tenant_metadata

from api_gateway.api.bounds import Count
from api_gateway.api.deps import State, api_rate_limit, call_service, require
from api_gateway.api.errors import ServiceCallFailed, error_body
from api_gateway.api.proto_json import time_from
from api_gateway.auth.permissions import Permission
from api_gateway.state import GatewayState
from api_gateway.users.team import Member

router = APIRouter(prefix="/seller-bot", tags=["seller-bot (CRM)"], dependencies=[Depends(api_rate_limit)])
SERVICE = "chatbot"
MAX_IMPORT_BYTES = 5 * 1024 * 1024

CanReadContacts = Annotated[Member, Depends(require(Permission.READ_CONTACTS))]
CanEditContacts = Annotated[Member, Depends(require(Permission.EDIT_CONTACTS))]
CanManageContactData = Annotated[Member, Depends(require(Permission.MANAGE_CONTACT_DATA))]
CanReadOrders = Annotated[Member, Depends(require(Permission.READ_ORDERS))]
CanEditOrders = Annotated[Member, Depends(require(Permission.EDIT_ORDERS))]

Cursor = Annotated[str, Query(max_length=500, description="`next_cursor` of the previous page")]
Limit = Annotated[int, Query(ge=1, le=200)]


@lru_cache(maxsize=8)
def _stub(channel: grpc.aio.Channel) -> crm_pb2_grpc.CrmServiceStub:
    return crm_pb2_grpc.CrmServiceStub(channel)


def crm(state: GatewayState) -> crm_pb2_grpc.CrmServiceStub:
    """CrmService shares the chatbot's channel (same process, same replicas)."""
    return _stub(state.services.channels["chatbot"])


class Stage(StrEnum):
    NEW_CONTACT = "new_contact"
    PRODUCT_INTEREST = "product_interest"
    PRICE_ASKED = "price_asked"
    PURCHASE_INTENT = "purchase_intent"
    CONVERTED = "converted"


class ContactSort(StrEnum):
    LAST_SEEN = "last_seen"
    SCORE = "score"
    NAME = "name"
    CREATED = "created"


class ScoreSignalOut(BaseModel):
    signal: str = Field(description="stage_product_interest, stage_price_asked, stage_purchase_intent, draft_order, "
                        "bought_before, engaged, active_last_24h, recent_complaint, opted_out")
    points: int


class IdentityOut(BaseModel):
    contact_id: str = Field(examples=["whatsapp:5511999999999"])
    channel: str
    name: str = ""


class ContactOut(BaseModel):
    id: str
    name: str
    phone: str = Field(description="Digits with the country code; empty when unknown")
    stage: str
    last_intents: list[str]
    tags: list[str]
    notes: str
    owner: str = Field(description="User id of the member in charge")
    score: int = Field(description="0-100, the sum of score_signals")
    score_signals: list[ScoreSignalOut]
    opted_out: bool
    message_count: int
    identities: list[IdentityOut]
    first_seen: datetime | None = None
    last_seen: datetime | None = None


class ContactPage(BaseModel):
    contacts: list[ContactOut]
    next_cursor: str = Field(description="Empty on the last page")


class LineItemIn(BaseModel):
    """Names what is sold: a product id, a SKU or a name (at least one)."""

    model_config = ConfigDict(json_schema_extra={"anyOf": [
        {"required": [key], "properties": {key: {"pattern": r"\S"}}} for key in ("product_id", "sku", "name")]})

    product_id: str = Field(default="", max_length=64)
    sku: str = Field(default="", max_length=64)
    name: str = Field(default="", max_length=200)
    variant: str = Field(default="", max_length=100)
    quantity: Count = Field(default=1, ge=1, le=10_000)
    unit_price: str = Field(default="0", pattern=r"^\d{1,8}(\.\d{1,2})?$", description="Decimal, e.g. 49.90")

    @model_validator(mode="after")
    def _names_something(self) -> LineItemIn:
        if not (self.product_id.strip() or self.sku.strip() or self.name.strip()):
            raise ValueError("needs a name, product_id or sku")
        return self


class OrderOut(BaseModel):
    id: str
    contact: str
    conversation_id: str
    source: str = Field(description="bot_draft | manual | tiktok_shop")
    status: str = Field(description="draft | confirmed | dropped (TikTok Shop orders: the platform's status)")
    external_order_id: str
    line_items: list[LineItemIn]
    cep: str
    payment: str
    total: str
    currency: str
    tracking_number: str
    carrier: str
    notes: str
    created_at: datetime | None = None
    updated_at: datetime | None = None
    confirmed_at: datetime | None = None
    tracking_url: str = Field(default="", description="tiktok_shop: the carrier's tracking page")
    last_tracking_event: str = Field(default="", description="tiktok_shop: the carrier's last event")
    last_tracking_at: datetime | None = None
    buyer_name: str = Field(default="", description="tiktok_shop: the recipient as the platform gives it")
    buyer_phone: str = Field(default="", description="tiktok_shop: digits; empty when the platform masked it")
    synced_at: datetime | None = Field(default=None, description="tiktok_shop: when the order was last synced")


class TimelineEntryOut(BaseModel):
    at: datetime | None
    kind: str = Field(description="message_in | message_out | handoff")
    text: str
    channel: str


class ContactDetailOut(BaseModel):
    contact: ContactOut
    orders: list[OrderOut]
    timeline: list[TimelineEntryOut]


class ContactPatch(BaseModel):
    name: str | None = Field(default=None, max_length=200)
    phone: str | None = Field(default=None, max_length=30, pattern=r"^$|^[+() .\-]*([0-9][+() .\-]*){10,15}$",
                              description="10 to 15 digits (a Brazilian number may omit the 55); empty clears it")
    tags: list[Annotated[str, Field(max_length=40)]] | None = Field(default=None, max_length=30)
    notes: str | None = Field(default=None, max_length=4000)
    owner: str | None = Field(default=None, max_length=64,
                              description="user id of a member of the shop (422 otherwise); empty = nobody")
    stage: Stage | SkipJsonSchema[None] = None  # absent = unchanged; a stage cannot be cleared
    opted_out: Annotated[bool, Strict()] | None = None


class MergeIn(BaseModel):
    other_id: str = Field(..., min_length=1, max_length=36, description="This contact is merged into the path's")


class MergeOut(BaseModel):
    merge_id: str
    contact: ContactOut
    undo_until: datetime | None


class ImportOut(BaseModel):
    created: int
    updated: int
    errors: list[str]
    dry_run: bool


class ErasedOut(BaseModel):
    id: str
    erased: dict[str, int] = Field(description="Rows per kind, Redis keys and channel-adapter dead letters removed")


class OrderIn(BaseModel):
    contact: str = Field(default="", max_length=36)
    line_items: list[LineItemIn] = Field(..., min_length=1, max_length=50)
    cep: str = Field(default="", pattern=r"^$|^\d{5}-?\d{3}$")
    payment: str = Field(default="", max_length=40)
    notes: str = Field(default="", max_length=4000)
    confirm: Annotated[bool, Strict()] = False


class OrderStatus(StrEnum):
    DRAFT = "draft"
    CONFIRMED = "confirmed"
    DROPPED = "dropped"


class OrderPatch(BaseModel):
    line_items: list[LineItemIn] | None = Field(default=None, min_length=1, max_length=50)
    cep: str | None = Field(default=None, pattern=r"^$|^\d{5}-?\d{3}$")
    payment: str | None = Field(default=None, max_length=40)
    notes: str | None = Field(default=None, max_length=4000)
    status: OrderStatus | None = Field(default=None, description="confirmed publishes OrderPlaced (the funnel "
                                       "converts); dropped discards a draft")


def _contact(c: pb.Contact) -> ContactOut:
    return ContactOut(
        id=c.id, name=c.name, phone=c.phone, stage=c.stage, last_intents=list(c.last_intents), tags=list(c.tags),
        notes=c.notes, owner=c.owner, score=c.score,
        score_signals=[ScoreSignalOut(signal=s.signal, points=s.points) for s in c.score_signals],
        opted_out=c.opted_out, message_count=c.message_count,
        identities=[IdentityOut(contact_id=i.contact_id, channel=i.channel, name=i.name) for i in c.identities],
        first_seen=time_from(c.first_seen), last_seen=time_from(c.last_seen))


def _order(o: pb.Order) -> OrderOut:
    return OrderOut(
        id=o.id, contact=o.contact, conversation_id=o.conversation_id, source=o.source, status=o.status,
        external_order_id=o.external_order_id,
        line_items=[LineItemIn(product_id=i.product_id, sku=i.sku, name=i.name, variant=i.variant,
                               quantity=i.quantity, unit_price=i.unit_price) for i in o.line_items],
        cep=o.cep, payment=o.payment, total=o.total, currency=o.currency, tracking_number=o.tracking_number,
        carrier=o.carrier, notes=o.notes, created_at=time_from(o.created_at), updated_at=time_from(o.updated_at),
        confirmed_at=time_from(o.confirmed_at),
        tracking_url=o.tracking_url, last_tracking_event=o.last_tracking_event,
        last_tracking_at=time_from(o.last_tracking_at),
        buyer_name=o.buyer_name, buyer_phone=o.buyer_phone,
        synced_at=time_from(o.synced_at))


def _detail(d: pb.ContactDetail) -> ContactDetailOut:
    return ContactDetailOut(contact=_contact(d.contact), orders=[_order(o) for o in d.orders], timeline=[
        TimelineEntryOut(at=time_from(t.at), kind=t.kind, text=t.text, channel=t.channel) for t in d.timeline])


def _items(items: list[LineItemIn]) -> list[pb.LineItem]:
    return [pb.LineItem(**item.model_dump()) for item in items]


# --- contacts -------------------------------------------------------------------------------------------
@router.get("/contacts", response_model=ContactPage, summary="Search contacts (leads), a page at a time")
async def list_contacts(
    state: State, user: CanReadContacts,
    q: Annotated[str, Query(max_length=100, description="Name, phone, channel address or tag")] = "",
    tag: Annotated[str, Query(max_length=40)] = "", stage: Stage | None = None,
    owner: Annotated[str, Query(max_length=64)] = "", sort: ContactSort = ContactSort.LAST_SEEN,
    cursor: Cursor = "", limit: Limit = 50,
) -> ContactPage:
    request = pb.ListContactsRequest(q=q, tag=tag, stage=stage.value if stage else "", owner=owner, sort=sort.value,
                                     cursor=cursor, limit=limit)
    r = await call_service(state, SERVICE, crm(state).ListContacts, request, user)
    return ContactPage(contacts=[_contact(c) for c in r.contacts], next_cursor=r.next_cursor)


@router.get("/contacts/export.csv", summary="Every contact as CSV (streamed)",
            response_class=StreamingResponse, responses={200: {"content": {"text/csv": {}}}})
async def export_contacts(state: State, user: CanManageContactData) -> StreamingResponse:
    stream = crm(state).ExportContacts(
        pb.ExportContactsRequest(), metadata=tenant_metadata(user.shop_id, user.user_id),
        timeout=max(state.settings.grpc_timeout_seconds, 600))
    chunks = aiter(stream)
    try:  # the first chunk before answering: a service that is down is a 503, not a broken 200
        first = await anext(chunks)
    except StopAsyncIteration:
        first = pb.CsvChunk()
    except grpc.aio.AioRpcError as exc:
        raise ServiceCallFailed(SERVICE, exc) from exc

    async def body() -> AsyncIterator[bytes]:
        yield first.data
        async for chunk in chunks:
            yield chunk.data

    return StreamingResponse(body(), media_type="text/csv; charset=utf-8",
                             headers={"Content-Disposition": 'attachment; filename="contatos.csv"'})


@router.post("/contacts/import", response_model=ImportOut,
             summary="Import contacts from CSV (text/csv body; columns name,phone[,tags,stage,notes,owner]); "
             "?dry_run=true reports without writing",
             openapi_extra={"requestBody": {"required": True, "content": {
                 "text/csv": {"schema": {"type": "string", "examples": ["name,phone,tags\nAna,11999990000,vip"]}}}}})
async def import_contacts(
    request: Request, state: State, user: CanManageContactData, dry_run: bool = False
) -> ImportOut:
    if not request.headers.get("content-type", "").startswith(("text/csv", "text/plain", "application/csv")):
        raise HTTPException(415, error_body("unsupported_media_type", "send the CSV as text/csv"))
    body = await request.body()
    if len(body) > MAX_IMPORT_BYTES:
        raise HTTPException(413, error_body("payload_too_large", f"at most {MAX_IMPORT_BYTES} bytes"))
    r = await call_service(state, SERVICE, crm(state).ImportContacts,
                           pb.ImportContactsRequest(csv=body, dry_run=dry_run), user)
    return ImportOut(created=r.created, updated=r.updated, errors=list(r.errors), dry_run=r.dry_run)


@router.post("/contacts/merges/{merge_id}/undo", response_model=MergeOut,
             summary="Undo a merge (on the day it was made, in the shop's timezone: until `undo_until`)")
async def undo_merge(merge_id: str, state: State, user: CanEditContacts) -> MergeOut:
    r = await call_service(state, SERVICE, crm(state).UndoMerge, pb.UndoMergeRequest(merge_id=merge_id), user)
    return MergeOut(merge_id=r.merge_id, contact=_contact(r.contact), undo_until=time_from(r.undo_until))


@router.get("/contacts/{contact_id}", response_model=ContactDetailOut,
            summary="A contact with its orders and timeline")
async def get_contact(contact_id: str, state: State, user: CanReadContacts) -> ContactDetailOut:
    r = await call_service(state, SERVICE, crm(state).GetContact, pb.GetContactRequest(id=contact_id), user)
    return _detail(r)


async def _require_member_of_shop(state: GatewayState, user: Member, owner: str) -> None:
    """A contact's owner is a member of the caller's shop: the gateway knows the team, the chatbot does not."""
    member = await state.users.member(owner)
    if member is None or member.shop_id != user.shop_id:
        raise HTTPException(422, error_body("validation_error", "owner: not a member of this shop",
                                            fields=[{"field": "owner", "message": "not a member of this shop"}]))


@router.patch("/contacts/{contact_id}", response_model=ContactDetailOut,
              summary="Change a contact's name, phone, tags, notes, owner, stage or opt-out")
async def update_contact(contact_id: str, body: ContactPatch, state: State, user: CanEditContacts
                         ) -> ContactDetailOut:
    if body.owner:
        await _require_member_of_shop(state, user, body.owner)
    fields = sorted(body.model_dump(exclude_unset=True))
    values: dict[str, Any] = {k: v for k, v in body.model_dump(exclude_unset=True).items() if v is not None}
    request = pb.UpdateContactRequest(id=contact_id, fields=fields, **values)
    return _detail(await call_service(state, SERVICE, crm(state).UpdateContact, request, user))


@router.post("/contacts/{contact_id}/merge", response_model=MergeOut,
             summary="Merge another contact into this one (explicit; undo on the same day, until `undo_until`)")
async def merge_contacts(contact_id: str, body: MergeIn, state: State, user: CanEditContacts) -> MergeOut:
    request = pb.MergeContactsRequest(id=contact_id, other_id=body.other_id)
    r = await call_service(state, SERVICE, crm(state).MergeContacts, request, user)
    return MergeOut(merge_id=r.merge_id, contact=_contact(r.contact), undo_until=time_from(r.undo_until))


@router.delete("/contacts/{contact_id}", response_model=ErasedOut,
               summary="Erase the person everywhere the platform keeps them (LGPD)")
async def erase_contact(contact_id: str, state: State, user: CanManageContactData) -> ErasedOut:
    r = await call_service(state, SERVICE, crm(state).EraseContact, pb.EraseContactRequest(id=contact_id), user)
    return ErasedOut(id=r.id, erased=dict(r.erased))


@router.get("/contacts/{contact_id}/export", summary="Everything held about one person (LGPD), as JSON",
            responses={200: {"content": {"application/json": {}}}})
async def export_person(contact_id: str, state: State, user: CanManageContactData) -> Response:
    r = await call_service(state, SERVICE, crm(state).ExportPerson, pb.ExportPersonRequest(id=contact_id), user)
    return Response(r.json, media_type="application/json",
                    headers={"Content-Disposition": f'attachment; filename="contato-{contact_id}.json"'})


# --- orders ---------------------------------------------------------------------------------------------
class OrdersPage(BaseModel):
    orders: list[OrderOut]
    next_cursor: str


@router.get("/orders", response_model=OrdersPage, summary="Orders: bot drafts, manual and TikTok Shop, newest first")
async def list_orders(
    state: State, user: CanReadOrders, status: Annotated[str, Query(max_length=24, pattern=r"^[a-z_A-Z]*$")] = "",
    source: Annotated[str, Query(pattern=r"^(|bot_draft|manual|tiktok_shop)$")] = "",
    contact: Annotated[str, Query(max_length=36)] = "", cursor: Cursor = "", limit: Limit = 50,
) -> OrdersPage:
    request = pb.ListOrdersRequest(status=status, source=source, contact=contact, cursor=cursor, limit=limit)
    r = await call_service(state, SERVICE, crm(state).ListOrders, request, user)
    return OrdersPage(orders=[_order(o) for o in r.orders], next_cursor=r.next_cursor)


@router.post("/orders", status_code=201, response_model=OrderOut, summary="A manual order (draft or confirmed)")
async def create_order(body: OrderIn, state: State, user: CanEditOrders) -> OrderOut:
    request = pb.CreateOrderRequest(contact=body.contact, line_items=_items(body.line_items), cep=body.cep,
                                    payment=body.payment, notes=body.notes, confirm=body.confirm)
    return _order(await call_service(state, SERVICE, crm(state).CreateOrder, request, user))


@router.patch("/orders/{order_id}", response_model=OrderOut,
              summary="Edit a draft, confirm it (publishes OrderPlaced) or drop it")
async def update_order(order_id: str, body: OrderPatch, state: State, user: CanEditOrders) -> OrderOut:
    given = body.model_dump(exclude_unset=True, exclude_none=True)
    request = pb.UpdateOrderRequest(
        id=order_id, fields=sorted(given), line_items=_items(body.line_items or []), cep=body.cep or "",
        payment=body.payment or "", notes=body.notes or "", status=body.status.value if body.status else "")
    return _order(await call_service(state, SERVICE, crm(state).UpdateOrder, request, user))


# --- the CRM webhook's deliveries -----------------------------------------------------------------------
class DeliveryStatus(StrEnum):
    PENDING = "pending"
    SENDING = "sending"
    DELIVERED = "delivered"
    DEAD = "dead"


class WebhookDeliveryOut(BaseModel):
    id: str
    kind: str = Field(description="lead.created, lead.stage_changed, order.drafted, order.confirmed, "
                      "conversation.handoff, contact.erased")
    status: str
    attempts: int
    last_error: str
    payload: dict[str, Any] = Field(description="The body POSTed (see proto/EVENTS.md, CRM webhook)")
    created_at: datetime | None
    updated_at: datetime | None


def _delivery(d: pb.WebhookDelivery) -> WebhookDeliveryOut:
    return WebhookDeliveryOut(id=d.id, kind=d.kind, status=d.status, attempts=d.attempts, last_error=d.last_error,
                              payload=json.loads(d.payload_json or "{}"), created_at=time_from(d.created_at),
                              updated_at=time_from(d.updated_at))


@router.get("/crm-webhook/deliveries", response_model=list[WebhookDeliveryOut],
            summary="The CRM webhook's deliveries (default: the dead letters)")
async def webhook_deliveries(state: State, user: CanManageContactData,
                             status: DeliveryStatus = DeliveryStatus.DEAD, limit: Limit = 100
                             ) -> list[WebhookDeliveryOut]:
    request = pb.ListWebhookDeliveriesRequest(status=status.value, limit=limit)
    r = await call_service(state, SERVICE, crm(state).ListWebhookDeliveries, request, user)
    return [_delivery(d) for d in r.deliveries]


@router.post("/crm-webhook/deliveries/{delivery_id}/retry", response_model=WebhookDeliveryOut,
             summary="Send a dead CRM webhook delivery again")
async def retry_webhook_delivery(delivery_id: str, state: State, user: CanManageContactData) -> WebhookDeliveryOut:
    request = pb.RetryWebhookDeliveryRequest(id=delivery_id)
    return _delivery(await call_service(state, SERVICE, crm(state).RetryWebhookDelivery, request, user))
