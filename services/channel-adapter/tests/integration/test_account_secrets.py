"""An account sealed with another SECRETS_KEY is skipped (logged, counted); the other accounts keep working."""

from __future__ import annotations

from pathlib import Path

from channel_adapter.adapters.account_repository import AccountRepository
from channel_adapter.adapters.secret_box import SecretBox
from channel_adapter.domain.channels import Platform
from sellerbot_database import create_engine, run_migrations, session_factory

MIGRATIONS = Path(__file__).resolve().parents[2] / "channel_adapter" / "migrations"


async def test_an_account_that_does_not_decrypt_does_not_hide_the_others(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite:///{tmp_path / 'accounts.db'}")
    await run_migrations(engine, MIGRATIONS, "alembic_version_channel_adapter")
    sessions = session_factory(engine)
    old = AccountRepository(sessions, SecretBox("an-old-key-" + "o" * 32))
    await old.register("seller-a", Platform.EVOLUTION, "loja-a", "Loja A", {}, {"api_key": "a"})
    current = AccountRepository(sessions, SecretBox("the-current-key-" + "c" * 32))
    await current.register("seller-b", Platform.EVOLUTION, "loja-b", "Loja B", {}, {"api_key": "b"})

    accounts = await current.all()

    assert [(a.user_id, a.account_key, a.secrets) for a in accounts] == [("seller-b", "loja-b", {"api_key": "b"})]
    assert await current.for_user("seller-a") == []
    await engine.dispose()
