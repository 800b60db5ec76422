"""The secrets in a seller's bot settings are stored encrypted with SECRETS_KEY, and stay readable across a
key rotation (new key first, old key after) until the next save re-encrypts them with the new key."""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator

import pytest
from chatbot.adapters.repository import ChatbotRepository
from chatbot.adapters.secret_box import SettingsSecrets
from chatbot.main import MIGRATIONS, _engine
from chatbot.profiles import SellerProfiles
from cryptography.fernet import InvalidToken
from sellerbot_database import run_migrations, session_factory

LLM_KEY = "sk-proj-do-not-store-me-in-clear-0123"
OLD, NEW = "old-secrets-key-" + "o" * 20, "new-secrets-key-" + "n" * 20


@pytest.fixture
async def repository(postgres_url: str) -> AsyncIterator[ChatbotRepository]:
    engine = _engine(postgres_url)
    await run_migrations(engine, MIGRATIONS, "alembic_version_chatbot")
    yield ChatbotRepository(session_factory(engine))
    await engine.dispose()


async def _stored(repository: ChatbotRepository, user_id: str) -> dict[str, object]:
    row = await repository.latest_config(user_id)
    assert row is not None
    return row.settings


async def test_the_llm_key_is_stored_encrypted_and_read_back_in_clear(repository: ChatbotRepository) -> None:
    user_id = f"u-{uuid.uuid4().hex[:8]}"
    profiles = SellerProfiles(repository, SettingsSecrets(OLD))
    await profiles.update_config(user_id, {"llm": {"api_key": LLM_KEY}})
    stored = await _stored(repository, user_id)
    assert LLM_KEY not in json.dumps(stored)
    assert str(stored["llm"]["api_key"]).startswith("sealed:")  # type: ignore[index]
    assert (await profiles.config(user_id)).settings.llm.api_key == LLM_KEY
    assert (await profiles.get(user_id)).settings.llm.api_key == LLM_KEY


async def test_after_a_key_rotation_old_secrets_are_read_and_the_next_save_uses_the_new_key(
    repository: ChatbotRepository,
) -> None:
    user_id = f"u-{uuid.uuid4().hex[:8]}"
    await SellerProfiles(repository, SettingsSecrets(OLD)).update_config(user_id, {"llm": {"api_key": LLM_KEY}})
    rotated = SellerProfiles(repository, SettingsSecrets(f"{NEW},{OLD}"))
    assert (await rotated.config(user_id)).settings.llm.api_key == LLM_KEY
    await rotated.update_config(user_id, {"persona": "Sou a Ana"})  # any save re-encrypts with the first key
    stored = await _stored(repository, user_id)
    assert SettingsSecrets(NEW).open(stored)["llm"]["api_key"] == LLM_KEY
    with pytest.raises(InvalidToken):
        SettingsSecrets(OLD).open(stored)


async def test_a_key_saved_before_encryption_is_read_and_sealed_on_the_next_save(
    repository: ChatbotRepository,
) -> None:
    user_id = f"u-{uuid.uuid4().hex[:8]}"
    await repository.save_config(user_id, 0, {"llm": {"api_key": LLM_KEY}}, ["llm.api_key"], user_id)
    profiles = SellerProfiles(repository, SettingsSecrets(NEW))
    assert (await profiles.config(user_id)).settings.llm.api_key == LLM_KEY
    await profiles.update_config(user_id, {"tone": "formal"})
    assert LLM_KEY not in json.dumps(await _stored(repository, user_id))
