"""The turn's storage on both databases the service runs on: PostgreSQL (one statement per inbound message)
and SQLite (`make run`, the same steps as separate statements): the inbox stores an event once, a turn
loads the pending messages in platform order, and a turn is recorded, its reply held for publishing, only
while the conversation is still with the bot, all or nothing."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from chatbot.adapters.repository import ChatbotRepository, TurnAnsweredElsewhere, TurnRecord
from chatbot.adapters.repository.crm import CrmStore, TurnSeen
from chatbot.adapters.repository.turns import TurnRecorded
from chatbot.adapters.tables import ConversationRow
from chatbot.main import MIGRATIONS, _engine
from sellerbot.events.v1 import conversation_events_pb2 as ev
from sellerbot_database import run_migrations, session_factory

T0 = datetime(2026, 5, 1, 12, 0, tzinfo=UTC)


@pytest.fixture(params=["postgresql", "sqlite"])
async def repository(request: pytest.FixtureRequest, postgres_url: str, tmp_path: Path
                     ) -> AsyncIterator[ChatbotRepository]:
    url = postgres_url if request.param == "postgresql" else f"sqlite:///{tmp_path / 'chatbot.db'}"
    engine = _engine(url)
    await run_migrations(engine, MIGRATIONS, "alembic_version_chatbot")
    yield ChatbotRepository(session_factory(engine))
    await engine.dispose()


async def _receive(repository: ChatbotRepository, user_id: str, contact_id: str, event_id: str, text: str,
                   at: datetime = T0, **contact: str) -> tuple[ConversationRow | None, str | None]:
    return await repository.receive(user_id, contact_id, "whatsapp", event_id=event_id, text=text,
                                    platform_timestamp=at, prompt_variant="b", **contact)


async def _one_question(repository: ChatbotRepository) -> tuple[str, ConversationRow, str]:
    """A new seller whose customer asked one question: (user id, conversation, pending message id)."""
    user_id = f"u-{uuid.uuid4().hex[:8]}"
    conversation, message_id = await _receive(repository, user_id, "whatsapp:1", "e1", "quanto custa?")
    assert conversation is not None and message_id is not None
    return user_id, conversation, message_id


def _turn(conversation_id: str, user_id: str, pending: list[str], reply: str = "Custa R$ 49,90.") -> TurnRecord:
    return TurnRecord(
        conversation_id=conversation_id, user_id=user_id, channel="whatsapp", inbound_ids=pending,
        intents=[(message_id, "price", 0.9) for message_id in pending], reply_text=reply,
        reply_id=f"reply:{uuid.uuid4()}", source="offline", prompt_variant="b", response_seconds=0.01,
        last_intent="price", stage="price_asked", fallback_count=0, complaint_count=0, reply_sequence=1,
        last_message="quanto custa?")


async def test_an_event_is_stored_once_and_opens_the_conversation_once(repository: ChatbotRepository) -> None:
    user_id = f"u-{uuid.uuid4().hex[:8]}"
    conversation, first = await _receive(repository, user_id, "whatsapp:1", "e1", "oi", contact_name="Maria")
    assert first is not None and conversation is not None
    assert (conversation.handoff_state, conversation.stage, conversation.prompt_variant) == ("bot", "new_contact", "b")
    assert (conversation.message_count, conversation.last_message, conversation.contact_name) == (1, "oi", "Maria")

    again, duplicate = await _receive(repository, user_id, "whatsapp:1", "e1", "oi")
    assert duplicate is None and again is not None and again.id == conversation.id

    later, second = await _receive(repository, user_id, "whatsapp:1", "e2", "quanto custa?", account_id="inst-9")
    assert second is not None and later is not None and later.id == conversation.id
    assert (later.message_count, later.last_message, later.account_id, later.contact_name) == (
        2, "quanto custa?", "inst-9", "Maria")
    pending = (await repository.load_turn(user_id, contact_id="whatsapp:1")).pending
    assert [m.id for m in pending] == [first, second]


async def test_another_seller_with_the_same_event_id_and_contact_is_another_conversation(
    repository: ChatbotRepository,
) -> None:
    mine, theirs = f"u-{uuid.uuid4().hex[:8]}", f"u-{uuid.uuid4().hex[:8]}"
    conversation, stored = await _receive(repository, mine, "whatsapp:1", "e1", "oi")
    other, other_stored = await _receive(repository, theirs, "whatsapp:1", "e1", "oi")
    assert stored and other_stored and conversation and other and conversation.id != other.id
    assert (await repository.load_turn(theirs, conversation.id)).conversation is None


async def test_a_redelivered_event_of_an_archived_conversation_opens_nothing(repository: ChatbotRepository) -> None:
    user_id = f"u-{uuid.uuid4().hex[:8]}"
    await _receive(repository, user_id, "whatsapp:1", "e1", "oi")
    await repository.archive_conversations(user_id)
    assert await _receive(repository, user_id, "whatsapp:1", "e1", "oi") == (None, None)
    assert await repository.current_conversation(user_id, "whatsapp:1") is None


async def test_a_turn_loads_pending_messages_in_platform_order(repository: ChatbotRepository) -> None:
    user_id = f"u-{uuid.uuid4().hex[:8]}"
    conversation, late = await _receive(repository, user_id, "whatsapp:1", "e-late", "segunda", T0 + timedelta(1))
    _, early = await _receive(repository, user_id, "whatsapp:1", "e-early", "primeira", T0)
    assert conversation is not None
    by_contact = await repository.load_turn(user_id, contact_id="whatsapp:1")
    by_id = await repository.load_turn(user_id, conversation.id)
    for row, pending in ((by_contact.conversation, by_contact.pending), (by_id.conversation, by_id.pending)):
        assert row is not None and row.id == conversation.id
        assert [(m.id, m.text) for m in pending] == [(early, "primeira"), (late, "segunda")]


async def _held(repository: ChatbotRepository, user_id: str) -> list[tuple[str, str, bytes]]:
    return [(h.reply_id, h.contact_id, h.event) for h in await repository.held_replies() if h.user_id == user_id]


def _event(text: str) -> bytes:
    return ev.OutboundReply(text=text).SerializeToString()


@pytest.fixture(autouse=True)
async def _nothing_stays_held(repository: ChatbotRepository) -> AsyncIterator[None]:
    """The PostgreSQL database outlives the test: a chatbot started later would publish what it left held."""
    before = {h.reply_id for h in await repository.held_replies()}
    yield
    await repository.release_held(h.reply_id for h in await repository.held_replies() if h.reply_id not in before)


async def test_a_finished_turn_is_recorded_with_its_reply_held_until_released(repository: ChatbotRepository) -> None:
    user_id, conversation, message_id = await _one_question(repository)
    turn = _turn(conversation.id, user_id, [message_id])
    turn.contact_id, turn.held_reply = "whatsapp:1", _event("serialised reply")

    assert await repository.finish_turn(turn)
    loaded = await repository.load_turn(user_id, contact_id="whatsapp:1")
    row, pending = loaded.conversation, loaded.pending
    assert pending == [] and row is not None
    assert (row.last_intent, row.stage, row.reply_sequence) == ("price", "price_asked", 1)
    assert await repository.history(row.id) == [("in", "quanto custa?"), ("out", "Custa R$ 49,90.")]
    assert await _held(repository, user_id) == [(turn.reply_id, "whatsapp:1", _event("serialised reply"))]

    await repository.release_held([turn.reply_id])
    assert await _held(repository, user_id) == []


async def test_held_replies_come_back_in_the_order_of_their_turns(repository: ChatbotRepository) -> None:
    user_id, conversation, first = await _one_question(repository)
    turn = _turn(conversation.id, user_id, [first])
    turn.contact_id, turn.held_reply = "whatsapp:1", _event("first")
    assert await repository.finish_turn(turn)
    _, second = await _receive(repository, user_id, "whatsapp:1", "e2", "e o frete?")
    assert second is not None
    later = _turn(conversation.id, user_id, [second], "Frete grátis.")
    later.reply_sequence, later.contact_id, later.held_reply = 2, "whatsapp:1", _event("second")
    assert await repository.finish_turn(later)
    assert [event for _, _, event in await _held(repository, user_id)] == [_event("first"), _event("second")]


async def test_a_turn_of_a_conversation_a_human_took_over_records_and_holds_nothing(
    repository: ChatbotRepository,
) -> None:
    user_id, conversation, message_id = await _one_question(repository)
    await repository.update_conversation(conversation.id, handoff_state="human")
    turn = _turn(conversation.id, user_id, [message_id])
    turn.contact_id, turn.held_reply = "whatsapp:1", _event("serialised reply")

    assert not await repository.finish_turn(turn)
    loaded = await repository.load_turn(user_id, contact_id="whatsapp:1")
    row, pending = loaded.conversation, loaded.pending
    assert [m.id for m in pending] == [message_id] and row is not None and row.reply_sequence == 0
    assert await _held(repository, user_id) == []


async def test_a_second_turn_over_messages_already_answered_is_rolled_back_and_holds_nothing(
    repository: ChatbotRepository,
) -> None:
    """Two turns over the same pending messages (a synchronous API turn beside a debounced one, or two
    replicas while a partition changes hands): the first records and holds its reply, the second raises."""
    user_id, conversation, message_id = await _one_question(repository)
    first = _turn(conversation.id, user_id, [message_id])
    first.contact_id, first.held_reply = "whatsapp:1", _event("first")
    assert await repository.finish_turn(first)
    later, newer = await _receive(repository, user_id, "whatsapp:1", "e2", "e o frete?")
    assert later is not None and newer is not None
    second = _turn(conversation.id, user_id, [message_id, newer], "outra resposta")
    second.contact_id, second.held_reply = "whatsapp:1", _event("second")
    with pytest.raises(TurnAnsweredElsewhere):
        await repository.finish_turn(second)
    assert [event for _, _, event in await _held(repository, user_id)] == [_event("first")]
    loaded = await repository.load_turn(user_id, conversation.id)
    row, pending = loaded.conversation, loaded.pending
    assert [m.id for m in pending] == [newer]  # the rolled-back turn marked nothing: the new one waits
    assert row is not None and row.reply_sequence == 1
    assert await repository.history(conversation.id) == [("in", "quanto custa?"), ("out", "Custa R$ 49,90."),
                                                         ("in", "e o frete?")]


async def test_two_turns_over_the_same_messages_at_once_write_one_reply(repository: ChatbotRepository) -> None:
    """Run at the same instant on two connections: one records its turn, the other writes nothing at all (on
    PostgreSQL each is one autocommit statement, so "nothing" must come from the statement itself)."""
    for _ in range(5):
        user_id, conversation, message_id = await _one_question(repository)
        turns = [_turn(conversation.id, user_id, [message_id], reply) for reply in ("primeira", "segunda")]
        for turn in turns:
            turn.contact_id, turn.held_reply = "whatsapp:1", _event(turn.reply_text)
        outcomes = await asyncio.gather(*(repository.finish_turn(t) for t in turns), return_exceptions=True)
        assert sorted(type(o).__name__ for o in outcomes) == ["TurnAnsweredElsewhere", "TurnRecorded"], outcomes
        written = next(t for t, o in zip(turns, outcomes, strict=True) if isinstance(o, TurnRecorded) and o)
        assert await repository.history(conversation.id) == [("in", "quanto custa?"), ("out", written.reply_text)]
        assert [event for _, _, event in await _held(repository, user_id)] == [written.held_reply]
        loaded = await repository.load_turn(user_id, conversation.id)
        row, pending = loaded.conversation, loaded.pending
        assert pending == [] and row is not None and row.reply_sequence == 1


async def test_a_turn_counts_itself_on_its_contact_only_while_the_contact_is_as_the_turn_read_it(
        repository: ChatbotRepository) -> None:
    """The CRM's count of a returning contact's turn rides on the turn's own record (one statement on
    PostgreSQL): written when the contact is as the turn's load read it; when another turn of the same person
    counted first, the stale count is not written (nothing lost, nothing counted twice) and the CRM counts the
    turn itself afterwards."""
    crm = CrmStore(repository._sessions)
    user_id, conversation, first = await _one_question(repository)

    def seen(intent: str, stage: str, opt_out: bool = False) -> TurnSeen:
        return TurnSeen(user_id, "whatsapp:1", "", [intent], stage, conversation.id, 1, opt_out=opt_out)

    await crm.observe_turn(seen("greeting", "new_contact"))  # an earlier turn made the contact
    loaded = await repository.load_turn(user_id, contact_id="whatsapp:1")
    assert loaded.contact is not None and loaded.contact["message_count"] == 1 and not loaded.opted_out
    count = crm.count_in_advance(seen("price", "price_asked", opt_out=True), loaded.contact)
    assert count is not None
    recorded = await repository.finish_turn(TurnRecord(**{**_turn(conversation.id, user_id, [first]).__dict__,
                                                          "contact_count": count}))
    assert recorded and recorded.contact_counted
    contact = await crm.contact_of_identity(user_id, "whatsapp:1")
    assert contact is not None
    assert (contact.message_count, contact.stage, contact.last_intents[0]) == (2, "price_asked", "price")
    assert contact.score == count.changes["score"] and contact.score_signals == count.changes["score_signals"]
    assert contact.opted_out and contact.opt_out_notified and contact.opted_out_at is not None
    assert (await repository.load_turn(user_id, contact_id="whatsapp:1")).opted_out

    _, second = await _receive(repository, user_id, "whatsapp:1", "e2", "tem frete?", T0 + timedelta(1))
    assert second is not None
    loaded = await repository.load_turn(user_id, contact_id="whatsapp:1")
    stale = crm.count_in_advance(seen("shipping", "price_asked"), loaded.contact)
    assert stale is not None and stale.read_count == 2
    await crm.observe_turn(seen("greeting", "price_asked"))  # another turn of the person counts first: 3
    later = _turn(conversation.id, user_id, [second])
    later.reply_sequence, later.contact_count = 2, stale
    recorded = await repository.finish_turn(later)
    assert recorded and not recorded.contact_counted  # the turn is recorded, its stale count is not
    contact = await crm.contact_of_identity(user_id, "whatsapp:1")
    assert contact is not None and contact.message_count == 3
    assert (await repository.load_turn(user_id, contact_id="whatsapp:1")).pending == []
