"""Migrations at start: several replicas starting together on one PostgreSQL database all come up."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest
from alembic.script import ScriptDirectory
from sellerbot_database import create_engine, run_migrations
from sellerbot_devstack.pytest_plugin import admin_statement
from sellerbot_devstack.servers import Servers
from sqlalchemy import text

GATEWAY_MIGRATIONS = Path(__file__).resolve().parents[3] / "gateway" / "api_gateway" / "migrations"


@pytest.fixture
def fresh_database(servers: Servers) -> Iterator[str]:
    name = f"sellerbot_mig_{uuid.uuid4().hex[:10]}"
    asyncio.run(admin_statement(servers.postgres_url, f'CREATE DATABASE "{name}"'))
    yield urlunsplit(urlsplit(servers.postgres_url)._replace(path=f"/{name}"))
    asyncio.run(admin_statement(servers.postgres_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


async def test_replicas_migrating_at_once_all_succeed(fresh_database: str) -> None:
    engines = [create_engine(fresh_database) for _ in range(4)]
    try:
        await asyncio.gather(*(run_migrations(e, GATEWAY_MIGRATIONS, "alembic_version_gateway") for e in engines))
        async with engines[0].connect() as connection:
            version = (await connection.execute(text("SELECT version_num FROM alembic_version_gateway"))).scalar()
        assert version == ScriptDirectory(str(GATEWAY_MIGRATIONS)).get_current_head()
    finally:
        for engine in engines:
            await engine.dispose()


async def test_sqlite_urls_are_accepted_as_people_write_them(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite:///{tmp_path / 'g.db'}")
    try:
        await run_migrations(engine, GATEWAY_MIGRATIONS, "alembic_version_gateway")
        await run_migrations(engine, GATEWAY_MIGRATIONS, "alembic_version_gateway")  # idempotent at every start
        async with engine.connect() as connection:
            tables = (await connection.execute(text("SELECT name FROM sqlite_master WHERE type='table'"))).scalars()
            assert "gateway_users" in set(tables)
    finally:
        await engine.dispose()
