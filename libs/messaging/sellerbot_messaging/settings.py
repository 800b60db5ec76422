"""Messaging settings fragment, composed into each service's settings."""

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class MessagingSettings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore")

    nats_url: str = Field(default="nats://127.0.0.1:4222", description="NATS server with JetStream")
    nats_namespace: str = Field(
        default="",
        description="Optional prefix for stream names and subjects, so several environments "
        "(or test runs) can share one NATS server without seeing each other's events.",
    )
