"""`python -m automation.reseal` after a SECRETS_KEY rotation: every profile's credentials and saved session and
every TikTok Shop authorisation end up sealed with the first key, so the old key can go; a value no key opens is
reported (exit 1) and left as it is; a second run has nothing to do."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest
from automation.adapters.repository import ProfileRepository
from automation.adapters.secrets import SecretBox
from automation.adapters.shop_store import ShopConnection, ShopConnectionRepository
from automation.components import MIGRATIONS
from automation.domain.fingerprints import fingerprint_for
from automation.domain.model import Profile, ProfileStatus
from automation.reseal import reseal_all
from automation.settings import ServiceSettings
from sellerbot_database import create_engine, run_migrations, session_factory

OLD, NEW, LOST = "the old passphrase long enough", "the new passphrase that replaces it", "a key nobody has now"
CREDENTIALS = {"login": "seller@example.com", "password": "hunter2", "proxy": ""}
SESSION = {"cookies": [{"name": "sid", "value": "s3ss10n"}], "origins": []}
TOKENS = {"access_token": "tts-access", "refresh_token": "tts-refresh"}


def _profile(profile_id: str) -> Profile:
    return Profile(id=profile_id, user_id="loja-1", name=profile_id, region="BR",
                   seller_center_url="https://seller-br.tiktok.com", login_masked="se****@example.com",
                   has_proxy=False, status=ProfileStatus.VERIFIED, status_reason="",
                   fingerprint=fingerprint_for(profile_id, "pt-BR", "America/Sao_Paulo"), daily_caps={},
                   active_hours="", created_at=datetime.now(UTC))


async def test_the_command_reseals_credentials_sessions_and_shop_tokens_with_the_first_key(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'automation.db'}"
    engine = create_engine(url)
    await run_migrations(engine, MIGRATIONS, "alembic_version_automation")
    profiles, shops = ProfileRepository(session_factory(engine)), ShopConnectionRepository(session_factory(engine))
    old, rotated = SecretBox(OLD), SecretBox(f"{NEW},{OLD}")
    await profiles.add(_profile("p-old"), old.seal(CREDENTIALS))
    await profiles.save_session("p-old", old.seal(SESSION))
    await profiles.add(_profile("p-new"), rotated.seal(CREDENTIALS))  # saved after the rotation: left alone
    await profiles.add(_profile("p-lost"), SecretBox(LOST).seal(CREDENTIALS))
    now = datetime.now(UTC)
    await shops.save(ShopConnection("p-old", "loja-1", "shop-1", "Loja", "BR", "cipher", old.seal(TOKENS), now, now))

    done = subprocess.run([sys.executable, "-m", "automation.reseal"], cwd=tmp_path, capture_output=True, text=True,
                          timeout=120, check=False,
                          env={"DATABASE_URL": url, "SECRETS_KEY": f"{NEW},{OLD}", "PATH": "/usr/bin"})
    assert done.returncode == 1, done.stdout + done.stderr  # p-lost opens with no key
    assert done.stdout.splitlines() == [
        "automation_profiles.credentials_enc: 3 read, 1 resealed with the first key of SECRETS_KEY, 1 already were "
        "or changed meanwhile, 1 open with no key (ids ['p-lost'])",
        "automation_profiles.session_state_enc: 1 read, 1 resealed with the first key of SECRETS_KEY, 0 already "
        "were or changed meanwhile",
        "automation_shop_connections.tokens_enc: 1 read, 1 resealed with the first key of SECRETS_KEY, 0 already "
        "were or changed meanwhile",
    ]

    new_only = SecretBox(NEW)
    credentials, session = await profiles.encrypted_secrets("p-old")
    connection = await shops.get("p-old")
    assert connection is not None and session is not None
    for token, value in ((credentials, CREDENTIALS), (session, SESSION), (connection.tokens_enc, TOKENS)):
        assert new_only.open(token) == value
        with pytest.raises(ValueError, match="SECRETS_KEY"):
            old.open(token)
    assert SecretBox(LOST).open((await profiles.encrypted_secrets("p-lost"))[0]) == CREDENTIALS  # untouched

    settings = ServiceSettings(_env_file=None, database_url=url, secrets_key=f"{NEW},{OLD}")  # type: ignore[call-arg]
    assert [report.rewritten for report in await reseal_all(settings)] == [0, 0, 0]
    await engine.dispose()
