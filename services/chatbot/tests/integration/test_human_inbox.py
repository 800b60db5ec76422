"""InboxService: a shop's members read a conversation, answer the buyer (the bot goes quiet until they give it back),
assign it, leave notes and use quick replies; over real gRPC, PostgreSQL and NATS."""

from __future__ import annotations

import uuid
from typing import Any

import grpc
import nats
import pytest
from chatbot.domain.responder import HANDED_OVER_NOTICE, RELEASED_NOTICE
from chatbot.main import ChatbotService
from google.protobuf.message import Message
from google.protobuf.timestamp_pb2 import Timestamp
from sellerbot.chatbot.v1 import chatbot_pb2 as cpb
from sellerbot.chatbot.v1 import chatbot_pb2_grpc, inbox_pb2_grpc
from sellerbot.chatbot.v1 import inbox_pb2 as pb
from sellerbot.events.v1 import conversation_events_pb2 as ev
from sellerbot_grpc import open_channel, tenant_metadata
from sellerbot_messaging import Subjects

from ..conftest import EventTap, eventually


async def answered(member: Member, expected: int) -> bool:
    """Every conversation's turn committed (the reply is published before its transaction commits)."""
    page = await member.call(member.inbox.ListInbox, pb.ListInboxRequest())
    if len(page.conversations) < expected:
        return False
    for conversation in page.conversations:
        thread = await member.call(member.inbox.ListMessages, pb.ListMessagesRequest(conversation_id=conversation.id))
        if not any(m.author == "bot" for m in thread.messages):
            return False
    return True


class Member:
    """One member of a shop calling both services of the chatbot process as that member."""

    def __init__(self, port: int, shop_id: str, member_id: str) -> None:
        self.channel = open_channel(f"127.0.0.1:{port}")
        self.inbox = inbox_pb2_grpc.InboxServiceStub(self.channel)
        self.chatbot = chatbot_pb2_grpc.ChatbotServiceStub(self.channel)
        self.shop_id, self.member_id = shop_id, member_id

    async def call(self, rpc: Any, request: Message) -> Any:
        return await rpc(request, metadata=tenant_metadata(self.shop_id, self.member_id), timeout=10)


@pytest.fixture
async def members(chatbot: ChatbotService) -> Any:
    opened: list[Member] = []

    def make(shop_id: str, member_id: str) -> Member:
        opened.append(Member(chatbot.port, shop_id, member_id))
        return opened[-1]

    yield make
    for member in opened:
        await member.channel.close()


async def _delivered(tap: EventTap, user: str, contact: str, reply_id: str,
                     status: int = ev.DELIVERY_STATUS_UNSPECIFIED) -> None:
    """channel-adapter's report: the send (no status: an older producer, or SENT), or a channel's receipt."""
    assert tap.bus is not None
    at = Timestamp()
    at.GetCurrentTime()
    event = ev.ReplyDelivered(event_id=f"delivery:{reply_id}:{status}", user_id=user, channel=ev.CHANNEL_WHATSAPP,
                              contact_id=contact, reply_id=reply_id, delivered=status != ev.DELIVERY_STATUS_FAILED,
                              status=status, receipt=status > ev.DELIVERY_STATUS_SENT, at=at)
    await tap.bus.publish(Subjects.delivery("whatsapp"), event, event.event_id, user)


