"""InboxService over gRPC: thin translation proto <-> the human inbox; its errors become status codes here."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import grpc
from sellerbot.chatbot.v1 import inbox_pb2 as pb
from sellerbot.chatbot.v1 import inbox_pb2_grpc
from sellerbot_grpc import FieldViolation, abort_invalid_argument, caller_actor_id, caller_user_id

from chatbot.adapters.repository.human_inbox import BadCursor, InboxEntry, ShortcutTaken, ThreadMessage
from chatbot.adapters.tables import NoteRow, QuickReplyRow
from chatbot.domain.agent_replies import reply_unavailable_reason
from chatbot.domain.config import Channel
from chatbot.domain.quick_replies import SHORTCUT
from chatbot.events.publisher import timestamp
from chatbot.usecases.human_inbox import (
    ChannelCannotReply,
    ConversationNotFound,
    HumanInbox,
    QuickReplyNotFound,
    ReplyNotPublished,
)

MAX_TEXT = 4096
MAX_PAGE = 200
CHANNELS = {c.value for c in Channel}


def inbox_conversation(entry: InboxEntry) -> pb.InboxConversation:
    c, s = entry.conversation, entry.state
    message = pb.InboxConversation(
        id=c.id, contact_id=c.contact_id, channel=c.channel, contact_name=c.contact_name,
        last_message=c.last_message, last_intent=c.last_intent, stage=c.stage, handoff_state=c.handoff_state,
        message_count=c.message_count, unread=entry.unread, assignee_id=s.assignee_id if s else "",
        assignee_name=s.assignee_name if s else "", handoff_reason=c.handoff_reason, converted=c.converted,
        can_reply=not reply_unavailable_reason(c.channel), reply_unavailable_reason=reply_unavailable_reason(c.channel))
    if c.updated_at:
        message.updated_at.CopyFrom(timestamp(c.updated_at))
    return message


def thread_message(m: ThreadMessage) -> pb.InboxMessage:
    row = m.row
    author = "buyer" if row.direction == "in" else ("human" if m.author_id else "bot")
    return pb.InboxMessage(
        id=row.id, conversation_id=row.conversation_id, direction=row.direction, author=author,
        author_id=m.author_id, author_name=m.author_name, text=row.text, intent=m.intent,
        confidence=round(m.confidence, 3), status=row.status, reply_id=row.reply_id,
        created_at=timestamp(row.created_at))


def note_message(n: NoteRow) -> pb.Note:
    return pb.Note(id=n.id, conversation_id=n.conversation_id, author_id=n.author_id, author_name=n.author_name,
                   text=n.text, created_at=timestamp(n.created_at))


def quick_reply_message(q: QuickReplyRow) -> pb.QuickReply:
    return pb.QuickReply(id=q.id, shortcut=q.shortcut, text=q.text, updated_at=timestamp(q.updated_at))


def _page(limit: int, default: int = 50) -> int:
    return min(max(limit or default, 1), MAX_PAGE)


@asynccontextmanager
async def _statuses(context: Any) -> AsyncIterator[None]:
    """The inbox's errors as gRPC status codes, in one place."""
    try:
        yield
    except ConversationNotFound as exc:
        await context.abort(grpc.StatusCode.NOT_FOUND, f"conversation {exc} not found")
    except QuickReplyNotFound as exc:
        await context.abort(grpc.StatusCode.NOT_FOUND, f"quick reply {exc} not found")
    except BadCursor as exc:
        await abort_invalid_argument(context, "invalid cursor", [FieldViolation("cursor", str(exc))])
    except ShortcutTaken as exc:
        await context.abort(grpc.StatusCode.ALREADY_EXISTS, f"another quick reply has the shortcut /{exc}")
    except ChannelCannotReply as exc:
        await context.abort(grpc.StatusCode.FAILED_PRECONDITION, f"cannot answer this conversation here: {exc}")
    except ReplyNotPublished as exc:
        await context.abort(grpc.StatusCode.UNAVAILABLE, f"the reply could not be queued for delivery: {exc}")


async def _text(context: Any, text: str, field: str = "text") -> str:
    text = text.strip()
    if not text or len(text) > MAX_TEXT:
        await abort_invalid_argument(context, f"invalid {field}",
                                     [FieldViolation(field, f"required, at most {MAX_TEXT} characters")])
    return text


