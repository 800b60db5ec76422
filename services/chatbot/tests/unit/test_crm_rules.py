"""Pure CRM rules: a merge's undo window is the calendar day in the shop's timezone, and which learned FAQ
questions came from a person's messages."""

from __future__ import annotations

from datetime import UTC, datetime

from chatbot.crm.leads import LEARNED_QUESTION_CHARS, learned_from, undo_deadline


def test_a_merge_can_be_undone_until_the_next_local_midnight() -> None:
    # 23:30 in São Paulo (UTC-3) is 02:30 UTC the next day: the window ends half an hour later, at local midnight
    late = datetime(2026, 12, 7, 2, 30, tzinfo=UTC)
    assert undo_deadline(late, "America/Sao_Paulo") == datetime(2026, 12, 7, 3, 0, tzinfo=UTC)
    morning = datetime(2026, 12, 6, 12, 0, tzinfo=UTC)
    assert undo_deadline(morning, "America/Sao_Paulo") == datetime(2026, 12, 7, 3, 0, tzinfo=UTC)


def test_without_a_timezone_the_day_is_utc() -> None:
    at = datetime(2026, 12, 6, 23, 59, tzinfo=UTC)
    assert undo_deadline(at, "") == datetime(2026, 12, 7, 0, 0, tzinfo=UTC)
    assert undo_deadline(at, "Not/AZone") == datetime(2026, 12, 7, 0, 0, tzinfo=UTC)


def test_a_learned_question_made_of_a_burst_is_recognised_from_any_of_its_messages() -> None:
    burst = "oi, boa tarde\nem quanto tempo vocês enviam?"
    assert learned_from(burst, {"em quanto tempo vocês enviam?"})
    assert learned_from(burst, {"oi, boa tarde"})
    assert learned_from("tem loja física?", {"tem loja física?"})
    assert learned_from("linha 1\nlinha 2\nlinha 3", {"linha 2"})
    assert not learned_from(burst, {"em quanto tempo"})  # a part of a line is someone else's words
    assert not learned_from(burst, {"outra pergunta"})


def test_a_question_cut_at_the_stored_length_still_gives_its_last_message_away() -> None:
    long_message = "quero saber " + "x" * 2000
    stored = ("oi\n" + long_message)[:LEARNED_QUESTION_CHARS]
    assert learned_from(stored, {long_message})
