"""Typed settings of the automation service, composed from the libs' fragments."""

from pydantic_settings import SettingsConfigDict
from sellerbot_database import DatabaseSettings
from sellerbot_messaging import MessagingSettings
from sellerbot_telemetry import TelemetrySettings


class ServiceSettings(TelemetrySettings, MessagingSettings, DatabaseSettings):
    model_config = SettingsConfigDict(env_file=".env", env_prefix="", extra="ignore")

    automation_grpc_addr: str = "127.0.0.1:50051"
    automation_metrics_port: int = 9101
