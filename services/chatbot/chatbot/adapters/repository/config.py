"""The seller's bot configuration: an append-only list of versions."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

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

