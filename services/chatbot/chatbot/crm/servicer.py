"""CrmService over gRPC: thin translation proto <-> the contact and order books; their errors become status
codes here."""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import AsyncIterator
from datetime import datetime
from typing import Any

import grpc
from sellerbot.chatbot.v1 import crm_pb2 as pb
from sellerbot.chatbot.v1 import crm_pb2_grpc
from sellerbot_grpc import FieldViolation, abort_invalid_argument, caller_actor_id, caller_user_id

from chatbot.adapters.crm_tables import ContactRow, CrmWebhookDeliveryRow, OrderRow
from chatbot.adapters.repository import aware
from chatbot.adapters.repository.crm import SORTS, ContactQuery, MergeRefused, WebhookOutbox
from chatbot.crm.contact_book import ContactBook
from chatbot.crm.contacts_csv import NotAContactCsv
from chatbot.crm.leads import clean_tags, normalize_phone
from chatbot.crm.order_book import OrderBook, OrderInvalid
from chatbot.crm.order_lookup import shop_order_fields
from chatbot.domain.funnel import Stage
from chatbot.domain.text import fold
from chatbot.events.publisher import timestamp

STAGES = {s.value for s in Stage}
CONTACT_FIELDS = {"name", "phone", "tags", "notes", "owner", "stage", "opted_out"}
ORDER_FIELDS = {"line_items", "cep", "payment", "notes", "status"}
EXPORT_CHUNK = 64 * 1024
DELIVERY_STATUSES = {"pending", "sending", "delivered", "dead"}


class InvalidCursor(ValueError):
    pass


def encode_cursor(value: Any, row_id: str) -> str:
    raw = value.isoformat() if isinstance(value, datetime) else value
    return base64.urlsafe_b64encode(json.dumps([raw, row_id]).encode()).decode()


def decode_cursor(cursor: str, temporal: bool) -> tuple[Any, str] | None:
    if not cursor:
        return None
    try:
        value, row_id = json.loads(base64.urlsafe_b64decode(cursor.encode()))
        return (datetime.fromisoformat(value) if temporal else value), str(row_id)
    except (ValueError, TypeError, binascii.Error) as exc:
        raise InvalidCursor("not a cursor this API returned") from exc