async def test_an_agent_answers_the_bot_goes_quiet_and_comes_back_when_given_back(
    tap: EventTap, members: Any
) -> None:
    shop, contact = f"shop-{uuid.uuid4().hex[:8]}", "whatsapp:5511988887777"
    bia = members(shop, "member-bia")
    await bia.call(bia.chatbot.UpsertProduct, cpb.UpsertProductRequest(product=cpb.Product(
        sku="X", name="Produto X", price=49.9, stock=3)))
    await tap.inbound(shop, contact, "Qual o preço do produto X?")
    await eventually(lambda: answered(bia, 1))

    inbox = await bia.call(bia.inbox.ListInbox, pb.ListInboxRequest())
    [listed] = inbox.conversations
    assert (listed.contact_id, listed.unread, listed.handoff_state, listed.assignee_id) == (contact, 1, "bot", "")
    thread = await bia.call(bia.inbox.ListMessages, pb.ListMessagesRequest(conversation_id=listed.id))
    bot_reply, question = thread.messages  # newest first
    assert (question.author, question.direction, question.intent) == ("buyer", "in", "price")
    assert (bot_reply.author, bot_reply.direction, bot_reply.intent) == ("bot", "out", "price")
    assert "R$ 49,90" in bot_reply.text and bot_reply.confidence > 0.5 and bot_reply.status == "sent"

    posted = await bia.call(bia.inbox.PostMessage, pb.PostMessageRequest(
        conversation_id=listed.id, text="Oi Maria, aqui é a Bia! Tenho sim.", author_name="bia@loja.test"))
    assert (posted.author, posted.author_id, posted.status) == ("human", "member-bia", "sent")
    [sent] = await eventually(lambda: [r for r in tap.replies(contact) if r.author_id])
    assert (sent.text, sent.author_name, sent.account_id) == (posted.text, "bia@loja.test", "inst-1")
    assert sent.inbox_conversation_id == listed.id and sent.reply_id == posted.reply_id
    [assigned] = await eventually(lambda: tap.events("conversations.assigned", ev.ConversationAssigned))
    assert (assigned.assignee_id, assigned.conversation_id) == ("member-bia", listed.id)

    async def statuses(expected: tuple[str, str]) -> Any:
        page = await bia.call(bia.inbox.ListMessages, pb.ListMessagesRequest(conversation_id=listed.id))
        found = {m.reply_id: m.status for m in page.messages if m.direction == "out"}
        return page if (found[posted.reply_id], found[bot_reply.reply_id]) == expected else None

    await _delivered(tap, shop, contact, posted.reply_id)  # accepted by the send API: still only sent
    await _delivered(tap, shop, contact, posted.reply_id, ev.DELIVERY_STATUS_DELIVERED)
    page = await eventually(lambda: statuses(("delivered", "sent")))
    await _delivered(tap, shop, contact, posted.reply_id, ev.DELIVERY_STATUS_READ)
    await eventually(lambda: statuses(("read", "sent")))
    await _delivered(tap, shop, contact, posted.reply_id, ev.DELIVERY_STATUS_FAILED)  # late: read stays read
    await _delivered(tap, shop, contact, posted.reply_id, ev.DELIVERY_STATUS_DELIVERED)
    # The consumer handles reports in order: once the bot's reply shows this last one, the late ones were seen.
    await _delivered(tap, shop, contact, bot_reply.reply_id, ev.DELIVERY_STATUS_DELIVERED)
    await eventually(lambda: statuses(("read", "delivered")))
    assert page.conversation.handoff_state == "human" and page.conversation.assignee_name == "bia@loja.test"
    assert page.messages[0].author_name == "bia@loja.test"

    replies_before = len(tap.replies(contact))
    await tap.inbound(shop, contact, "E o frete?")
    mine = await eventually(lambda: _unread(bia, 2))
    assert mine.handoff_state == "human"
    assert len(tap.replies(contact)) == replies_before  # the bot stayed quiet: a human holds the conversation

    read = await bia.call(bia.inbox.MarkRead, pb.MarkReadRequest(conversation_id=listed.id))
    assert read.unread == 0
    await bia.call(bia.chatbot.ReleaseConversation, cpb.ReleaseConversationRequest(id=listed.id))
    await tap.inbound(shop, contact, "Qual o preço do produto X?")
    await eventually(lambda: len([r for r in tap.replies(contact) if not r.author_id]) == 2)


