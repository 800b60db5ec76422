"""A start and a stop arriving together for a seller with no worker row yet both succeed: the second one
to insert updates the row the first created (it was an IntegrityError, a 502 at the gateway, found by fuzzing)."""

from __future__ import annotations

import asyncio
import uuid

from automation.adapters.repository import WorkerRepository
from automation.components import MIGRATIONS
from sellerbot_database import create_engine, run_migrations, session_factory


async def test_two_saves_of_a_new_sellers_worker_row_at_once_both_succeed(postgres_url: str) -> None:
    engine = create_engine(postgres_url)
    await run_migrations(engine, MIGRATIONS, "alembic_version_automation")
    workers = WorkerRepository(session_factory(engine))
    try:
        for _ in range(5):
            user_id = f"u-{uuid.uuid4().hex[:8]}"
            await asyncio.gather(workers.save(user_id, desired_running=True, state="starting"),
                                 workers.save(user_id, desired_running=False, state="stopped"))
            row = await workers.get(user_id)
            assert row is not None and row.state in {"starting", "stopped"}
    finally:
        await engine.dispose()
