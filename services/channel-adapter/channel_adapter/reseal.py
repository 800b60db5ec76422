"""`python -m channel_adapter.reseal`: after a SECRETS_KEY rotation, seal every channel account's secrets with the
first key, so the old key can go. Safe while the service runs: an account re-registered meanwhile is left
alone. Exits 1 when an account's secrets open with no configured key (their ids are printed)."""

from __future__ import annotations

import asyncio
import sys

from cryptography.fernet import InvalidToken
from sellerbot_database import ReencryptionReport, create_engine, reencrypt_column

from channel_adapter.adapters.secret_box import SecretBox
from channel_adapter.adapters.tables import AccountRow
from channel_adapter.settings import ServiceSettings


async def reseal_all(settings: ServiceSettings) -> ReencryptionReport:
    engine = create_engine(settings.url_for("channel_adapter"))
    try:
        return await reencrypt_column(engine, AccountRow.id, AccountRow.secrets,
                                      SecretBox(settings.secrets_key).reseal, (InvalidToken,))
    finally:
        await engine.dispose()


def main() -> None:
    report = asyncio.run(reseal_all(ServiceSettings()))
    print(report.summary())
    sys.exit(1 if report.unreadable else 0)


if __name__ == "__main__":
    main()