class CrmServicer(crm_pb2_grpc.CrmServiceServicer):
    def __init__(self, contacts: ContactBook, orders: OrderBook, outbox: WebhookOutbox) -> None:
        self._contacts = contacts
        self._orders = orders
        self._outbox = outbox

    # --- the CRM webhook's deliveries ----------------------------------------------------------------
    async def ListWebhookDeliveries(self, request: pb.ListWebhookDeliveriesRequest, context: Any
                                    ) -> pb.ListWebhookDeliveriesResponse:
        user_id = await caller_user_id(context)
        status = request.status or "dead"
        if status not in DELIVERY_STATUSES:
            await abort_invalid_argument(context, "invalid status", [FieldViolation(
                "status", f"one of {', '.join(sorted(DELIVERY_STATUSES))}")])
        rows = await self._outbox.deliveries(user_id, status, min(max(request.limit or 100, 1), 500))
        return pb.ListWebhookDeliveriesResponse(deliveries=[delivery_message(r) for r in rows])

    async def RetryWebhookDelivery(self, request: pb.RetryWebhookDeliveryRequest, context: Any
                                   ) -> pb.WebhookDelivery:
        user_id = await caller_user_id(context)
        row = await self._outbox.retry(user_id, request.id)
        if row is None:
            await context.abort(grpc.StatusCode.NOT_FOUND, f"no dead delivery {request.id}")
        assert row is not None
        return delivery_message(row)

    # --- contacts -----------------------------------------------------------------------------------
    async def ListContacts(self, request: pb.ListContactsRequest, context: Any) -> pb.ListContactsResponse:
        user_id = await caller_user_id(context)
        sort = request.sort or "last_seen"
        violations = []
        if sort not in SORTS:
            violations.append(FieldViolation("sort", f"one of {', '.join(SORTS)}"))
        if request.stage and request.stage not in STAGES:
            violations.append(FieldViolation("stage", f"one of {', '.join(sorted(STAGES))}"))
        try:
            after = decode_cursor(request.cursor, sort in ("last_seen", "created"))
        except InvalidCursor as exc:
            violations.append(FieldViolation("cursor", str(exc)))
        if violations:
            await abort_invalid_argument(context, "invalid contact search", violations)
        limit = min(max(request.limit or 50, 1), 200)
        query = ContactQuery(q=_search_term(request.q), tag=request.tag.strip().lower(), stage=request.stage,
                             owner=request.owner, sort=sort, after=after, limit=limit)
        rows = await self._contacts.search(user_id, query)
        identities = await self._contacts.store.identities_of([r.id for r in rows])
        column = SORTS[sort][0].key
        next_cursor = encode_cursor(getattr(rows[-1], column), rows[-1].id) if len(rows) == limit else ""
        return pb.ListContactsResponse(contacts=[contact_message(r, identities.get(r.id, [])) for r in rows],
                                       next_cursor=next_cursor)

    async def GetContact(self, request: pb.GetContactRequest, context: Any) -> pb.ContactDetail:
        user_id = await caller_user_id(context)
        row = await self._contacts.store.contact(user_id, request.id)
        if row is None or row.merged_into:
            await context.abort(grpc.StatusCode.NOT_FOUND, f"contact {request.id} not found")
        assert row is not None
        return await self._detail(user_id, row)

    async def _detail(self, user_id: str, row: ContactRow) -> pb.ContactDetail:
        store = self._contacts.store
        identities = await store.identities(row.id)
        orders = await store.orders(user_id, contact_ref=row.id, limit=200)
        timeline = [pb.TimelineEntry(at=timestamp(at), kind=kind, text=text, channel=channel)
                    for at, kind, text, channel in await store.timeline(user_id, row.id)]
        return pb.ContactDetail(
            contact=contact_message(row, [i.contact_id for i in identities], {i.contact_id: i for i in identities}),
            orders=[order_message(o) for o in orders], timeline=timeline)

    async def UpdateContact(self, request: pb.UpdateContactRequest, context: Any) -> pb.ContactDetail:
        user_id = await caller_user_id(context)
        changes, violations = _contact_changes(request)
        if violations:
            await abort_invalid_argument(context, "invalid contact", violations)
        row = await self._contacts.update(user_id, request.id, changes)
        if row is None:
            await context.abort(grpc.StatusCode.NOT_FOUND, f"contact {request.id} not found")
        assert row is not None
        return await self._detail(user_id, row)

    async def MergeContacts(self, request: pb.MergeContactsRequest, context: Any) -> pb.MergeResult:
        user_id = await caller_user_id(context)
        try:
            record = await self._contacts.merge(user_id, request.id, request.other_id, caller_actor_id(context))
        except MergeRefused as exc:
            await context.abort(grpc.StatusCode.FAILED_PRECONDITION, str(exc))
        return await self._merge_result(user_id, record.id, record.kept_ref, record.created_at)

    async def UndoMerge(self, request: pb.UndoMergeRequest, context: Any) -> pb.MergeResult:
        user_id = await caller_user_id(context)
        try:
            record = await self._contacts.undo_merge(user_id, request.merge_id, caller_actor_id(context))
        except LookupError:
            await context.abort(grpc.StatusCode.NOT_FOUND, f"merge {request.merge_id} not found")
        except MergeRefused as exc:
            await context.abort(grpc.StatusCode.FAILED_PRECONDITION, str(exc))
        return await self._merge_result(user_id, record.id, record.kept_ref, record.created_at)

    async def _merge_result(self, user_id: str, merge_id: str, kept_ref: str, at: datetime) -> pb.MergeResult:
        kept = await self._contacts.store.contact(user_id, kept_ref)
        assert kept is not None
        identities = await self._contacts.store.identities(kept.id)
        return pb.MergeResult(merge_id=merge_id, contact=contact_message(kept, [i.contact_id for i in identities]),
                              undo_until=timestamp(await self._contacts.undo_until(user_id, aware(at) or at)))

    async def ExportContacts(self, request: pb.ExportContactsRequest, context: Any) -> AsyncIterator[pb.CsvChunk]:
        user_id = await caller_user_id(context)
        buffer: list[str] = []
        size = 0
        async for text in self._contacts.export_csv(user_id):
            buffer.append(text)
            size += len(text)
            if size >= EXPORT_CHUNK:
                yield pb.CsvChunk(data="".join(buffer).encode())
                buffer, size = [], 0
        if buffer:
            yield pb.CsvChunk(data="".join(buffer).encode())

    async def ImportContacts(self, request: pb.ImportContactsRequest, context: Any) -> pb.ImportContactsResponse:
        user_id = await caller_user_id(context)
        try:
            report = await self._contacts.import_csv(user_id, request.csv, request.dry_run)
        except NotAContactCsv as exc:
            await abort_invalid_argument(context, "not a contacts CSV", [FieldViolation("csv", str(exc))])
        return pb.ImportContactsResponse(created=report.created, updated=report.updated, errors=report.errors[:500],
                                         dry_run=report.dry_run)

    async def EraseContact(self, request: pb.EraseContactRequest, context: Any) -> pb.EraseContactResponse:
        user_id = await caller_user_id(context)
        try:
            counts = await self._contacts.erase(user_id, request.id, caller_actor_id(context))
        except grpc.aio.AioRpcError as exc:
            await context.abort(grpc.StatusCode.UNAVAILABLE,
                                f"the channel-adapter could not erase the dead letters ({exc.code().name}); "
                                "nothing was erased: try again")
        if counts is None:
            await context.abort(grpc.StatusCode.NOT_FOUND, f"contact {request.id} not found")
        return pb.EraseContactResponse(id=request.id, erased=counts)

    async def ExportPerson(self, request: pb.ExportPersonRequest, context: Any) -> pb.PersonExport:
        user_id = await caller_user_id(context)
        document = await self._contacts.export_person(user_id, request.id, caller_actor_id(context))
        if document is None:
            await context.abort(grpc.StatusCode.NOT_FOUND, f"contact {request.id} not found")
        return pb.PersonExport(json=document)

    # --- orders -------------------------------------------------------------------------------------
    async def ListOrders(self, request: pb.ListOrdersRequest, context: Any) -> pb.ListOrdersResponse:
        user_id = await caller_user_id(context)
        try:
            after = decode_cursor(request.cursor, temporal=True)
        except InvalidCursor as exc:
            await abort_invalid_argument(context, "invalid cursor", [FieldViolation("cursor", str(exc))])
        limit = min(max(request.limit or 50, 1), 200)
        rows = await self._orders.list(user_id, status=request.status, source=request.source,
                                       contact_ref=request.contact, after=after, limit=limit)
        next_cursor = encode_cursor(rows[-1].created_at, rows[-1].id) if len(rows) == limit else ""
        return pb.ListOrdersResponse(orders=[order_message(o) for o in rows], next_cursor=next_cursor)

    async def CreateOrder(self, request: pb.CreateOrderRequest, context: Any) -> pb.Order:
        user_id = await caller_user_id(context)
        try:
            row = await self._orders.create(user_id, request.contact, [_item(i) for i in request.line_items],
                                            request.cep, request.payment, request.notes, request.confirm)
        except OrderInvalid as exc:
            await abort_invalid_argument(context, "invalid order", [FieldViolation(exc.field, str(exc))])
        return order_message(row)

    async def UpdateOrder(self, request: pb.UpdateOrderRequest, context: Any) -> pb.Order:
        user_id = await caller_user_id(context)
        unknown = set(request.fields) - ORDER_FIELDS
        if unknown:
            await abort_invalid_argument(context, "invalid order", [FieldViolation(
                "fields", f"unknown: {', '.join(sorted(unknown))}")])
        changes: dict[str, Any] = {name: getattr(request, name) for name in request.fields if name != "line_items"}
        if "line_items" in request.fields:
            changes["line_items"] = [_item(i) for i in request.line_items]
        try:
            row = await self._orders.update(user_id, request.id, changes)
        except OrderInvalid as exc:
            await abort_invalid_argument(context, "invalid order", [FieldViolation(exc.field, str(exc))])
        if row is None:
            await context.abort(grpc.StatusCode.NOT_FOUND, f"order {request.id} not found")
        assert row is not None
        return order_message(row)