async def test_the_handoff_and_release_notices_are_in_the_thread_as_the_buyer_got_them(
    tap: EventTap, members: Any
) -> None:
    shop, contact = f"shop-{uuid.uuid4().hex[:8]}", "whatsapp:5511977776666"
    ana = members(shop, "member-ana")
    await tap.inbound(shop, contact, "oi")
    await eventually(lambda: answered(ana, 1))
    [listed] = (await ana.call(ana.inbox.ListInbox, pb.ListInboxRequest())).conversations

    await ana.call(ana.chatbot.HandoffConversation, cpb.HandoffConversationRequest(id=listed.id))
    await ana.call(ana.chatbot.ReleaseConversation, cpb.ReleaseConversationRequest(id=listed.id))
    await ana.call(ana.chatbot.ReleaseConversation, cpb.ReleaseConversationRequest(id=listed.id))  # no-op

    thread = await ana.call(ana.inbox.ListMessages, pb.ListMessagesRequest(conversation_id=listed.id))
    released, handed_over = thread.messages[:2]  # newest first
    assert (handed_over.text, released.text) == (HANDED_OVER_NOTICE, RELEASED_NOTICE)
    assert all((m.author, m.direction, m.status) == ("bot", "out", "sent") for m in (released, handed_over))
    assert len(thread.messages) == 4  # the buyer's "oi", the bot's answer, the two notices: nothing twice

    def published_notices() -> list[ev.OutboundReply]:
        found = [r for r in tap.replies(contact) if r.reply_id.startswith("notice:")]
        return found if len(found) == 2 else []

    notices = await eventually(published_notices)
    assert sorted(r.reply_id for r in notices) == sorted(m.reply_id for m in (released, handed_over))


async def test_a_message_kept_for_the_agent_is_readable_when_its_update_is_published(
    tap: EventTap, members: Any, nats_url: str
) -> None:
    """While a person holds the conversation no reply follows a buyer's message, so the chatbot publishes
    ConversationUpdated once it is stored: read at the moment that event arrives, the thread has it."""
    shop, contact = f"shop-{uuid.uuid4().hex[:8]}", "whatsapp:5511966665555"
    bia = members(shop, "member-bia")
    await tap.inbound(shop, contact, "oi")
    await eventually(lambda: answered(bia, 1))
    [listed] = (await bia.call(bia.inbox.ListInbox, pb.ListInboxRequest())).conversations
    await bia.call(bia.inbox.PostMessage, pb.PostMessageRequest(conversation_id=listed.id, text="Oi, é a Bia"))
    seen_in_thread: list[bool] = []

    async def on_update(msg: Any) -> None:
        update = ev.ConversationUpdated.FromString(msg.data)
        if update.conversation_id == listed.id and update.last_message == "ainda tem o azul?":
            thread = await bia.call(bia.inbox.ListMessages, pb.ListMessagesRequest(conversation_id=listed.id))
            seen_in_thread.append(any(m.text == "ainda tem o azul?" and m.status == "silenced"
                                      for m in thread.messages))

    connection = await nats.connect(nats_url)
    try:
        await connection.subscribe(f"{tap.namespace}.conversations.updated", cb=on_update)
        await tap.inbound(shop, contact, "ainda tem o azul?")
        assert await eventually(lambda: seen_in_thread) == [True]
    finally:
        await connection.close()


async def _unread(member: Member, count: int) -> pb.InboxConversation | None:
    page = await member.call(member.inbox.ListInbox, pb.ListInboxRequest(mine_only=True))
    return page.conversations[0] if page.conversations and page.conversations[0].unread == count else None


