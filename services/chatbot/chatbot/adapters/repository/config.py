"""The seller's bot configuration: an append-only list of versions."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select, update

from chatbot.adapters.repository.base import Store, utcnow
from chatbot.adapters.tables import ConfigVersionRow


class ConfigStore(Store):
    async def latest_config(self, user_id: str) -> ConfigVersionRow | None:
        async with self._sessions() as session:
            return (await session.execute(select(ConfigVersionRow).where(
                ConfigVersionRow.user_id == user_id).order_by(ConfigVersionRow.version.desc()).limit(1)
            )).scalar_one_or_none()

    async def save_config(
        self, user_id: str, expected_version: int, settings: dict[str, Any], changed: list[str], by: str
    ) -> ConfigVersionRow:
        """Append a version; a concurrent writer with the same expected version loses (IntegrityError)."""
        async with self._sessions.begin() as session:
            row = ConfigVersionRow(user_id=user_id, version=expected_version + 1, settings=settings,
                                   changed_fields=changed, updated_by=by, created_at=utcnow())
            session.add(row)
        return row


    async def config_versions_after(self, after_id: int, limit: int) -> list[ConfigVersionRow]:
        """Every shop's versions in id order, `limit` at a time (the key rotation's re-encryption walks them)."""
        async with self._sessions() as session:
            return list((await session.execute(select(ConfigVersionRow).where(ConfigVersionRow.id > after_id)
                                               .order_by(ConfigVersionRow.id).limit(limit))).scalars())

    async def replace_sealed_settings(self, resealed: dict[int, dict[str, Any]]) -> None:
        """The one rewrite of the append-only history: the same settings with their secrets sealed again (a key
        rotation), never another content."""
        async with self._sessions.begin() as session:
            for row_id, settings in resealed.items():
                await session.execute(update(ConfigVersionRow).where(ConfigVersionRow.id == row_id)
                                      .values(settings=settings))