def _search_term(q: str) -> str:
    """A phone typed any way finds the stored digits; anything else is matched folded like the index."""
    digits = "".join(ch for ch in q if ch.isdigit())
    if digits and len(digits) >= 4 and not any(ch.isalpha() for ch in q):
        return digits
    return fold(q)[:100]


def _contact_changes(request: pb.UpdateContactRequest) -> tuple[dict[str, Any], list[FieldViolation]]:
    violations = [FieldViolation("fields", f"unknown: {name}") for name in request.fields
                  if name not in CONTACT_FIELDS]
    changes: dict[str, Any] = {}
    for name in request.fields:
        if name == "name":
            changes["name"] = request.name.strip()[:200]
        elif name == "phone":
            phone = normalize_phone(request.phone)
            if request.phone and not phone:
                violations.append(FieldViolation("phone", "not a phone number (10 to 15 digits)"))
            changes["phone"] = phone
        elif name == "tags":
            changes["tags"] = clean_tags(list(request.tags))
        elif name == "notes":
            changes["notes"] = request.notes[:4000]
        elif name == "owner":
            changes["owner"] = request.owner[:64]
        elif name == "stage":
            if request.stage not in STAGES:
                violations.append(FieldViolation("stage", f"one of {', '.join(sorted(STAGES))}"))
            changes["stage"] = request.stage
        elif name == "opted_out":
            changes["opted_out"] = request.opted_out
    return changes, violations