async def test_pages_filters_notes_and_another_shops_view(tap: EventTap, members: Any) -> None:
    shop = f"shop-{uuid.uuid4().hex[:8]}"
    ana, caio = members(shop, "member-ana"), members(shop, "member-caio")
    contacts = [f"whatsapp:55119000000{n}" for n in range(3)]
    for contact in contacts:
        await tap.inbound(shop, contact, "oi")
    await eventually(lambda: answered(ana, len(contacts)))

    first = await ana.call(ana.inbox.ListInbox, pb.ListInboxRequest(limit=2))
    second = await ana.call(ana.inbox.ListInbox, pb.ListInboxRequest(limit=2, cursor=first.next_cursor))
    listed = [c.contact_id for c in [*first.conversations, *second.conversations]]
    assert sorted(listed) == sorted(contacts) and not second.next_cursor
    target = first.conversations[0]

    page = await ana.call(ana.inbox.ListMessages, pb.ListMessagesRequest(conversation_id=target.id, limit=1))
    older = await ana.call(ana.inbox.ListMessages, pb.ListMessagesRequest(
        conversation_id=target.id, limit=1, cursor=page.next_cursor))
    assert [page.messages[0].author, older.messages[0].author] == ["bot", "buyer"] and not older.next_cursor

    await ana.call(ana.inbox.AssignConversation, pb.AssignConversationRequest(
        conversation_id=target.id, assignee_id="member-caio", assignee_name="caio@loja.test"))
    assert [c.id for c in (await caio.call(caio.inbox.ListInbox, pb.ListInboxRequest(mine_only=True))).conversations
            ] == [target.id]
    assert not (await ana.call(ana.inbox.ListInbox, pb.ListInboxRequest(mine_only=True))).conversations
    assert not (await ana.call(ana.inbox.ListInbox, pb.ListInboxRequest(waiting_only=True))).conversations

    await caio.call(caio.inbox.AddNote, pb.AddNoteRequest(conversation_id=target.id, text="cliente VIP",
                                                          author_name="caio@loja.test"))
    notes = (await ana.call(ana.inbox.ListNotes, pb.ListNotesRequest(conversation_id=target.id))).notes
    assert [(n.text, n.author_id) for n in notes] == [("cliente VIP", "member-caio")]
    assert not [r for r in tap.replies() if "VIP" in r.text]  # a note never reaches the buyer

    stranger = members(f"shop-{uuid.uuid4().hex[:8]}", "member-x")
    assert not (await stranger.call(stranger.inbox.ListInbox, pb.ListInboxRequest())).conversations
    for rpc, request in [(stranger.inbox.ListMessages, pb.ListMessagesRequest(conversation_id=target.id)),
                         (stranger.inbox.PostMessage, pb.PostMessageRequest(conversation_id=target.id, text="oi")),
                         (stranger.inbox.ListNotes, pb.ListNotesRequest(conversation_id=target.id))]:
        with pytest.raises(grpc.aio.AioRpcError) as refused:
            await stranger.call(rpc, request)
        assert refused.value.code() == grpc.StatusCode.NOT_FOUND

    with pytest.raises(grpc.aio.AioRpcError) as bad:
        await ana.call(ana.inbox.ListMessages, pb.ListMessagesRequest(conversation_id=target.id, cursor="nope"))
    assert bad.value.code() == grpc.StatusCode.INVALID_ARGUMENT


