"""ChatbotService over gRPC: thin translation proto <-> the bot; domain errors become status codes here."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

import grpc
from google.protobuf import json_format, struct_pb2
from sellerbot.chatbot.v1 import chatbot_pb2 as pb
from sellerbot.chatbot.v1 import chatbot_pb2_grpc
from sellerbot_grpc import FieldViolation, abort_invalid_argument, caller_actor_id, caller_user_id
from sqlalchemy.exc import IntegrityError

from chatbot.adapters.repository import aware
from chatbot.adapters.tables import ConversationRow, ProductRow
from chatbot.catalog_import import parse_csv
from chatbot.domain.catalog import Product
from chatbot.domain.config import Channel, ConfigInvalid
from chatbot.domain.money import to_decimal
from chatbot.domain.shop import ProductSource
from chatbot.events.publisher import timestamp
from chatbot.reports import InvalidPeriod, Reports
from chatbot.seller_bot import ProfessionalSellerBot

CHANNELS = {c.value for c in Channel}
MAX_MESSAGE = 4096
# The tables' Numeric(12, 2) holds up to 10^10; the bounds stay well inside so sums and Decimals never overflow.
MAX_PRICE = 10_000_000
MAX_ORDER_AMOUNT = 1_000_000_000
MAX_STOCK = 1_000_000_000


class ChatbotServicer(chatbot_pb2_grpc.ChatbotServiceServicer):
    def __init__(self, bot: ProfessionalSellerBot, reports: Reports) -> None:
        self._bot = bot
        self._reports = reports

    # --- messages and conversations ---------------------------------------------------------------
    async def ProcessMessage(self, request: pb.ProcessMessageRequest, context: Any) -> pb.ProcessMessageResponse:
        user_id = await caller_user_id(context)
        violations = []
        if not request.contact_id.strip() or len(request.contact_id) > 200:
            violations.append(FieldViolation("contact_id", "required, at most 200 characters"))
        if not request.message.strip() or len(request.message) > MAX_MESSAGE:
            violations.append(FieldViolation("message", f"required, at most {MAX_MESSAGE} characters"))
        channel = request.channel or "api"
        if channel not in CHANNELS:
            violations.append(FieldViolation("channel", f"one of {', '.join(sorted(CHANNELS))}"))
        if violations:
            await abort_invalid_argument(context, "invalid message", violations)
        result = await self._bot.process_message(
            user_id, request.contact_id.strip(), request.message.strip(), channel, request.deliver,
            request.contact_name)
        return pb.ProcessMessageResponse(
            reply=result.reply, intent=result.intent, confidence=result.confidence,
            conversation_id=result.conversation_id, handoff_state=result.handoff_state, stage=result.stage,
            delivered=result.delivered)

    async def ListConversations(
        self, request: pb.ListConversationsRequest, context: Any
    ) -> pb.ListConversationsResponse:
        user_id = await caller_user_id(context)
        limit = min(max(request.limit or 200, 1), 1000)
        if request.channel:
            contexts = [c for c in await self._bot.contexts.get_all_contexts(user_id)
                        if c.get("channel") == request.channel]
            contexts.sort(key=lambda c: str(c.get("updated_at", "")), reverse=True)  # ISO times, all UTC
            contexts = contexts[:limit]
        else:
            contexts, _ = await self._bot.contexts.recent_contexts(user_id, limit)
        found = {c["contact_id"]: _conversation_from_context(c) for c in contexts}
        listed = set(found)
        for row in await self._bot.repository.conversations(user_id, request.channel, limit=limit):
            if row.contact_id not in listed and row.handoff_state != "bot":
                found[row.contact_id] = conversation_message(row)  # waiting for a human: still active
        ordered = sorted(found.values(), key=lambda c: c.updated_at.ToNanoseconds(), reverse=True)
        return pb.ListConversationsResponse(conversations=ordered[:limit])

    async def ClearConversations(
        self, request: pb.ClearConversationsRequest, context: Any
    ) -> pb.ClearConversationsResponse:
        user_id = await caller_user_id(context)
        contexts = await self._bot.contexts.get_all_contexts(user_id)
        for ctx in contexts:
            if ctx.get("conversation_id"):
                await self._bot.contexts.delete_session(ctx["conversation_id"])
        cleared = await self._bot.contexts.delete_all_contexts(user_id)
        for row in await self._bot.repository.conversations(user_id, limit=100_000):
            await self._bot.repository.silence_pending(row.id)
            self._bot.on_silenced(user_id, row.contact_id)
        archived = await self._bot.repository.archive_conversations(user_id)
        return pb.ClearConversationsResponse(cleared=max(cleared, archived))

    async def HandoffConversation(self, request: pb.HandoffConversationRequest, context: Any) -> pb.Conversation:
        row = await self._conversation(request.id, context)
        row = await self._bot.hand_off(row, "api", request.reason or "requested by the seller")
        return conversation_message(row)

    async def ReleaseConversation(self, request: pb.ReleaseConversationRequest, context: Any) -> pb.Conversation:
        row = await self._conversation(request.id, context)
        if row.handoff_state != "bot":
            row = await self._bot.release(row)
        return conversation_message(row)

    async def ConvertConversation(self, request: pb.ConvertConversationRequest, context: Any) -> pb.Conversation:
        if not 0 <= request.amount <= MAX_ORDER_AMOUNT:  # also false for NaN
            await abort_invalid_argument(context, "invalid amount", [
                FieldViolation("amount", f"must be between 0 and {MAX_ORDER_AMOUNT:,}")])
        row = await self._conversation(request.id, context)
        return conversation_message(await self._bot.convert(row, request.order_id, request.amount))

    async def _conversation(self, conversation_id: str, context: Any) -> ConversationRow:
        user_id = await caller_user_id(context)
        row = await self._bot.repository.conversation(user_id, conversation_id) if conversation_id else None
        if row is None:
            await context.abort(grpc.StatusCode.NOT_FOUND, f"conversation {conversation_id} not found")
        assert row is not None
        return row

    # --- stats ---------------------------------------------------------------------------------------
    async def GetStats(self, request: pb.GetStatsRequest, context: Any) -> pb.ChatStats:
        user_id = await caller_user_id(context)
        try:
            stats = await self._reports.stats(user_id, request.period)
        except InvalidPeriod as exc:
            await abort_invalid_argument(context, "invalid period", [FieldViolation("period", str(exc))])
            raise
        t = stats.totals
        return pb.ChatStats(
            messages_in=t.messages_in, messages_out=t.messages_out, active_conversations=t.active_conversations,
            handoffs=t.handoffs, average_response_seconds=t.average_response_seconds, period=stats.period,
            conversions=t.conversions, revenue=f"{t.revenue:.2f}",
            per_channel=[pb.ChannelStats(
                channel=c.channel, messages_in=c.messages_in, messages_out=c.messages_out,
                active_conversations=c.active_conversations, handoffs=c.handoffs,
                average_response_seconds=c.average_response_seconds, conversions=c.conversions,
                revenue=f"{c.revenue:.2f}") for c in stats.per_channel])

    async def GetIntentStats(self, request: pb.GetIntentStatsRequest, context: Any) -> pb.IntentStats:
        user_id = await caller_user_id(context)
        try:
            period, counts, total = await self._reports.intents(user_id, request.period, request.channel)
        except InvalidPeriod as exc:
            await abort_invalid_argument(context, "invalid period", [FieldViolation("period", str(exc))])
            raise
        return pb.IntentStats(period=period, total=total, intents=[
            pb.IntentCount(intent=i, count=n, share=s) for i, n, s in counts])

    async def GetFunnel(self, request: pb.GetFunnelRequest, context: Any) -> pb.Funnel:
        user_id = await caller_user_id(context)
        try:
            view = await self._reports.funnel(user_id, request.period or "30d", request.channel,
                                              request.prompt_variant)
        except InvalidPeriod as exc:
            await abort_invalid_argument(context, "invalid period", [FieldViolation("period", str(exc))])
            raise

        def stages(rows: list[tuple[str, int, float]]) -> list[pb.FunnelStage]:
            return [pb.FunnelStage(stage=s, count=n, conversion_rate=r) for s, n, r in rows]

        return pb.Funnel(
            period=view.period, stages=stages(view.stages),
            per_channel=[pb.FunnelBreakdown(key=k, stages=stages(v)) for k, v in view.per_channel.items()],
            per_prompt_variant=[pb.FunnelBreakdown(key=k, stages=stages(v)) for k, v in view.per_variant.items()])

    # --- config --------------------------------------------------------------------------------------
    async def GetConfig(self, request: pb.GetConfigRequest, context: Any) -> pb.BotConfig:
        user_id = await caller_user_id(context)
        return _config_message(await self._bot.profiles.config(user_id))

    async def UpdateConfig(self, request: pb.UpdateConfigRequest, context: Any) -> pb.BotConfig:
        user_id = await caller_user_id(context)
        patch = json_format.MessageToDict(request.patch)
        try:
            view = await self._bot.profiles.update_config(user_id, patch, by=caller_actor_id(context))
        except ConfigInvalid as exc:
            await abort_invalid_argument(context, "invalid configuration",
                                         [FieldViolation(f, d) for f, d in exc.violations])
            raise
        except IntegrityError:
            await context.abort(grpc.StatusCode.ABORTED, "the configuration changed meanwhile; retry")
            raise
        return _config_message(view)

    # --- catalog ---------------------------------------------------------------------------------------
    async def ListProducts(self, request: pb.ListProductsRequest, context: Any) -> pb.ListProductsResponse:
        user_id = await caller_user_id(context)
        rows = await self._bot.repository.products(user_id, request.query.strip())
        return pb.ListProductsResponse(products=[product_message(r) for r in rows])

    async def UpsertProduct(self, request: pb.UpsertProductRequest, context: Any) -> pb.Product:
        user_id = await caller_user_id(context)
        p = request.product
        violations = _product_violations(p)
        if violations:
            await abort_invalid_argument(context, "invalid product", violations)
        product = Product(
            id=p.id, sku=p.sku.strip(), name=p.name.strip(), price=to_decimal(p.price), description=p.description,
            currency=(p.currency or "BRL").upper(), stock=p.stock, synonyms=tuple(s for s in p.synonyms if s.strip()),
            shipping_policy=p.shipping_policy, return_policy=p.return_policy,
            variants=tuple(v for v in p.variants if v.strip()), gender=p.gender)
        if product.id and await self._bot.repository.sku_taken(user_id, product.sku, product.id):
            await context.abort(grpc.StatusCode.ALREADY_EXISTS, f"another product has SKU {product.sku}")
        try:
            row, _ = await self._bot.repository.upsert_product(user_id, product)
        except LookupError:
            await context.abort(grpc.StatusCode.NOT_FOUND, f"product {p.id} not found")
            raise
        await self._bot.profiles.invalidate(user_id)
        return product_message(row)

    async def DeleteProduct(self, request: pb.DeleteProductRequest, context: Any) -> pb.DeleteProductResponse:
        user_id = await caller_user_id(context)
        if not await self._bot.repository.delete_product(user_id, request.id):
            await context.abort(grpc.StatusCode.NOT_FOUND, f"product {request.id} not found")
        await self._bot.profiles.invalidate(user_id)
        return pb.DeleteProductResponse(id=request.id)

    async def ImportProducts(self, request: pb.ImportProductsRequest, context: Any) -> pb.ImportProductsResponse:
        user_id = await caller_user_id(context)
        parsed = parse_csv(request.csv)
        if parsed.missing_columns:
            await abort_invalid_argument(context, "not a catalog CSV", [FieldViolation(
                "csv", f"the header line lacks the column(s) {', '.join(parsed.missing_columns)}")])
        imported = updated = 0
        for product in parsed.products:
            _, created = await self._bot.repository.upsert_product(user_id, product, ProductSource.CSV)
            imported += created
            updated += not created
        if parsed.products:
            await self._bot.profiles.invalidate(user_id)
        return pb.ImportProductsResponse(imported=imported, updated=updated, errors=parsed.errors[:100])


def _product_violations(p: pb.Product) -> list[FieldViolation]:
    violations = []
    if p.gender not in ("", "masculine", "feminine"):
        violations.append(FieldViolation("gender", "masculine, feminine or empty (inferred from the name)"))
    if not p.sku.strip() or len(p.sku) > 64:
        violations.append(FieldViolation("sku", "required, at most 64 characters"))
    if not p.name.strip() or len(p.name) > 200:
        violations.append(FieldViolation("name", "required, at most 200 characters"))
    if not 0 <= p.price <= MAX_PRICE:  # also false for NaN
        violations.append(FieldViolation("price", f"must be between 0 and {MAX_PRICE:,}"))
    if not 0 <= p.stock <= MAX_STOCK:
        violations.append(FieldViolation("stock", f"must be between 0 and {MAX_STOCK:,}"))
    if p.currency and len(p.currency) != 3:
        violations.append(FieldViolation("currency", "ISO 4217 code, e.g. BRL"))
    return violations


def product_message(row: ProductRow) -> pb.Product:
    return pb.Product(
        id=row.id, sku=row.sku, name=row.name, description=row.description,
        price=float(Decimal(str(row.price))), currency=row.currency, stock=row.stock, synonyms=row.synonyms or [],
        shipping_policy=row.shipping_policy, return_policy=row.return_policy, variants=row.variants or [],
        gender=row.gender or "", updated_at=timestamp(aware(row.updated_at)),  # type: ignore[arg-type]
        source=row.source or ProductSource.MANUAL, active=bool(row.active), external_id=row.external_id or "",
        platform_status=row.platform_status or "",
        synced_at=timestamp(aware(row.synced_at)) if row.synced_at else None,  # type: ignore[arg-type]
    )


def conversation_message(row: ConversationRow) -> pb.Conversation:
    return pb.Conversation(
        id=row.id, contact_id=row.contact_id, channel=row.channel, contact_name=row.contact_name,
        last_message=row.last_message, last_intent=row.last_intent, stage=row.stage,
        handoff_state=row.handoff_state, message_count=row.message_count,
        updated_at=timestamp(aware(row.updated_at)),  # type: ignore[arg-type]
        prompt_variant=row.prompt_variant, converted=row.converted)


def _conversation_from_context(ctx: dict[str, Any]) -> pb.Conversation:
    message = pb.Conversation(
        id=str(ctx.get("conversation_id", "")), contact_id=ctx["contact_id"], channel=str(ctx.get("channel", "")),
        contact_name=str(ctx.get("contact_name", "")), last_message=str(ctx.get("last_message", "")),
        last_intent=str(ctx.get("last_intent", "")), stage=str(ctx.get("stage", "new_contact")),
        handoff_state=str(ctx.get("handoff_state", "bot")), message_count=int(ctx.get("message_count", 0)),
        prompt_variant=str(ctx.get("prompt_variant", "")), converted=bool(ctx.get("converted", False)))
    if ctx.get("updated_at"):
        message.updated_at.CopyFrom(timestamp(datetime.fromisoformat(ctx["updated_at"])))
    return message


def _config_message(view: Any) -> pb.BotConfig:
    settings = struct_pb2.Struct()
    settings.update(view.settings.public())
    message = pb.BotConfig(settings=settings, version=view.version, updated_by=view.updated_by)
    if view.updated_at:
        message.updated_at.CopyFrom(timestamp(view.updated_at))
    return message