def _item(item: pb.LineItem) -> dict[str, Any]:
    return {"product_id": item.product_id, "sku": item.sku, "name": item.name, "variant": item.variant,
            "quantity": item.quantity, "unit_price": item.unit_price or "0"}


def contact_message(row: ContactRow, addresses: list[str], identities: dict[str, Any] | None = None) -> pb.Contact:
    found = identities or {}
    return pb.Contact(
        id=row.id, name=row.name, phone=row.phone, stage=row.stage, last_intents=list(row.last_intents or []),
        tags=list(row.tags or []), notes=row.notes, owner=row.owner, score=row.score,
        score_signals=[pb.ScoreSignal(signal=str(s["signal"]), points=int(s["points"]))
                       for s in row.score_signals or []],
        opted_out=row.opted_out, message_count=row.message_count,
        identities=[pb.ContactIdentity(contact_id=a, channel=a.partition(":")[0],
                                       name=getattr(found.get(a), "name", "")) for a in addresses],
        first_seen=timestamp(aware(row.first_seen) or row.first_seen),
        last_seen=timestamp(aware(row.last_seen) or row.last_seen))


def delivery_message(row: CrmWebhookDeliveryRow) -> pb.WebhookDelivery:
    return pb.WebhookDelivery(
        id=row.id, kind=row.kind, status=row.status, attempts=row.attempts, last_error=row.last_error,
        payload_json=json.dumps(row.payload, ensure_ascii=False),
        created_at=timestamp(aware(row.created_at) or row.created_at),
        updated_at=timestamp(aware(row.updated_at) or row.updated_at))


def order_message(row: OrderRow) -> pb.Order:
    tracking = row.tracking or {}
    message = pb.Order(
        id=row.id, contact=row.contact_ref or "", conversation_id=row.conversation_id, source=row.source,
        status=row.status, external_order_id=row.external_order_id or "",
        line_items=[pb.LineItem(product_id=i.get("product_id", ""), sku=i.get("sku", ""), name=i.get("name", ""),
                                variant=i.get("variant", ""), quantity=int(i.get("quantity", 1)),
                                unit_price=str(i.get("unit_price", "0"))) for i in row.line_items or []],
        cep=row.cep, payment=row.payment, total=f"{row.total:.2f}", currency=row.currency,
        tracking_number=str(tracking.get("tracking_number", "")), carrier=str(tracking.get("carrier", "")),
        notes=row.notes, created_at=timestamp(aware(row.created_at) or row.created_at),
        updated_at=timestamp(aware(row.updated_at) or row.updated_at))
    if row.confirmed_at:
        message.confirmed_at.CopyFrom(timestamp(aware(row.confirmed_at) or row.confirmed_at))
    shop_order_fields(message, row)
    return message

