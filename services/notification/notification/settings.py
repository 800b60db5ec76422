"""Typed settings of the notification service, composed from the libs' fragments."""

from __future__ import annotations

import os
import socket

from pydantic import Field, model_validator
from pydantic_settings import SettingsConfigDict
from sellerbot_messaging import MessagingSettings
from sellerbot_telemetry import TelemetrySettings


def _default_replica_id() -> str:
    return f"{socket.gethostname()}-{os.getpid()}"


class ServiceSettings(TelemetrySettings, MessagingSettings):
    model_config = SettingsConfigDict(env_file=".env", env_prefix="", extra="ignore")

    notification_grpc_addr: str = "127.0.0.1:50054"
    notification_metrics_port: int = 9104
    notification_replica_id: str = Field(default_factory=_default_replica_id,
                                         description="Name of this replica in logs and stats")
    notification_retention_seconds: float = Field(default=900, ge=60,
                                                  description="Resume window: how long notifications are kept")
    notification_retention_per_user: int = Field(default=1000, ge=10,
                                                 description="Resume window: notifications kept per user")
    notification_retention_max_bytes: int = Field(default=256 * 1024**2, ge=1024**2)
    notification_catch_up_seconds: float = Field(
        default=300, ge=0,
        description="At start, translate the source events of this many past seconds (events published "
        "while every replica was down); already-stored ones are deduplicated by JetStream",
    )
    notification_max_pending: int = Field(
        default=1000, ge=1, description="Notifications queued per connection before it is closed as a slow client"
    )
    notification_heartbeat_seconds: float = Field(
        default=20, gt=0, description="A heartbeat control message after this many seconds of silence"
    )
    notification_consumer_heartbeat_seconds: float = Field(
        default=2, gt=0, description="Idle heartbeat of the JetStream consumers: a stall is detected in 2.5x"
    )

    @model_validator(mode="after")
    def _catch_up_inside_dedupe_window(self) -> ServiceSettings:
        # Republishing an event older than the duplicate window would store it twice.
        limit = self.notification_retention_seconds - 60
        if self.notification_catch_up_seconds > limit:
            self.notification_catch_up_seconds = max(0.0, limit)
        return self

    @property
    def stale_after_seconds(self) -> float:
        """Source events older than this are never translated (a lagging replica would duplicate them)."""
        return self.notification_retention_seconds - 30