async def test_quick_replies_fill_product_and_buyer_from_the_catalog(chatbot: ChatbotService, members: Any,
                                                                    tap: EventTap) -> None:
    shop, contact = f"shop-{uuid.uuid4().hex[:8]}", "whatsapp:5511977776666"
    owner, other = members(shop, "member-dona"), members(f"shop-{uuid.uuid4().hex[:8]}", "member-y")
    product = await owner.call(owner.chatbot.UpsertProduct, cpb.UpsertProductRequest(product=cpb.Product(
        sku="TN", name="Tênis Run", price=1299.9, stock=4)))
    await tap.inbound(shop, contact, "oi")
    async def listed() -> Any:
        return (await owner.call(owner.inbox.ListInbox, pb.ListInboxRequest())).conversations

    [conversation] = await eventually(listed)

    saved = await owner.call(owner.inbox.SaveQuickReply, pb.SaveQuickReplyRequest(quick_reply=pb.QuickReply(
        shortcut="/Preco", text="{nome}, o {produto} sai por {preco} ({estoque} em estoque). {cupom}")))
    assert saved.shortcut == "preco"
    with pytest.raises(grpc.aio.AioRpcError) as taken:
        await owner.call(owner.inbox.SaveQuickReply, pb.SaveQuickReplyRequest(quick_reply=pb.QuickReply(
            shortcut="preco", text="outro")))
    assert taken.value.code() == grpc.StatusCode.ALREADY_EXISTS
    with pytest.raises(grpc.aio.AioRpcError) as invalid:
        await owner.call(owner.inbox.SaveQuickReply, pb.SaveQuickReplyRequest(quick_reply=pb.QuickReply(
            shortcut="com espaço", text="x")))
    assert invalid.value.code() == grpc.StatusCode.INVALID_ARGUMENT

    rendered = await owner.call(owner.inbox.RenderQuickReply, pb.RenderQuickReplyRequest(
        id=saved.id, conversation_id=conversation.id, product_id=product.id))
    assert rendered.text == "Maria, o Tênis Run sai por R$ 1.299,90 (4 em estoque). {cupom}"
    assert list(rendered.missing) == ["cupom"]
    without_product = await owner.call(owner.inbox.RenderQuickReply, pb.RenderQuickReplyRequest(id=saved.id))
    assert set(without_product.missing) == {"nome", "produto", "preco", "estoque", "cupom"}

    assert not (await other.call(other.inbox.ListQuickReplies, pb.ListQuickRepliesRequest())).quick_replies
    with pytest.raises(grpc.aio.AioRpcError) as hidden:
        await other.call(other.inbox.DeleteQuickReply, pb.DeleteQuickReplyRequest(id=saved.id))
    assert hidden.value.code() == grpc.StatusCode.NOT_FOUND
    await owner.call(owner.inbox.DeleteQuickReply, pb.DeleteQuickReplyRequest(id=saved.id))
    assert not (await owner.call(owner.inbox.ListQuickReplies, pb.ListQuickRepliesRequest())).quick_replies


async def test_the_inbox_on_sqlite_as_make_run_uses_it(chatbot_factory: Any, tmp_path: Any) -> None:
    service = await chatbot_factory(database_url=f"sqlite:///{tmp_path}/chatbot.db")
    agent = Member(service.port, f"shop-{uuid.uuid4().hex[:8]}", "member-lia")
    try:
        for contact in ("telegram:1001", "telegram:1002"):  # a channel an agent can answer on
            for text in ("oi", "qual o prazo de entrega?"):
                await agent.call(agent.chatbot.ProcessMessage, cpb.ProcessMessageRequest(
                    contact_id=contact, message=text, channel="telegram"))
        first = await agent.call(agent.inbox.ListInbox, pb.ListInboxRequest(limit=1))
        second = await agent.call(agent.inbox.ListInbox, pb.ListInboxRequest(limit=1, cursor=first.next_cursor))
        listed = [c.contact_id for c in [*first.conversations, *second.conversations]]
        assert listed == ["telegram:1002", "telegram:1001"]
        assert first.conversations[0].unread == 2
        bruno = first.conversations[0].id
        pages, cursor = [], ""
        while True:
            page = await agent.call(agent.inbox.ListMessages, pb.ListMessagesRequest(
                conversation_id=bruno, limit=3, cursor=cursor))
            pages.append([(m.author, m.text) for m in page.messages])
            if not (cursor := page.next_cursor):
                break
        thread = [m for p in pages for m in p]
        assert len(pages) == 2 and len(thread) == 4 and thread[-1] == ("buyer", "oi")
        assert [a for a, _ in thread] == ["bot", "buyer", "bot", "buyer"]

        posted = await agent.call(agent.inbox.PostMessage, pb.PostMessageRequest(
            conversation_id=bruno, text="Chega amanhã!", author_name="lia@loja.test"))
        read = await agent.call(agent.inbox.MarkRead, pb.MarkReadRequest(conversation_id=bruno))
        assert (read.handoff_state, read.assignee_id, read.unread) == ("human", "member-lia", 0)
        newest = (await agent.call(agent.inbox.ListMessages, pb.ListMessagesRequest(conversation_id=bruno))).messages
        assert (newest[0].id, newest[0].author_name) == (posted.id, "lia@loja.test")
    finally:
        await agent.channel.close()
