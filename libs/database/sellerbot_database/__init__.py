"""Database access for services that own tables: engine from DATABASE_URL and migrations at start."""

from sellerbot_database.engine import async_url, create_engine, session_factory
from sellerbot_database.migrations import run_migrations
from sellerbot_database.reencryption import ReencryptionReport, reencrypt_column
from sellerbot_database.settings import DatabaseSettings

__all__ = ["DatabaseSettings", "ReencryptionReport", "async_url", "create_engine", "reencrypt_column", "run_migrations",
           "session_factory"]