class InboxServicer(inbox_pb2_grpc.InboxServiceServicer):
    def __init__(self, inbox: HumanInbox) -> None:
        self._inbox = inbox

    async def ListInbox(self, request: pb.ListInboxRequest, context: Any) -> pb.ListInboxResponse:
        user_id = await caller_user_id(context)
        if request.channel and request.channel not in CHANNELS:
            await abort_invalid_argument(context, "invalid channel", [
                FieldViolation("channel", f"one of {', '.join(sorted(CHANNELS))}")])
        async with _statuses(context):
            entries, cursor = await self._inbox.store.inbox(
                user_id, channel=request.channel, waiting_only=request.waiting_only,
                assignee_id=caller_actor_id(context) if request.mine_only else "", limit=_page(request.limit),
                cursor=request.cursor)
            return pb.ListInboxResponse(conversations=[inbox_conversation(e) for e in entries], next_cursor=cursor)
        raise AssertionError("unreachable")

    async def ListMessages(self, request: pb.ListMessagesRequest, context: Any) -> pb.ListMessagesResponse:
        user_id = await caller_user_id(context)
        async with _statuses(context):
            entry = await self._inbox.entry(user_id, request.conversation_id)
            messages, cursor = await self._inbox.store.thread(
                entry.conversation.id, limit=_page(request.limit), cursor=request.cursor)
            return pb.ListMessagesResponse(messages=[thread_message(m) for m in messages], next_cursor=cursor,
                                           conversation=inbox_conversation(entry))
        raise AssertionError("unreachable")

    async def PostMessage(self, request: pb.PostMessageRequest, context: Any) -> pb.InboxMessage:
        user_id = await caller_user_id(context)
        text = await _text(context, request.text)
        async with _statuses(context):
            row = await self._inbox.answer(user_id, request.conversation_id, text, caller_actor_id(context),
                                           request.author_name)
            return pb.InboxMessage(
                id=row.id, conversation_id=row.conversation_id, direction="out", author="human",
                author_id=caller_actor_id(context), author_name=request.author_name, text=row.text,
                status=row.status, reply_id=row.reply_id, created_at=timestamp(row.created_at))
        raise AssertionError("unreachable")

    async def AssignConversation(
        self, request: pb.AssignConversationRequest, context: Any
    ) -> pb.InboxConversation:
        user_id = await caller_user_id(context)
        async with _statuses(context):
            entry = await self._inbox.assign(user_id, request.conversation_id, request.assignee_id,
                                             request.assignee_name, caller_actor_id(context))
            return inbox_conversation(entry)
        raise AssertionError("unreachable")

    async def MarkRead(self, request: pb.MarkReadRequest, context: Any) -> pb.InboxConversation:
        user_id = await caller_user_id(context)
        async with _statuses(context):
            conversation = await self._inbox.conversation(user_id, request.conversation_id)
            await self._inbox.store.mark_read(conversation)
            return inbox_conversation(await self._inbox.entry(user_id, conversation.id))
        raise AssertionError("unreachable")

    async def ListNotes(self, request: pb.ListNotesRequest, context: Any) -> pb.ListNotesResponse:
        user_id = await caller_user_id(context)
        async with _statuses(context):
            conversation = await self._inbox.conversation(user_id, request.conversation_id)
            return pb.ListNotesResponse(notes=[note_message(n) for n in await self._inbox.store.notes(
                conversation.id)])
        raise AssertionError("unreachable")

    async def AddNote(self, request: pb.AddNoteRequest, context: Any) -> pb.Note:
        user_id = await caller_user_id(context)
        text = await _text(context, request.text)
        async with _statuses(context):
            conversation = await self._inbox.conversation(user_id, request.conversation_id)
            return note_message(await self._inbox.store.add_note(
                conversation, text, caller_actor_id(context), request.author_name))
        raise AssertionError("unreachable")

    async def ListQuickReplies(
        self, request: pb.ListQuickRepliesRequest, context: Any
    ) -> pb.ListQuickRepliesResponse:
        user_id = await caller_user_id(context)
        return pb.ListQuickRepliesResponse(
            quick_replies=[quick_reply_message(q) for q in await self._inbox.store.quick_replies(user_id)])

    async def SaveQuickReply(self, request: pb.SaveQuickReplyRequest, context: Any) -> pb.QuickReply:
        user_id = await caller_user_id(context)
        quick = request.quick_reply
        shortcut = quick.shortcut.strip().lstrip("/").lower()
        if not SHORTCUT.match(shortcut):
            await abort_invalid_argument(context, "invalid shortcut", [FieldViolation(
                "shortcut", "1-40 characters: lower-case letters, digits, - and _ (typed after / in the composer)")])
        text = await _text(context, quick.text)
        async with _statuses(context):
            saved = await self._inbox.store.save_quick_reply(user_id, quick.id, shortcut, text)
            if saved is None:
                raise QuickReplyNotFound(quick.id)
            return quick_reply_message(saved)
        raise AssertionError("unreachable")

    async def DeleteQuickReply(
        self, request: pb.DeleteQuickReplyRequest, context: Any
    ) -> pb.DeleteQuickReplyResponse:
        user_id = await caller_user_id(context)
        async with _statuses(context):
            if not await self._inbox.store.delete_quick_reply(user_id, request.id):
                raise QuickReplyNotFound(request.id)
            return pb.DeleteQuickReplyResponse(id=request.id)
        raise AssertionError("unreachable")

    async def RenderQuickReply(
        self, request: pb.RenderQuickReplyRequest, context: Any
    ) -> pb.RenderQuickReplyResponse:
        user_id = await caller_user_id(context)
        async with _statuses(context):
            rendered = await self._inbox.render_quick_reply(user_id, request.id, request.conversation_id,
                                                            request.product_id)
            return pb.RenderQuickReplyResponse(text=rendered.text, missing=rendered.missing)
        raise AssertionError("unreachable")
