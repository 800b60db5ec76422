"""Typed settings of the channel-adapter service, composed from the libs' fragments.

The platform variables (EVOLUTION_*, CHATWOOT_*, INSTAGRAM_*, TELEGRAM_*) describe the *default* channel
account: the one used for single-seller installs and `make run`, owned by DEFAULT_SELLER_USER_ID. Sellers
register further accounts with `/seller-bot/channels`; those live encrypted in the database.
"""

from __future__ import annotations

from enum import StrEnum

from pydantic import Field, model_validator
from pydantic_settings import SettingsConfigDict
from sellerbot_database import DatabaseSettings
from sellerbot_messaging import MessagingSettings
from sellerbot_telemetry import TelemetrySettings


class Environment(StrEnum):
    DEVELOPMENT = "development"
    PRODUCTION = "production"


class EvolutionApiVersion(StrEnum):
    V1 = "v1"
    V2 = "v2"


class ServiceSettings(TelemetrySettings, MessagingSettings, DatabaseSettings):
    model_config = SettingsConfigDict(env_file=".env", env_prefix="", extra="ignore")

    environment: Environment = Environment.DEVELOPMENT
    channel_adapter_grpc_addr: str = "127.0.0.1:50053"
    channel_adapter_metrics_port: int = 9103

    secrets_key: str = Field(
        default="", description="Encrypts stored channel secrets (comma-separated: first encrypts, all decrypt)"
    )
    default_seller_user_id: str = Field(
        default="", description="Owner of the default (env) channel account; empty = the single seller"
    )

    evolution_api_url: str = "http://127.0.0.1:8081"
    evolution_api_key: str = ""
    evolution_webhook_secret: str = ""
    evolution_api_version: EvolutionApiVersion = EvolutionApiVersion.V2
    evolution_instance: str = Field(default="default", description="Instance used when a reply names none")

    chatwoot_url: str = "http://127.0.0.1:3000"
    chatwoot_api_token: str = ""
    chatwoot_webhook_secret: str = ""
    chatwoot_require_signature: bool = Field(
        default=True, description="With a secret set, refuse unsigned deliveries (Chatwoot < 4.11.2 signs none)"
    )
    chatwoot_account_id: str = Field(default="1", description="Chatwoot account used when a reply names none")
    chatwoot_bot_mode: bool = Field(
        default=False, description="Answer only conversations still `pending` (agent-bot inboxes)"
    )

    instagram_graph_url: str = "https://graph.instagram.com/v23.0"
    instagram_access_token: str = ""
    instagram_app_secret: str = ""
    instagram_verify_token: str = ""

    telegram_api_url: str = "https://api.telegram.org"
    telegram_bot_token: str = ""
    telegram_secret_token: str = ""

    accept_group_chats: bool = Field(default=False, description="Answer WhatsApp groups and Telegram groups")

    outbound_max_attempts: int = Field(default=5, ge=1, le=20)
    outbound_backoff_initial_seconds: float = Field(default=0.5, gt=0)
    outbound_backoff_max_seconds: float = Field(default=30.0, gt=0)
    outbound_retry_after_max_seconds: float = Field(default=60.0, gt=0)
    outbound_timeout_seconds: float = Field(default=10.0, gt=0)
    circuit_failure_threshold: int = Field(default=5, ge=1)
    circuit_recovery_seconds: float = Field(default=30.0, gt=0)
    instagram_window_hours: float = Field(default=24.0, gt=0)

    @model_validator(mode="after")
    def _refuse_unsafe_secrets(self) -> ServiceSettings:
        if self.environment is Environment.PRODUCTION and len(self.secrets_key) < 16:
            raise ValueError("SECRETS_KEY must be set (at least 16 characters) in production")
        return self

    @property
    def development(self) -> bool:
        return self.environment is Environment.DEVELOPMENT
