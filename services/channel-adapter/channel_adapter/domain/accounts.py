"""Channel accounts: which seller owns which Evolution instance, Chatwoot account, IG account or Telegram bot.

Secrets (API keys, tokens, webhook secrets) travel here in clear; adapters/ encrypts them at rest.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from channel_adapter.domain.channels import Platform
from channel_adapter.domain.errors import InvalidAccount

# Secret names per platform; the first ones are required to send replies.
SECRET_FIELDS: dict[Platform, tuple[str, ...]] = {
    Platform.EVOLUTION: ("api_key", "webhook_secret"),
    Platform.CHATWOOT: ("api_token", "webhook_secret"),
    Platform.INSTAGRAM: ("access_token", "app_secret", "verify_token"),
    Platform.TELEGRAM: ("bot_token", "secret_token"),
}
REQUIRED_SECRETS: dict[Platform, tuple[str, ...]] = {
    Platform.EVOLUTION: ("api_key",),
    Platform.CHATWOOT: ("api_token",),
    Platform.INSTAGRAM: ("access_token", "app_secret"),
    Platform.TELEGRAM: ("bot_token", "secret_token"),
}
SETTING_FIELDS: dict[str, type] = {
    "base_url": str,            # Evolution server, Chatwoot instance, Graph API (with version), Bot API
    "api_version": str,         # Evolution: v2 (default) | v1
    "require_signature": bool,  # Chatwoot: refuse unsigned deliveries when a webhook secret is set
    "bot_mode": bool,           # Chatwoot: answer only `pending` conversations
    "accept_group_chats": bool,
}
DEFAULT_ACCOUNT_ID = "default"


@dataclass(frozen=True)
class ChannelAccount:
    id: str
    user_id: str
    platform: Platform
    account_key: str
    display_name: str = ""
    settings: dict[str, Any] = field(default_factory=dict)
    secrets: dict[str, str] = field(default_factory=dict)
    created_at: datetime | None = None

    @property
    def is_default(self) -> bool:
        """The account built from environment variables (single seller, `make run`)."""
        return self.id == DEFAULT_ACCOUNT_ID

    @property
    def circuit_name(self) -> str:
        return f"{self.platform.value}:{self.id}:{self.account_key}"

    def secret(self, name: str) -> str:
        return self.secrets.get(name, "")

    def setting(self, name: str, default: Any = None) -> Any:
        value = self.settings.get(name)
        return default if value is None or value == "" else value


def validate_registration(
    platform_name: str, account_key: str, settings: dict[str, Any], secrets: dict[str, str]
) -> dict[str, str]:
    """Field violations of a registration (empty when it is valid)."""
    violations: dict[str, str] = {}
    try:
        platform = Platform(platform_name)
    except ValueError:
        return {"channel": "must be one of evolution, chatwoot, instagram, telegram"}
    if not account_key.strip():
        violations["account_key"] = "must not be empty"
    for name in secrets:
        if name not in SECRET_FIELDS[platform]:
            allowed = ", ".join(SECRET_FIELDS[platform])
            violations[f"secrets.{name}"] = f"unknown secret; {platform.value} takes {allowed}"
    for name in REQUIRED_SECRETS[platform]:
        if not secrets.get(name):
            violations[f"secrets.{name}"] = "required"
    for name, value in settings.items():
        expected = SETTING_FIELDS.get(name)
        if expected is None:
            violations[f"settings.{name}"] = f"unknown setting; allowed: {', '.join(SETTING_FIELDS)}"
        elif not isinstance(value, expected):
            violations[f"settings.{name}"] = f"must be a {expected.__name__}"
    if settings.get("api_version") not in (None, "v1", "v2"):
        violations["settings.api_version"] = "must be v1 or v2"
    base_url = settings.get("base_url")
    if isinstance(base_url, str) and not base_url.startswith(("http://", "https://")):
        violations["settings.base_url"] = "must be an http(s) URL"
    return violations


def require_valid(platform_name: str, account_key: str, settings: dict[str, Any], secrets: dict[str, str]) -> Platform:
    violations = validate_registration(platform_name, account_key, settings, secrets)
    if violations:
        raise InvalidAccount(violations)
    return Platform(platform_name)
