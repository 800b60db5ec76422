"""`python -m automation.reseal`: after a SECRETS_KEY rotation, seal every stored secret of automation (profiles'
Seller Center credentials and saved sessions, TikTok Shop tokens) with the first key, so the old key can go.
Safe while the service runs: a value it rewrote meanwhile is left alone. Exits 1 when a value opens with no
configured key (its row ids are printed, the rest is resealed anyway)."""

from __future__ import annotations

import asyncio
import sys

from cryptography.fernet import InvalidToken
from sellerbot_database import ReencryptionReport, create_engine, reencrypt_column

from automation.adapters.secrets import SecretBox
from automation.adapters.tables import ProfileRow, ShopConnectionRow
from automation.components import SERVICE_NAME
from automation.settings import ServiceSettings

SEALED_COLUMNS = ((ProfileRow.id, ProfileRow.credentials_enc), (ProfileRow.id, ProfileRow.session_state_enc),
                  (ShopConnectionRow.profile_id, ShopConnectionRow.tokens_enc))


async def reseal_all(settings: ServiceSettings) -> list[ReencryptionReport]:
    box = SecretBox(settings.effective_secrets_key)
    engine = create_engine(settings.url_for(SERVICE_NAME))
    try:
        return [await reencrypt_column(engine, key, column, box.reseal, (InvalidToken,))
                for key, column in SEALED_COLUMNS]
    finally:
        await engine.dispose()


def main() -> None:
    reports = asyncio.run(reseal_all(ServiceSettings()))
    for report in reports:
        print(report.summary())
    sys.exit(1 if any(report.unreadable for report in reports) else 0)


if __name__ == "__main__":
    main()
