"""ChannelAdapterService over gRPC: thin translation between protobuf and the intake, accounts and delivery."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import grpc
from google.protobuf import json_format
from opentelemetry import propagate, trace
from opentelemetry.trace import SpanKind
from sellerbot.channels.v1 import channel_adapter_pb2 as pb
from sellerbot.channels.v1 import channel_adapter_pb2_grpc
from sellerbot.events.v1 import conversation_events_pb2 as events
from sellerbot.events.v1 import crm_events_pb2 as crm_events
from sellerbot_grpc import FieldViolation, abort_invalid_argument, caller_user_id
from sellerbot_messaging import EventBus, Subjects
from sellerbot_telemetry import span_unless_unsampled

from channel_adapter.adapters.account_directory import AccountDirectory
from channel_adapter.adapters.delivery_records import DeadLetter, DeadLetterStatus, DeliveryRecords
from channel_adapter.delivery import CONTACT_SYNC_PREFIX, ReplyDelivery
from channel_adapter.domain import errors
from channel_adapter.domain.accounts import ChannelAccount, require_valid
from channel_adapter.domain.channels import Platform
from channel_adapter.intake import WebhookCall, WebhookIntake
from channel_adapter.settings import ServiceSettings
from channel_adapter.timestamps import now, timestamp

tracer = trace.get_tracer("sellerbot.channel_adapter")

_STATUS = {
    errors.AccountNotFound: grpc.StatusCode.NOT_FOUND,
    errors.DeadLetterNotFound: grpc.StatusCode.NOT_FOUND,
    errors.AccountKeyTaken: grpc.StatusCode.ALREADY_EXISTS,
    errors.DeliveryRefused: grpc.StatusCode.FAILED_PRECONDITION,
    errors.DeliveryUnavailable: grpc.StatusCode.UNAVAILABLE,
}


def account_message(account: ChannelAccount) -> pb.ChannelAccount:
    message = pb.ChannelAccount(
        id=account.id, channel=account.platform.value, account_key=account.account_key,
        display_name=account.display_name, secret_fields=sorted(account.secrets),
        created_at=timestamp(account.created_at),
    )
    message.settings.update(account.settings)
    return message


def dead_letter_message(letter: DeadLetter) -> pb.DeadLetter:
    return pb.DeadLetter(id=letter.id, channel=letter.channel, contact_id=letter.contact_id, text=letter.text,
                         error=letter.error, attempts=letter.attempts, failed_at=timestamp(letter.failed_at),
                         status=letter.status)


@asynccontextmanager
async def domain_errors(context: grpc.aio.ServicerContext) -> AsyncIterator[None]:
    """Map domain errors to gRPC status codes, in this one place."""
    try:
        yield
    except errors.InvalidAccount as exc:
        await abort_invalid_argument(context, "invalid channel account",
                                     [FieldViolation(f, d) for f, d in exc.violations.items()])
    except errors.ChannelAdapterError as exc:
        await context.abort(_STATUS.get(type(exc), grpc.StatusCode.FAILED_PRECONDITION), str(exc) or type(exc).__name__)


class ChannelAdapterServicer(channel_adapter_pb2_grpc.ChannelAdapterServiceServicer):
    def __init__(self, settings: ServiceSettings, intake: WebhookIntake, directory: AccountDirectory,
                 records: DeliveryRecords, delivery: ReplyDelivery, bus: EventBus) -> None:
        self._settings = settings
        self._intake = intake
        self._directory = directory
        self._records = records
        self._delivery = delivery
        self._bus = bus

    async def HandleWebhook(self, request: pb.WebhookRequest, context: grpc.aio.ServicerContext) -> pb.WebhookResponse:
        return await self._answer_webhook(request)

    async def HandleWebhooks(self, request: pb.WebhookBatch,
                             context: grpc.aio.ServicerContext) -> pb.WebhookBatchResponse:
        """Every webhook of the batch at once: their JetStream acks are awaited together, not one after another."""
        if len(request.webhooks) == 1:  # what a quiet gateway sends: awaited directly, without a task of its own
            return pb.WebhookBatchResponse(answers=[await self._answer_webhook(request.webhooks[0])])
        answers = await asyncio.gather(*(self._answer_webhook(webhook) for webhook in request.webhooks))
        return pb.WebhookBatchResponse(answers=answers)

    async def _answer_webhook(self, request: pb.WebhookRequest) -> pb.WebhookResponse:
        # The gateway's span for this webhook is the parent (a batch's call carries no single trace).
        parent = propagate.extract(request.trace_context) if request.trace_context else None
        with span_unless_unsampled(tracer, f"webhook {request.channel}", context=parent, kind=SpanKind.SERVER):
            answer = await self._intake.handle(WebhookCall(
                channel=request.channel, method=request.method, body=request.body,
                headers={h.name.lower(): h.value for h in request.headers}, query_string=request.query_string,
                client_ip=request.client_ip, path_suffix=request.path_suffix,
            ))
        return pb.WebhookResponse(status_code=answer.status, content_type=answer.content_type, body=answer.body)

    async def SendMessage(self, request: pb.SendMessageRequest,
                          context: grpc.aio.ServicerContext) -> pb.SendMessageResponse:
        user_id = await caller_user_id(context)
        try:
            platform = Platform.from_channel(request.channel)
        except ValueError:
            await abort_invalid_argument(context, "unknown channel", [FieldViolation(
                "channel", "must be one of whatsapp, instagram, chatwoot, telegram")])
            raise
        if not request.text.strip() or not (request.contact_id or request.conversation_id):
            await abort_invalid_argument(context, "nothing to send", [FieldViolation(
                "text", "text and a contact_id or conversation_id are required")])
        account = await self._directory.for_reply(platform, user_id, request.account_id)
        reply = events.OutboundReply(
            reply_id=f"manual:{uuid.uuid4()}", user_id=user_id, channel=platform.channel_enum,
            account_id=request.account_id or ("" if account.is_default else account.account_key),
            contact_id=request.contact_id or f"{platform.channel}:{request.conversation_id}",
            conversation_id=request.conversation_id or request.contact_id.split(":", 1)[-1],
            text=request.text, produced_at=now(),
        )
        async with domain_errors(context):
            outcome = await self._delivery.raise_for(await self._delivery.deliver(reply))
            return pb.SendMessageResponse(platform_message_id=outcome.platform_message_id, queued=False)
        raise AssertionError("unreachable")

    async def ListChannelAccounts(self, request: pb.ListChannelAccountsRequest,
                                  context: grpc.aio.ServicerContext) -> pb.ListChannelAccountsResponse:
        user_id = await caller_user_id(context)
        accounts = await self._directory.repository.for_user(user_id)
        return pb.ListChannelAccountsResponse(accounts=[account_message(a) for a in accounts])

    async def RegisterChannelAccount(self, request: pb.RegisterChannelAccountRequest,
                                     context: grpc.aio.ServicerContext) -> pb.ChannelAccount:
        user_id = await caller_user_id(context)
        settings = json_format.MessageToDict(request.settings)
        secrets = dict(request.secrets)
        async with domain_errors(context):
            platform = require_valid(request.channel, request.account_key, settings, secrets)
            account = await self._directory.repository.register(
                user_id, platform, request.account_key.strip(), request.display_name, settings, secrets)
            self._directory.invalidate()
            return account_message(account)
        raise AssertionError("unreachable")

    async def DeleteChannelAccount(self, request: pb.DeleteChannelAccountRequest,
                                   context: grpc.aio.ServicerContext) -> pb.DeleteChannelAccountResponse:
        user_id = await caller_user_id(context)
        async with domain_errors(context):
            await self._directory.repository.delete(user_id, request.id)
            self._directory.invalidate()
            return pb.DeleteChannelAccountResponse(id=request.id)
        raise AssertionError("unreachable")

    def _owners(self, user_id: str) -> list[str]:
        """The caller's dead letters, plus the default account's when no DEFAULT_SELLER_USER_ID names its owner
        (single-seller installs)."""
        return [user_id] if self._settings.default_seller_user_id else [user_id, ""]

    async def ListDeadLetters(self, request: pb.ListDeadLettersRequest,
                              context: grpc.aio.ServicerContext) -> pb.ListDeadLettersResponse:
        user_id = await caller_user_id(context)
        limit = request.limit if 0 < request.limit <= 1000 else 100
        letters = await self._records.dead_letters(self._owners(user_id), limit)
        return pb.ListDeadLettersResponse(dead_letters=[dead_letter_message(d) for d in letters])

    async def ForgetContacts(self, request: pb.ForgetContactsRequest,
                             context: grpc.aio.ServicerContext) -> pb.ForgetContactsResponse:
        user_id = await caller_user_id(context)
        contact_ids = [c for c in request.contact_ids if c][:1000]
        if not contact_ids:
            return pb.ForgetContactsResponse()
        deleted = await self._records.forget_dead_letters(self._owners(user_id), contact_ids)
        return pb.ForgetContactsResponse(dead_letters=deleted,
                                         instagram_windows=await self._forget_instagram_windows(user_id, contact_ids))

    async def _forget_instagram_windows(self, user_id: str, contact_ids: list[str]) -> int:
        """The window rows of the caller's IG accounts; the default account's owner also those of every IG
        account nobody registered (the environment's)."""
        registered = await self._directory.registered(Platform.INSTAGRAM)
        own = [a.account_key for a in registered if a.user_id == user_id]
        if self._settings.default_seller_user_id in ("", user_id):
            others = [a.account_key for a in registered if a.user_id != user_id]
            return await self._records.forget_instagram_windows(contact_ids, [], unless_keys=others)
        return await self._records.forget_instagram_windows(contact_ids, own)

    async def _republish(self, letter: DeadLetter, retry: int) -> None:
        """A reply goes back on the outbound stream, a contact sync on the contact stream."""
        if letter.reply_id.startswith(CONTACT_SYNC_PREFIX):
            change = crm_events.ContactChanged.FromString(letter.reply)
            await self._bus.publish(Subjects.contact(letter.channel), change, f"{change.event_id}:retry:{retry}",
                                    change.user_id)
            return
        reply = events.OutboundReply.FromString(letter.reply)
        await self._bus.publish(Subjects.outbound(letter.channel), reply, f"{reply.reply_id}:retry:{retry}",
                                reply.user_id)

    async def RetryDeadLetter(self, request: pb.RetryDeadLetterRequest,
                              context: grpc.aio.ServicerContext) -> pb.DeadLetter:
        """Send the reply again through the outbound stream (behind any reply already queued for the contact)."""
        user_id = await caller_user_id(context)
        async with domain_errors(context):
            letter = await self._records.dead_letter(request.id, self._owners(user_id))
            # Marked first: the delivery may finish (and mark it delivered) before publish returns.
            retried = await self._records.mark_retried(letter.id)
            try:
                await self._republish(letter, retried.manual_retries)
            except Exception as exc:
                await self._records.set_status(letter.id, DeadLetterStatus.DEAD)
                raise errors.DeliveryUnavailable("the event stream is unavailable; try again") from exc
            return dead_letter_message(retried)
        raise AssertionError("unreachable")
