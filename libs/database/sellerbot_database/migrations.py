"""Run a service's Alembic migrations programmatically at start (each service has its own version table)."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, text
from sqlalchemy.ext.asyncio import AsyncEngine


async def run_migrations(engine: AsyncEngine, script_location: Path, version_table: str) -> None:
    config = Config()
    config.set_main_option("script_location", str(script_location))
    config.attributes["version_table"] = version_table
    async with engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            # Two replicas starting together must not both create the same tables.
            await connection.execute(text("SELECT pg_advisory_xact_lock(hashtext(:t))"), {"t": version_table})
        await connection.run_sync(_upgrade, config)


def _upgrade(connection: Connection, config: Config) -> None:
    config.attributes["connection"] = connection
    command.upgrade(config, "head")
