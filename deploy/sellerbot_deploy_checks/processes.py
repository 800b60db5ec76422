"""The five Seller Bot processes as the deployment files see them: package, module, ports, settings class."""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from pathlib import Path

from pydantic_settings import BaseSettings

REPO_ROOT = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class Process:
    name: str  # compose service, image and Helm name: gateway, automation, channel-adapter, ...
    module: str  # `python -m <module>`
    source_dir: str  # workspace member folder, relative to the repository root
    port: int  # gRPC port, or the gateway's HTTP port
    metrics_port: int  # where Prometheus scrapes /metrics (the gateway: its internal GATEWAY_METRICS_PORT)
    settings_path: str  # "module:Class"
    helm_key: str  # key in helm/seller-bot/values.yaml

    @property
    def package(self) -> str:
        return f"sellerbot-{self.name}"

    @property
    def env_prefix(self) -> str:
        return self.name.upper().replace("-", "_")

    @property
    def is_grpc(self) -> bool:
        return self.name != "gateway"

    def settings_class(self) -> type[BaseSettings]:
        module_name, class_name = self.settings_path.split(":")
        cls: type[BaseSettings] = getattr(importlib.import_module(module_name), class_name)
        return cls

    def settings_env_names(self) -> set[str]:
        """Environment variable names the process reads (pydantic-settings fields, no prefix)."""
        names = set()
        for field_name, info in self.settings_class().model_fields.items():
            names.add(field_name.upper())
            if isinstance(info.alias, str):
                names.add(info.alias.upper())
        return names


GATEWAY = Process("gateway", "api_gateway", "gateway", 8000, 9100, "api_gateway.settings:GatewaySettings", "gateway")
SERVICES = (
    Process("automation", "automation", "services/automation", 50051, 9101,
            "automation.settings:ServiceSettings", "automation"),
    Process("chatbot", "chatbot", "services/chatbot", 50052, 9102, "chatbot.settings:ServiceSettings", "chatbot"),
    Process("channel-adapter", "channel_adapter", "services/channel-adapter", 50053, 9103,
            "channel_adapter.settings:ServiceSettings", "channelAdapter"),
    Process("notification", "notification", "services/notification", 50054, 9104,
            "notification.settings:ServiceSettings", "notification"),
)
PROCESSES = (GATEWAY, *SERVICES)

# The configuration names of the brief (DEVELOPERS.md): deployment files may set these even before the
# owning service reads them.
BRIEF_CONFIG_NAMES = frozenset(
    [
        "DATABASE_URL", "REDIS_URL", "NATS_URL", "JWT_SECRET", "OPENAI_BASE_URL", "OPENAI_API_KEY",
        "OPENAI_MODEL", "CHATWOOT_URL", "CHATWOOT_API_TOKEN", "CHATWOOT_WEBHOOK_SECRET", "EVOLUTION_API_URL",
        "EVOLUTION_API_KEY", "INSTAGRAM_GRAPH_URL", "INSTAGRAM_ACCESS_TOKEN", "INSTAGRAM_APP_SECRET",
        "INSTAGRAM_VERIFY_TOKEN", "TELEGRAM_API_URL", "TELEGRAM_BOT_TOKEN", "TELEGRAM_SECRET_TOKEN",
        "SELLER_CENTER_URL", "SECRETS_KEY", "DATA_DIR", "EVOLUTION_WEBHOOK_SECRET", "ENVIRONMENT",
        "METRICS_HOST", "LOG_LEVEL", "LOG_FORMAT", "OTEL_TRACES_EXPORTER", "OTEL_EXPORTER_OTLP_ENDPOINT",
        "AUTOMATION_GRPC_ADDR", "CHATBOT_GRPC_ADDR", "CHANNEL_ADAPTER_GRPC_ADDR", "NOTIFICATION_GRPC_ADDR"
    ]
)
