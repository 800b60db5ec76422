"""Telemetry settings fragment, composed into each service's settings."""

from enum import StrEnum

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class TraceExporter(StrEnum):
    NONE = "none"
    CONSOLE = "console"
    OTLP = "otlp"


class LogFormat(StrEnum):
    JSON = "json"
    CONSOLE = "console"


class TelemetrySettings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore")

    otel_traces_exporter: TraceExporter = Field(
        default=TraceExporter.NONE, description="none | console | otlp (OTEL_TRACES_EXPORTER)"
    )
    otel_exporter_otlp_endpoint: str = Field(
        default="http://127.0.0.1:4317", description="OTLP gRPC collector endpoint"
    )
    metrics_host: str = Field(
        default="127.0.0.1", description="Interface of the /metrics port (METRICS_HOST; 0.0.0.0 in containers)"
    )
    log_level: str = "INFO"
    log_format: LogFormat = LogFormat.JSON
