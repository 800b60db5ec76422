"""Typed settings of the chatbot service, composed from the libs' fragments."""

from pydantic import Field
from pydantic_settings import SettingsConfigDict
from sellerbot_database import DatabaseSettings
from sellerbot_messaging import MessagingSettings
from sellerbot_telemetry import TelemetrySettings

DATABASE_POOL_SIZE = 20  # connections each replica keeps open on PostgreSQL


class ServiceSettings(TelemetrySettings, MessagingSettings, DatabaseSettings):
    model_config = SettingsConfigDict(env_file=".env", env_prefix="", extra="ignore")

    chatbot_grpc_addr: str = "127.0.0.1:50052"
    chatbot_metrics_port: int = 9102
    redis_url: str = Field(default="redis://127.0.0.1:6379/0", description="Contexts and sessions")
    openai_base_url: str = Field(default="", description="Any OpenAI-compatible server; empty = api.openai.com")
    openai_api_key: str = Field(default="", description="Empty = offline responder only")
    openai_model: str = Field(default="gpt-4o-mini")
    secrets_key: str = Field(
        default="", description="Encrypts the secrets in the bot settings at rest (comma-separated: first encrypts)")
    llm_timeout_seconds: float = Field(default=8.0, gt=0, le=120)
    llm_breaker_failures: int = Field(default=3, ge=1, description="Failures in a row that open the circuit")
    llm_breaker_open_seconds: float = Field(default=30.0, gt=0, description="How long an open circuit skips the LLM")
    chatbot_idle_sweep_seconds: float = Field(default=30.0, gt=0, description="Idle handoff release check period")
    chatbot_replica_id: str = Field(
        default="", description="This replica's name in the partition leases; empty = host-pid-random")
    crm_webhook_max_attempts: int = Field(default=5, ge=1, le=20, description="Per delivery, then a dead letter")
    crm_webhook_backoff_seconds: float = Field(default=1.0, gt=0, le=60, description="First retry delay (doubles)")
    crm_webhook_backoff_max_seconds: float = Field(default=30.0, gt=0, le=600)
    crm_webhook_timeout_seconds: float = Field(default=5.0, gt=0, le=60)
    crm_merge_purge_seconds: float = Field(
        default=3600.0, gt=0,
        description="How often merges past the undo window lose their snapshot and merged contact")
    channel_adapter_grpc_addr: str = Field(
        default="127.0.0.1:50053", description="The CRM's erasure deletes the person's dead letters there")
    chatbot_database_pool_size: int = Field(
        default=DATABASE_POOL_SIZE, ge=1, le=200,
        description="PostgreSQL connections each replica keeps open (prepared at start; up to 10 more in a burst)")
    chatbot_partition_lease_seconds: float = Field(
        default=6.0, ge=1, le=120,
        description="How long a dead replica's inbound partitions stay unconsumed before another takes them")
