"""Typed settings of the automation service, composed from the libs' fragments."""

from __future__ import annotations

from enum import StrEnum

from pydantic import Field, model_validator
from pydantic_settings import SettingsConfigDict
from sellerbot_database import DatabaseSettings
from sellerbot_messaging import MessagingSettings
from sellerbot_telemetry import TelemetrySettings

DEV_SECRETS_KEY = "dev-only-secrets-key-change-me"


class Environment(StrEnum):
    DEVELOPMENT = "development"
    PRODUCTION = "production"


class ServiceSettings(TelemetrySettings, MessagingSettings, DatabaseSettings):
    model_config = SettingsConfigDict(env_file=".env", env_prefix="", extra="ignore")

    environment: Environment = Environment.DEVELOPMENT
    automation_grpc_addr: str = "127.0.0.1:50051"
    automation_metrics_port: int = 9101
    chatbot_grpc_addr: str = "127.0.0.1:50052"
    redis_url: str = "redis://127.0.0.1:6379/0"
    seller_center_url: str = Field(default="http://127.0.0.1:8090", description="Default Seller Center base URL")
    secrets_key: str = Field(default="", description="Encrypts credentials and sessions at rest (SECRETS_KEY)")

    chromium_path: str = "/usr/bin/chromium"
    browser_headless: bool = True
    browser_recycle_after_tasks: int = Field(default=25, ge=1, description="Relaunch Chromium every N tasks")
    worker_max_parallel_profiles: int = Field(default=2, ge=1, le=32)
    worker_autostart: bool = Field(default=True, description="Resume workers that were running before a restart")
    worker_poll_seconds: float = Field(default=2.0, gt=0)
    profile_lease_seconds: int = Field(default=120, ge=10)
    crash_retry_limit: int = Field(default=3, ge=0, description="Re-queues of a task orphaned by a dead worker")
    step_retry_attempts: int = Field(default=3, ge=1)
    step_retry_backoff_seconds: float = Field(default=2.0, ge=0)
    step_timeout_seconds: float = Field(default=15.0, gt=0, description="Playwright wait per page action")
    verify_timeout_seconds: float = Field(default=25.0, gt=0)
    pending_2fa_seconds: float = Field(default=300.0, gt=0, description="How long a login waits for its code")
    artifacts_keep: int = Field(default=200, ge=1, description="Failed tasks whose artifacts are kept")

    tiktok_shop_app_key: str = Field(default="", description="TikTok Shop partner app key (empty: API sync off)")
    tiktok_shop_app_secret: str = Field(default="", description="Its app secret: signs every Open API call")
    tiktok_shop_api_url: str = "https://open-api.tiktokglobalshop.com"
    tiktok_shop_auth_url: str = "https://auth.tiktok-shops.com"
    tiktok_shop_retry_attempts: int = Field(default=5, ge=1, description="Tries per call on 429/5xx/network")
    tiktok_shop_backoff_seconds: float = Field(default=1.0, ge=0, description="First backoff; doubles per try")
    tiktok_shop_refresh_margin_seconds: int = Field(default=3600, ge=0,
                                                    description="Refresh the access token this long before expiry")
    schedule_poll_seconds: float = Field(default=15.0, gt=0, description="How often due schedules are looked for")

    @model_validator(mode="after")
    def _refuse_unsafe_secrets(self) -> ServiceSettings:
        first_key = self.secrets_key.split(",")[0].strip()  # the one that encrypts; older keys follow it
        if self.environment is Environment.PRODUCTION and (len(first_key) < 32 or first_key == DEV_SECRETS_KEY):
            raise ValueError("SECRETS_KEY must be set to at least 32 random characters in production")
        return self

    @property
    def effective_secrets_key(self) -> str:
        return self.secrets_key or DEV_SECRETS_KEY
