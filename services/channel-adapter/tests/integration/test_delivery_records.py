"""The sent-part records every delivered reply writes, on SQLite (what `make run` uses) and PostgreSQL: parts
recorded together share a commit, yet each caller returns only once its own part is stored, a part recorded
twice stays one row, and a part that cannot be stored fails alone."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from channel_adapter.adapters.delivery_records import DeadLetterStatus, DeliveryRecords
from channel_adapter.main import MIGRATIONS
from sellerbot_database import create_engine, run_migrations, session_factory
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine


@pytest.fixture(params=["sqlite", "postgresql"])
async def engine(request: pytest.FixtureRequest, tmp_path: Path, postgres_url: str) -> AsyncIterator[AsyncEngine]:
    url = f"sqlite:///{tmp_path / 'channel_adapter.db'}" if request.param == "sqlite" else postgres_url
    engine = create_engine(url)
    await run_migrations(engine, MIGRATIONS, "alembic_version_channel_adapter")
    yield engine
    await engine.dispose()


async def stored_parts(engine: AsyncEngine, reply_ids: list[str]) -> dict[str, int]:
    async with engine.connect() as conn:
        rows = (await conn.execute(text(
            "SELECT reply_id, count(*) FROM channel_adapter_sent_parts GROUP BY reply_id"))).all()
    return {reply_id: count for reply_id, count in rows if reply_id in reply_ids}


async def test_parts_recorded_at_once_are_all_stored_and_read_back(engine: AsyncEngine) -> None:
    records = DeliveryRecords(session_factory(engine))
    replies = [f"reply:{uuid.uuid4()}" for _ in range(20)]
    await asyncio.gather(*(records.record_part(r, index, "telegram", f"tg-{r}-{index}", "seller", "telegram:1",
                                               last=index == 1) for r in replies for index in (0, 1)))
    assert await stored_parts(engine, replies) == dict.fromkeys(replies, 2)
    assert await records.sent_parts(replies[0]) == {0: f"tg-{replies[0]}-0", 1: f"tg-{replies[0]}-1"}
    assert await records.sent_parts("reply:never-sent") == {}


async def test_a_part_recorded_twice_stays_one_row_and_its_dead_letter_is_delivered(engine: AsyncEngine) -> None:
    records = DeliveryRecords(session_factory(engine))
    reply = f"reply:{uuid.uuid4()}"
    letter = await records.add_dead_letter(user_id="seller", channel="telegram", contact_id="telegram:1",
                                           reply_id=reply, text="Oi", error="timeout", attempts=3, reply=b"")
    await records.record_part(reply, 0, "telegram", "first", "seller", "telegram:1", last=True)
    # a concurrent delivery of the same reply (another replica) recording the same part
    await asyncio.gather(records.record_part(reply, 0, "telegram", "second", "seller", "telegram:1", last=True),
                         records.record_part(reply, 0, "telegram", "third", "seller", "telegram:1", last=True))
    assert await records.sent_parts(reply) == {0: "first"}
    assert (await records.dead_letter(letter.id, ["seller"])).status == DeadLetterStatus.DELIVERED


async def test_a_part_that_cannot_be_stored_fails_alone(engine: AsyncEngine) -> None:
    records = DeliveryRecords(session_factory(engine))
    good = [f"reply:{uuid.uuid4()}" for _ in range(5)]
    broken = records.record_part(f"reply:{uuid.uuid4()}", 0, None, "x", last=True)  # type: ignore[arg-type]
    outcomes = await asyncio.gather(*(records.record_part(r, 0, "telegram", f"tg-{r}", last=True) for r in good),
                                    broken, return_exceptions=True)
    assert outcomes[:-1] == [None] * len(good)
    assert isinstance(outcomes[-1], Exception)  # NOT NULL platform
    assert await stored_parts(engine, good) == dict.fromkeys(good, 1)
