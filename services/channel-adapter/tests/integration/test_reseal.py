"""`python -m channel_adapter.reseal` after a SECRETS_KEY rotation: every channel account's secrets end up sealed
with the first key, so the old key can go; an account no key opens is reported (exit 1) and left as it is."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from channel_adapter.adapters.account_repository import AccountRepository
from channel_adapter.adapters.secret_box import SecretBox
from channel_adapter.domain.channels import Platform
from channel_adapter.reseal import reseal_all
from channel_adapter.settings import ServiceSettings
from sellerbot_database import create_engine, run_migrations, session_factory

MIGRATIONS = Path(__file__).resolve().parents[2] / "channel_adapter" / "migrations"
OLD, NEW, LOST = "an-old-key-" + "o" * 32, "the-new-key-" + "n" * 32, "a-lost-key-" + "l" * 32


async def test_the_command_reseals_every_accounts_secrets_with_the_first_key(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'accounts.db'}"
    engine = create_engine(url)
    await run_migrations(engine, MIGRATIONS, "alembic_version_channel_adapter")
    sessions = session_factory(engine)
    await AccountRepository(sessions, SecretBox(OLD)).register(
        "loja-a", Platform.EVOLUTION, "loja-a", "Loja A", {}, {"api_key": "evo-a"})
    await AccountRepository(sessions, SecretBox(LOST)).register(
        "loja-b", Platform.TELEGRAM, "loja-b", "Loja B", {}, {"bot_token": "tg-b"})

    done = subprocess.run([sys.executable, "-m", "channel_adapter.reseal"], cwd=tmp_path, capture_output=True,
                          text=True, timeout=120, check=False,
                          env={"DATABASE_URL": url, "SECRETS_KEY": f"{NEW},{OLD}", "PATH": "/usr/bin"})
    assert done.returncode == 1, done.stdout + done.stderr  # loja-b's account opens with no key
    assert "channel_adapter_accounts.secrets: 2 read, 1 resealed with the first key of SECRETS_KEY" in done.stdout
    assert "1 open with no key" in done.stdout

    assert [(a.account_key, a.secrets) for a in await AccountRepository(sessions, SecretBox(NEW)).all()] == [
        ("loja-a", {"api_key": "evo-a"})]
    assert await AccountRepository(sessions, SecretBox(OLD)).all() == []
    assert [a.account_key for a in await AccountRepository(sessions, SecretBox(LOST)).all()] == ["loja-b"]

    settings = ServiceSettings(_env_file=None, database_url=url, secrets_key=f"{NEW},{OLD}")  # type: ignore[call-arg]
    assert (await reseal_all(settings)).rewritten == 0
    await engine.dispose()
