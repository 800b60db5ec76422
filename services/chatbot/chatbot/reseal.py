"""`python -m chatbot.reseal`: after a SECRETS_KEY rotation, seal the secrets of every stored version of every
shop's bot settings with the first key. The history is append-only, so a save only seals the new version; the
old ones keep the key they were sealed with until this runs. Safe while the service runs (it only appends).

Prints one summary line; exits 1 when some version opens with no key of SECRETS_KEY (their ids are listed, the
others are resealed anyway), 0 otherwise. Running it again finds nothing to do.
"""

from __future__ import annotations

import asyncio
import sys

from cryptography.fernet import InvalidToken
from sellerbot_database import ReencryptionReport, session_factory

from chatbot.adapters.repository.config import ConfigStore
from chatbot.adapters.secret_box import SettingsSecrets
from chatbot.main import SERVICE_NAME, _engine
from chatbot.settings import ServiceSettings

BATCH = 200


async def reseal_config_versions(
    store: ConfigStore, secrets: SettingsSecrets, batch: int = BATCH,
) -> ReencryptionReport:
    """The same walk as `sellerbot_database.reencrypt_column`, over JSON settings with the secrets inside; no
    compare-and-set, since a version never changes once written."""
    report = ReencryptionReport("chatbot_config_versions.settings")
    after = 0
    while rows := await store.config_versions_after(after, batch):
        resealed = {}
        for row in rows:
            try:
                settings = secrets.reseal(row.settings)
            except InvalidToken:
                report.unreadable.append(str(row.id))
                continue
            if settings is not None:
                resealed[row.id] = settings
        await store.replace_sealed_settings(resealed)
        report.rows += len(rows)
        report.rewritten += len(resealed)
        after = rows[-1].id
    return report


async def _run(settings: ServiceSettings) -> ReencryptionReport:
    engine = _engine(settings.url_for(SERVICE_NAME))
    try:
        return await reseal_config_versions(ConfigStore(session_factory(engine)), SettingsSecrets(settings.secrets_key))
    finally:
        await engine.dispose()


def main() -> None:
    report = asyncio.run(_run(ServiceSettings()))
    print(report.summary())
    sys.exit(1 if report.unreadable else 0)


if __name__ == "__main__":
    main()
