"""Seller profiles cached in process: an expired profile keeps answering while a single reload runs (so
a busy seller's turns neither wait for nor repeat the config and catalog load), and a change made while
a reload is in flight is not overwritten by that reload's older data."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator

import pytest
from chatbot.adapters.repository import ChatbotRepository
from chatbot.adapters.tables import ConfigVersionRow, ProductRow
from chatbot.main import MIGRATIONS, _engine
from chatbot.profiles import CACHE_SECONDS, SellerProfiles
from sellerbot_database import run_migrations, session_factory


class GatedRepository(ChatbotRepository):
    """The real repository; config reads are counted, and catalog reads (a reload's second step) wait at a
    gate the test opens."""

    def __init__(self, *args: object) -> None:
        super().__init__(*args)  # type: ignore[arg-type]
        self.gate = asyncio.Event()
        self.gate.set()
        self.config_reads = 0
        self.config_read = asyncio.Event()

    async def latest_config(self, user_id: str) -> ConfigVersionRow | None:
        self.config_reads += 1
        self.config_read.set()
        return await super().latest_config(user_id)

    async def products(self, user_id: str, query: str = "", offered_only: bool = False) -> list[ProductRow]:
        await self.gate.wait()
        return await super().products(user_id, query, offered_only)


@pytest.fixture
async def repository(postgres_url: str) -> AsyncIterator[GatedRepository]:
    engine = _engine(postgres_url)
    await run_migrations(engine, MIGRATIONS, "alembic_version_chatbot")
    yield GatedRepository(session_factory(engine))
    await engine.dispose()


def _expire(profiles: SellerProfiles, user_id: str) -> None:
    profiles._cache[user_id].loaded_at = time.monotonic() - CACHE_SECONDS - 1


async def test_an_expired_profile_answers_while_one_reload_runs(repository: GatedRepository) -> None:
    user_id = f"u-{uuid.uuid4().hex[:8]}"
    profiles = SellerProfiles(repository)
    first = await profiles.get(user_id)
    await repository.save_config(user_id, 0, {"store_name": "Loja Nova"}, ["store_name"], "other-replica")
    _expire(profiles, user_id)
    repository.gate.clear()
    reads = repository.config_reads

    during = await asyncio.gather(*(profiles.get(user_id) for _ in range(5)))
    assert all(profile is first for profile in during)  # nobody waited for the reload

    repository.gate.set()
    fresh = await profiles._loads[user_id]
    assert repository.config_reads == reads + 1  # one reload for the five turns
    assert (fresh.version, fresh.settings.store_name) == (1, "Loja Nova")
    assert await profiles.get(user_id) is fresh


async def test_a_change_during_a_reload_is_not_overwritten_by_it(repository: GatedRepository) -> None:
    user_id = f"u-{uuid.uuid4().hex[:8]}"
    profiles = SellerProfiles(repository)
    await profiles.get(user_id)
    _expire(profiles, user_id)
    repository.gate.clear()
    repository.config_read.clear()
    await profiles.get(user_id)  # starts the reload: it reads the config, then waits at the gate
    in_flight = profiles._loads[user_id]
    await asyncio.wait_for(repository.config_read.wait(), 10)

    await profiles.update_config(user_id, {"store_name": "Loja Alterada"})
    repository.gate.set()
    stale = await in_flight
    assert stale.settings.store_name != "Loja Alterada"  # it read the config before the change
    assert (await profiles.get(user_id)).settings.store_name == "Loja Alterada"
