"""The human inbox (/seller-bot/inbox, a conversation's messages, notes and assignment, quick replies), translated
to the chatbot's InboxService (gRPC). The member is the author: their id travels as x-actor-id, their e-mail as
the name the buyer's thread shows."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Query
from pydantic import BaseModel, Field
from sellerbot.chatbot.v1 import inbox_pb2 as pb

from api_gateway.api.deps import (
    CanAnswerConversations,
    CanAssignConversations,
    CanEditQuickReplies,
    CanReadConversations,
    CanWriteNotes,
    State,
    api_rate_limit,
    call_service,
)
from api_gateway.api.errors import error_body
from api_gateway.api.proto_json import time_from
from api_gateway.api.routes.seller_bot import Channel
from api_gateway.auth.permissions import Permission, allows

router = APIRouter(prefix="/seller-bot", tags=["seller-bot (inbox)"], dependencies=[Depends(api_rate_limit)])
SERVICE = "chatbot"
Cursor = Annotated[str, Query(max_length=200, description="next_cursor of the previous page")]
PageSize = Annotated[int, Query(ge=1, le=200)]
IdText = Annotated[str, Query(max_length=64)]


class InboxFilter(StrEnum):
    ALL = "all"
    WAITING = "waiting"  # the bot stepped aside: waiting for a human or with one
    MINE = "mine"        # assigned to the caller


class InboxConversationOut(BaseModel):
    id: str
    contact_id: str
    channel: str
    contact_name: str = ""
    last_message: str = ""
    last_intent: str = ""
    stage: str = ""
    handoff_state: str = Field(description="bot | waiting_human | human")
    handoff_reason: str = ""
    message_count: int = 0
    unread: int = Field(description="buyer messages since the shop last read the conversation")
    assignee_id: str = ""
    assignee_name: str = ""
    converted: bool = False
    can_reply: bool = Field(True, description="false: the channel (api, tiktok_shop) cannot carry an agent's "
                                              "reply; POST .../messages answers 409")
    reply_unavailable_reason: str = Field("", description="why an agent cannot reply here, when can_reply is false")
    updated_at: datetime | None = None


class InboxPageOut(BaseModel):
    conversations: list[InboxConversationOut]
    next_cursor: str = Field(description="empty: this was the last page")


class MessageOut(BaseModel):
    id: str
    direction: str = Field(description="in (the buyer) | out")
    author: str = Field(description="buyer | bot | human")
    author_id: str = ""
    author_name: str = Field("", description="the agent's name (e-mail) for author human")
    text: str
    intent: str = Field("", description="the turn's intent: on buyer messages and the bot's replies")
    confidence: float = 0.0
    status: str = Field(description="in: pending | answered | silenced; out: sent (the channel's send API took it) "
                                    "| delivered | read (the channel's receipts, where it sends them) | failed")
    reply_id: str = ""
    created_at: datetime | None = None


class MessagesPageOut(BaseModel):
    messages: list[MessageOut] = Field(description="newest first")
    next_cursor: str = Field(description="pass as cursor for older messages; empty: none left")
    conversation: InboxConversationOut


class MessageIn(BaseModel):
    text: str = Field(..., min_length=1, max_length=4096)


class AssignIn(BaseModel):
    user_id: str = Field(default="", max_length=64, description="a member who can answer; empty = unassign")


class NoteIn(BaseModel):
    text: str = Field(..., min_length=1, max_length=4096)


class NoteOut(BaseModel):
    id: str
    author_id: str
    author_name: str
    text: str
    created_at: datetime | None = None


class QuickReplyIn(BaseModel):
    shortcut: str = Field(..., min_length=1, max_length=41, pattern=r"^/?[a-z0-9][a-z0-9_-]*$",
                          examples=["preco"], description="typed after / in the composer")
    text: str = Field(..., min_length=1, max_length=4096, examples=["O {produto} sai por {preco}, {nome}!"],
                      description="variables: {produto}, {preco}, {estoque} (from the chosen product), {nome}")


class QuickReplyOut(BaseModel):
    id: str
    shortcut: str
    text: str
    updated_at: datetime | None = None


class RenderedOut(BaseModel):
    text: str
    missing: list[str] = Field(description="variables left as typed (no product chosen, unknown name)")


class DeletedOut(BaseModel):
    id: str


def _conversation(c: pb.InboxConversation) -> InboxConversationOut:
    return InboxConversationOut(
        id=c.id, contact_id=c.contact_id, channel=c.channel, contact_name=c.contact_name,
        last_message=c.last_message, last_intent=c.last_intent, stage=c.stage, handoff_state=c.handoff_state,
        handoff_reason=c.handoff_reason, message_count=c.message_count, unread=c.unread,
        assignee_id=c.assignee_id, assignee_name=c.assignee_name, converted=c.converted,
        can_reply=c.can_reply, reply_unavailable_reason=c.reply_unavailable_reason, updated_at=time_from(c.updated_at))


def _message(m: pb.InboxMessage) -> MessageOut:
    return MessageOut(
        id=m.id, direction=m.direction, author=m.author, author_id=m.author_id, author_name=m.author_name,
        text=m.text, intent=m.intent, confidence=m.confidence, status=m.status, reply_id=m.reply_id,
        created_at=time_from(m.created_at))


def _note(n: pb.Note) -> NoteOut:
    return NoteOut(id=n.id, author_id=n.author_id, author_name=n.author_name, text=n.text,
                   created_at=time_from(n.created_at))


def _quick_reply(q: pb.QuickReply) -> QuickReplyOut:
    return QuickReplyOut(id=q.id, shortcut=q.shortcut, text=q.text, updated_at=time_from(q.updated_at))


@router.get("/inbox", response_model=InboxPageOut, summary="The inbox: conversations with unread counts")
async def list_inbox(
    state: State, user: CanReadConversations, filter: InboxFilter = InboxFilter.ALL,
    channel: Channel | None = None, limit: PageSize = 50, cursor: Cursor = "",
) -> InboxPageOut:
    request = pb.ListInboxRequest(channel=channel.value if channel else "", waiting_only=filter is InboxFilter.WAITING,
                                  mine_only=filter is InboxFilter.MINE, limit=limit, cursor=cursor)
    r = await call_service(state, SERVICE, state.services.inbox.ListInbox, request, user)
    return InboxPageOut(conversations=[_conversation(c) for c in r.conversations], next_cursor=r.next_cursor)


@router.get("/conversations/{conversation_id}/messages", response_model=MessagesPageOut,
            summary="A conversation's messages, newest first")
async def list_messages(
    conversation_id: str, state: State, user: CanReadConversations, limit: PageSize = 50, cursor: Cursor = "",
) -> MessagesPageOut:
    request = pb.ListMessagesRequest(conversation_id=conversation_id, limit=limit, cursor=cursor)
    r = await call_service(state, SERVICE, state.services.inbox.ListMessages, request, user)
    return MessagesPageOut(messages=[_message(m) for m in r.messages], next_cursor=r.next_cursor,
                           conversation=_conversation(r.conversation))


@router.post("/conversations/{conversation_id}/messages", status_code=201, response_model=MessageOut,
             summary="Answer the buyer as a human (delivered on the conversation's channel; the bot goes quiet)")
async def post_message(
    conversation_id: str, body: MessageIn, state: State, user: CanAnswerConversations
) -> MessageOut:
    request = pb.PostMessageRequest(conversation_id=conversation_id, text=body.text, author_name=user.email)
    return _message(await call_service(state, SERVICE, state.services.inbox.PostMessage, request, user))


@router.post("/conversations/{conversation_id}/assign", response_model=InboxConversationOut,
             summary="Assign the conversation to a member (empty user_id: unassign)")
async def assign(
    conversation_id: str, body: AssignIn, state: State, user: CanAssignConversations
) -> InboxConversationOut:
    name = ""
    if body.user_id:
        assignee = await state.users.member(body.user_id)
        if assignee is None or assignee.shop_id != user.shop_id:
            raise HTTPException(422, error_body("validation_error", "user_id: not a member of this shop",
                                                fields=[{"field": "user_id", "message": "not a member"}]))
        if not allows(assignee.role, Permission.ANSWER_CONVERSATIONS):
            raise HTTPException(422, error_body(
                "validation_error", f"user_id: a {assignee.role} cannot answer conversations",
                fields=[{"field": "user_id", "message": "this member cannot answer"}]))
        name = assignee.email
    request = pb.AssignConversationRequest(conversation_id=conversation_id, assignee_id=body.user_id,
                                           assignee_name=name)
    return _conversation(await call_service(state, SERVICE, state.services.inbox.AssignConversation, request, user))


@router.post("/conversations/{conversation_id}/read", response_model=InboxConversationOut,
             summary="Mark the buyer's messages so far as read")
async def mark_read(conversation_id: str, state: State, user: CanAnswerConversations) -> InboxConversationOut:
    request = pb.MarkReadRequest(conversation_id=conversation_id)
    return _conversation(await call_service(state, SERVICE, state.services.inbox.MarkRead, request, user))


@router.get("/conversations/{conversation_id}/notes", response_model=list[NoteOut],
            summary="Internal notes (never sent to the buyer), oldest first")
async def list_notes(conversation_id: str, state: State, user: CanReadConversations) -> list[NoteOut]:
    request = pb.ListNotesRequest(conversation_id=conversation_id)
    r = await call_service(state, SERVICE, state.services.inbox.ListNotes, request, user)
    return [_note(n) for n in r.notes]


@router.post("/conversations/{conversation_id}/notes", status_code=201, response_model=NoteOut,
             summary="Add an internal note")
async def add_note(conversation_id: str, body: NoteIn, state: State, user: CanWriteNotes) -> NoteOut:
    request = pb.AddNoteRequest(conversation_id=conversation_id, text=body.text, author_name=user.email)
    return _note(await call_service(state, SERVICE, state.services.inbox.AddNote, request, user))


@router.get("/quick-replies", response_model=list[QuickReplyOut], summary="The shop's quick replies")
async def list_quick_replies(state: State, user: CanReadConversations) -> list[QuickReplyOut]:
    r = await call_service(state, SERVICE, state.services.inbox.ListQuickReplies, pb.ListQuickRepliesRequest(),
                           user)
    return [_quick_reply(q) for q in r.quick_replies]


async def _save(state: State, user: CanEditQuickReplies, reply_id: str, body: QuickReplyIn) -> QuickReplyOut:
    request = pb.SaveQuickReplyRequest(quick_reply=pb.QuickReply(id=reply_id, shortcut=body.shortcut,
                                                                 text=body.text))
    return _quick_reply(await call_service(state, SERVICE, state.services.inbox.SaveQuickReply, request, user))


@router.post("/quick-replies", status_code=201, response_model=QuickReplyOut, summary="Create a quick reply")
async def create_quick_reply(body: QuickReplyIn, state: State, user: CanEditQuickReplies) -> QuickReplyOut:
    return await _save(state, user, "", body)


@router.put("/quick-replies/{quick_reply_id}", response_model=QuickReplyOut, summary="Change a quick reply")
async def update_quick_reply(
    quick_reply_id: str, body: QuickReplyIn, state: State, user: CanEditQuickReplies
) -> QuickReplyOut:
    return await _save(state, user, quick_reply_id, body)


@router.delete("/quick-replies/{quick_reply_id}", response_model=DeletedOut, summary="Delete a quick reply")
async def delete_quick_reply(quick_reply_id: str, state: State, user: CanEditQuickReplies) -> DeletedOut:
    request = pb.DeleteQuickReplyRequest(id=quick_reply_id)
    r = await call_service(state, SERVICE, state.services.inbox.DeleteQuickReply, request, user)
    return DeletedOut(id=r.id)


@router.get("/quick-replies/{quick_reply_id}/render", response_model=RenderedOut,
            summary="A quick reply's text with {produto}, {preco}, {estoque}, {nome} filled in")
async def render_quick_reply(
    quick_reply_id: str, state: State, user: CanReadConversations, conversation_id: IdText = "",
    product_id: IdText = "",
) -> RenderedOut:
    request = pb.RenderQuickReplyRequest(id=quick_reply_id, conversation_id=conversation_id, product_id=product_id)
    r = await call_service(state, SERVICE, state.services.inbox.RenderQuickReply, request, user)
    return RenderedOut(text=r.text, missing=list(r.missing))
