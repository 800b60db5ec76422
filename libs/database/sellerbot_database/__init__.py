"""Database access for services that own tables: engine from DATABASE_URL and migrations at start."""

from sellerbot_database.engine import async_url, create_engine, session_factory
from sellerbot_database.migrations import run_migrations
from sellerbot_database.settings import DatabaseSettings

__all__ = ["DatabaseSettings", "async_url", "create_engine", "run_migrations", "session_factory"]
