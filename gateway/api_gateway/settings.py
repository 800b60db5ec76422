"""Typed settings of the gateway, composed from the libs' fragments; unsafe secrets refuse to start in production."""

from __future__ import annotations

import ipaddress
from enum import StrEnum
from functools import cached_property

from pydantic import Field, model_validator
from pydantic_settings import SettingsConfigDict
from sellerbot_database import DatabaseSettings
from sellerbot_telemetry import TelemetrySettings

DEV_JWT_SECRET = "dev-only-jwt-secret-change-me-0123456789"
DEV_ADMIN_PASSWORD = "admin12345"


class Environment(StrEnum):
    DEVELOPMENT = "development"
    PRODUCTION = "production"


class GatewaySettings(TelemetrySettings, DatabaseSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore")

    environment: Environment = Environment.DEVELOPMENT
    gateway_host: str = "127.0.0.1"
    gateway_port: int = 8000

    jwt_secret: str = ""
    access_token_minutes: int = Field(default=15, ge=1, le=24 * 60)
    refresh_token_days: int = Field(default=7, ge=1, le=90)
    invitation_ttl_hours: int = Field(default=72, ge=1, le=30 * 24, description="How long a team invitation works")
    ws_membership_check_seconds: float = Field(
        default=30.0, gt=0, le=3600, description="How often an open WebSocket re-checks its member (removed: closed)")
    admin_email: str = "admin@sellerbot.local"
    admin_password: str = ""

    redis_url: str = "redis://127.0.0.1:6379/0"
    nats_url: str = "nats://127.0.0.1:4222"

    rate_limit_webhooks: str = "100/minute"
    rate_limit_api: str = "30/minute"
    rate_limit_bot_control: str = "5/minute"
    login_failure_limit: str = Field(
        default="5/15 minutes",
        description="Failed logins per e-mail (any client) before that e-mail's logins get 429 until the window has "
        "room; a successful login clears the count")
    trusted_proxies: str = Field(default="", description="Comma-separated IPs/CIDRs allowed to set X-Forwarded-For")
    max_body_bytes: int = Field(default=1024 * 1024, ge=1024)

    automation_grpc_addr: str = "127.0.0.1:50051"
    chatbot_grpc_addr: str = "127.0.0.1:50052"
    channel_adapter_grpc_addr: str = "127.0.0.1:50053"
    notification_grpc_addr: str = "127.0.0.1:50054"
    service_metrics_urls: str = Field(
        default="automation=http://127.0.0.1:9101/metrics,chatbot=http://127.0.0.1:9102/metrics,"
        "channel-adapter=http://127.0.0.1:9103/metrics,notification=http://127.0.0.1:9104/metrics",
        description="name=url pairs scraped and merged into the gateway's /metrics",
    )
    metrics_token: str = Field(
        default="", description="Bearer token that unlocks /metrics on the public port; empty = not served there")
    gateway_metrics_port: int = Field(
        default=9100, ge=0, le=65535,
        description="Internal port serving /metrics without a token (0 = off); binds METRICS_HOST")
    metrics_host: str = Field(default="127.0.0.1", description="Interface of GATEWAY_METRICS_PORT")
    grpc_timeout_seconds: float = 30.0
    webhook_call_slots: int = Field(
        default=2, ge=1, le=64,
        description="HandleWebhooks calls in flight at once; webhooks arriving while all are busy travel together")
    frontend_dist: str = Field(default="frontend/dist", description="Built dashboard served at /")

    @model_validator(mode="after")
    def _refuse_unsafe_secrets(self) -> GatewaySettings:
        if self.environment is Environment.PRODUCTION:
            if len(self.jwt_secret) < 32 or self.jwt_secret == DEV_JWT_SECRET:
                raise ValueError("JWT_SECRET must be set to at least 32 random characters in production")
            if not self.admin_password or self.admin_password == DEV_ADMIN_PASSWORD:
                raise ValueError("ADMIN_PASSWORD must be set to a non-default value in production")
            if self.metrics_token and len(self.metrics_token) < 16:
                raise ValueError("METRICS_TOKEN must be at least 16 characters in production (or empty)")
        return self

    @property
    def effective_jwt_secret(self) -> str:
        return self.jwt_secret or DEV_JWT_SECRET

    @property
    def effective_admin_password(self) -> str:
        return self.admin_password or DEV_ADMIN_PASSWORD

    @cached_property
    def trusted_proxy_networks(self) -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
        return [ipaddress.ip_network(p.strip(), strict=False) for p in self.trusted_proxies.split(",") if p.strip()]

    @property
    def metrics_targets(self) -> dict[str, str]:
        pairs = (item.split("=", 1) for item in self.service_metrics_urls.split(",") if "=" in item)
        return {name.strip(): url.strip() for name, url in pairs}
