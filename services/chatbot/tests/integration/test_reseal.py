"""`python -m chatbot.reseal` after a SECRETS_KEY rotation: every stored version of every shop's settings (the
history is append-only, so saves never touch the old ones) ends up sealed with the first key, so the old key can
go; versions no key opens are reported and left as they are; a second run has nothing to do."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest
from chatbot.adapters.repository import ChatbotRepository
from chatbot.adapters.secret_box import SettingsSecrets
from chatbot.main import MIGRATIONS, _engine
from chatbot.profiles import SellerProfiles
from chatbot.reseal import reseal_config_versions
from cryptography.fernet import InvalidToken
from sellerbot_database import run_migrations, session_factory
from sellerbot_devstack.pytest_plugin import admin_statement
from sellerbot_devstack.servers import Servers

OLD, NEW, LOST = ("reseal-old-key-" + "o" * 20, "reseal-new-key-" + "n" * 20, "reseal-lost-key-" + "l" * 20)
LLM_KEY, CRM_SECRET = "sk-proj-reseal-me-0123456789", "crm-webhook-secret-42"


@pytest.fixture
def own_database(servers: Servers) -> Iterator[str]:
    """A database of this test's own: the command walks every row, and the session's database holds other
    tests' settings sealed with other keys."""
    name = f"sellerbot_reseal_{uuid.uuid4().hex[:10]}"
    asyncio.run(admin_statement(servers.postgres_url, f'CREATE DATABASE "{name}"'))
    yield urlunsplit(urlsplit(servers.postgres_url)._replace(path=f"/{name}"))
    asyncio.run(admin_statement(servers.postgres_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture
async def repository(own_database: str) -> AsyncIterator[ChatbotRepository]:
    engine = _engine(own_database)
    await run_migrations(engine, MIGRATIONS, "alembic_version_chatbot")
    yield ChatbotRepository(session_factory(engine))
    await engine.dispose()


async def _history(repository: ChatbotRepository, count: int) -> list[dict[str, object]]:
    rows = await repository.config_versions_after(0, 1000)
    assert len(rows) == count
    return [row.settings for row in rows]


async def test_the_command_reseals_every_version_of_every_shop_with_the_first_key(
    repository: ChatbotRepository, own_database: str, tmp_path: Path,
) -> None:
    old = SellerProfiles(repository, SettingsSecrets(OLD))
    for shop in ("loja-a", "loja-b"):
        await old.update_config(shop, {"llm": {"api_key": LLM_KEY}, "crm_webhook": {"secret": CRM_SECRET}})
        await old.update_config(shop, {"persona": "Sou a Ana"})  # a second version, sealed with OLD too
    rotated = SellerProfiles(repository, SettingsSecrets(f"{NEW},{OLD}"))
    await rotated.update_config("loja-a", {"persona": "Sou a Bia"})  # the latest, already under NEW
    await repository.save_config("loja-c", 0, {"llm": {"api_key": LLM_KEY}}, ["llm"], "loja-c")  # from before sealing
    before = await _history(repository, 6)
    assert sum(1 for settings in before if LLM_KEY in json.dumps(settings)) == 1

    done = subprocess.run([sys.executable, "-m", "chatbot.reseal"], cwd=tmp_path, capture_output=True, text=True,
                          timeout=120, check=False,
                          env={"DATABASE_URL": own_database, "SECRETS_KEY": f"{NEW},{OLD}", "PATH": "/usr/bin"})
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.startswith("chatbot_config_versions.settings: 6 read, 5 resealed with the first key of "
                                  "SECRETS_KEY, 1 already were"), done.stdout

    new_only = SettingsSecrets(NEW)
    after = await _history(repository, 6)
    for settings in after:
        assert LLM_KEY not in json.dumps(settings) and CRM_SECRET not in json.dumps(settings)
        opened = new_only.open(settings)
        assert opened["llm"]["api_key"] == LLM_KEY
        with pytest.raises(InvalidToken):
            SettingsSecrets(OLD).open(settings)
    # Only the ciphertext changed: every version still says what it said.
    assert [new_only.open(s) for s in after] == [SettingsSecrets(f"{NEW},{OLD}").open(s) for s in before]
    assert (await SellerProfiles(repository, new_only).config("loja-b")).settings.llm.api_key == LLM_KEY

    again = await reseal_config_versions(repository, SettingsSecrets(f"{NEW},{OLD}"))
    assert (again.rows, again.rewritten, again.unreadable) == (6, 0, [])


async def test_a_version_no_key_opens_is_reported_and_the_others_are_resealed(repository: ChatbotRepository) -> None:
    await SellerProfiles(repository, SettingsSecrets(LOST)).update_config("loja-x", {"llm": {"api_key": LLM_KEY}})
    await SellerProfiles(repository, SettingsSecrets(OLD)).update_config("loja-y", {"llm": {"api_key": LLM_KEY}})
    report = await reseal_config_versions(repository, SettingsSecrets(f"{NEW},{OLD}"), batch=1)
    lost_row, kept_row = await repository.config_versions_after(0, 10)
    assert report.unreadable == [str(lost_row.id)] and report.rewritten == 1
    assert "1 open with no key" in report.summary()
    assert SettingsSecrets(LOST).open(lost_row.settings)["llm"]["api_key"] == LLM_KEY  # left as it was
    assert SettingsSecrets(NEW).open(kept_row.settings)["llm"]["api_key"] == LLM_KEY
