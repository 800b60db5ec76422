"""The body of every service's Alembic env.py: migrate on the connection handed over by run_migrations."""

from __future__ import annotations

from alembic import context
from sqlalchemy import MetaData


def run_migrations_online(target_metadata: MetaData) -> None:
    connection = context.config.attributes["connection"]
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        version_table=context.config.attributes["version_table"],
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()
