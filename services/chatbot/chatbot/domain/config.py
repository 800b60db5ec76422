"""A seller's bot configuration: what it may say, when, and how it hands over; validated field by field."""

from __future__ import annotations

import re
from datetime import datetime
from enum import StrEnum
from typing import Any
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from chatbot.crm.events import CrmEventKind

_HHMM = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")
SECRET_MASK = "********"
MASK_MARK = "…"  # no API key contains it, so a value with it is a mask sent back, not a new key


class Tone(StrEnum):
    FRIENDLY = "friendly"
    FORMAL = "formal"
    CASUAL = "casual"
    ENTHUSIASTIC = "enthusiastic"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class BusinessHours(_Strict):
    enabled: bool = False
    timezone: str = "America/Sao_Paulo"
    weekdays: list[int] = Field(default_factory=lambda: [0, 1, 2, 3, 4], description="0 = Monday")
    open: str = "09:00"
    close: str = "18:00"

    def is_open(self, now: datetime) -> bool:
        if not self.enabled:
            return True
        local = now.astimezone(ZoneInfo(self.timezone))
        hhmm = local.strftime("%H:%M")
        return local.weekday() in self.weekdays and self.open <= hhmm < self.close

    @field_validator("weekdays")
    @classmethod
    def _days(cls, value: list[int]) -> list[int]:
        if any(d < 0 or d > 6 for d in value):
            raise ValueError("weekdays are 0 (Monday) to 6 (Sunday)")
        return sorted(set(value))

    @field_validator("open", "close")
    @classmethod
    def _time(cls, value: str) -> str:
        if not _HHMM.match(value):
            raise ValueError("use HH:MM (24 h)")
        return value

    @field_validator("timezone")
    @classmethod
    def _zone(cls, value: str) -> str:
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError("unknown time zone") from exc
        return value


class Policies(_Strict):
    shipping: str = Field(default="", max_length=2000)
    returns: str = Field(default="", max_length=2000)
    payment_methods: list[str] = Field(default_factory=list, max_length=10)
    installments: str = Field(default="", max_length=300)
    warranty: str = Field(default="", max_length=1000)


class HandoffRules(_Strict):
    on_human_intent: bool = True
    complaint_threshold: int = Field(default=2, ge=1, le=20)
    fallback_threshold: int = Field(default=3, ge=1, le=20)
    idle_release_minutes: int = Field(default=60, ge=1, le=7 * 24 * 60)


class LlmSettings(_Strict):
    base_url: str = Field(default="", max_length=500, description="Empty = the service's OPENAI_BASE_URL")
    api_key: str = Field(default="", max_length=500, description="Write-only; empty = OPENAI_API_KEY")
    model: str = Field(default="", max_length=100, description="Empty = OPENAI_MODEL")
    temperature: float = Field(default=0.4, ge=0, le=2)
    max_tokens: int = Field(default=300, ge=16, le=4096)

    @field_validator("base_url")
    @classmethod
    def _url(cls, value: str) -> str:
        if value and not value.startswith(("http://", "https://")):
            raise ValueError("must be an http(s) URL")
        return value.rstrip("/")


class Debounce(_Strict):
    window_seconds: float = Field(default=3.0, ge=0, le=30)
    max_wait_seconds: float = Field(default=10.0, ge=0, le=120)

    @model_validator(mode="after")
    def _cap(self) -> Debounce:
        if self.max_wait_seconds < self.window_seconds:
            raise ValueError("max_wait_seconds must be >= window_seconds")
        return self


class FaqEntry(_Strict):
    question: str = Field(..., min_length=2, max_length=500)
    answer: str = Field(..., min_length=1, max_length=2000)


class FaqCache(_Strict):
    enabled: bool = True
    threshold: float = Field(default=0.72, ge=0.3, le=1.0)
    learn: bool = True
    entries: list[FaqEntry] = Field(default_factory=list, max_length=200)


class PromptVariant(_Strict):
    name: str = Field(..., min_length=1, max_length=40, pattern=r"^[a-zA-Z0-9_\-]+$")
    weight: float = Field(default=1.0, ge=0, le=100)
    instructions: str = Field(default="", max_length=4000)


class CrmWebhook(_Strict):
    """The shop's own CRM: every lead/order/handoff/erase event POSTed to `url`, signed with `secret`."""

    url: str = Field(default="", max_length=500, description="Empty = no webhook")
    secret: str = Field(default="", max_length=200, description="Write-only; HMAC-SHA256 key of the signature")
    events: list[str] = Field(default_factory=list, max_length=10, description="Empty = every event")

    @field_validator("url")
    @classmethod
    def _url(cls, value: str) -> str:
        if value and not value.startswith(("http://", "https://")):
            raise ValueError("must be an http(s) URL")
        return value

    @field_validator("events")
    @classmethod
    def _known_events(cls, value: list[str]) -> list[str]:
        unknown = set(value) - {kind.value for kind in CrmEventKind}
        if unknown:
            raise ValueError(f"unknown events {sorted(unknown)}; known: {[k.value for k in CrmEventKind]}")
        return value

    @model_validator(mode="after")
    def _signed(self) -> CrmWebhook:
        if self.url and len(self.secret) < 16:
            raise ValueError("a webhook needs a secret of at least 16 characters")
        return self


class Attribution(_Strict):
    """Which orders count as the bot's sales: a TikTok Shop order or a confirmed one from a buyer who wrote to
    the bot within `window_days` before ordering converts that conversation (funnel, A/B variants, stats)."""

    window_days: int = Field(default=7, ge=0, le=90, description="0 = no order is attributed to the bot")


class Channel(StrEnum):
    WHATSAPP = "whatsapp"
    INSTAGRAM = "instagram"
    CHATWOOT = "chatwoot"
    TELEGRAM = "telegram"
    API = "api"
    TIKTOK_SHOP = "tiktok_shop"


class BotSettings(_Strict):
    store_name: str = Field(default="nossa loja", max_length=100)
    persona: str = Field(default="Você é a assistente de vendas da loja: simpática, objetiva e honesta.",
                         max_length=2000)
    tone: Tone = Tone.FRIENDLY
    greeting: str = Field(default="", max_length=500)
    out_of_hours_message: str = Field(default="", max_length=500)
    business_hours: BusinessHours = Field(default_factory=BusinessHours)
    policies: Policies = Field(default_factory=Policies)
    handoff_rules: HandoffRules = Field(default_factory=HandoffRules)
    enabled_channels: list[Channel] = Field(default_factory=lambda: list(Channel))
    llm: LlmSettings = Field(default_factory=LlmSettings)
    debounce: Debounce = Field(default_factory=Debounce)
    faq_cache: FaqCache = Field(default_factory=FaqCache)
    prompt_variants: list[PromptVariant] = Field(default_factory=list, max_length=10)
    crm_webhook: CrmWebhook = Field(default_factory=CrmWebhook)
    attribution: Attribution = Field(default_factory=Attribution)

    @field_validator("prompt_variants")
    @classmethod
    def _unique_variants(cls, value: list[PromptVariant]) -> list[PromptVariant]:
        names = [v.name for v in value]
        if len(names) != len(set(names)):
            raise ValueError("variant names must be unique")
        if value and sum(v.weight for v in value) <= 0:
            raise ValueError("at least one variant needs a positive weight")
        return value

    def public(self) -> dict[str, Any]:
        """The settings as shown to the seller: secrets masked (the LLM key as `sk-…abcd`, with `has_api_key`)."""
        data = self.model_dump(mode="json")
        data["llm"]["has_api_key"] = bool(data["llm"]["api_key"])
        data["llm"]["api_key"] = mask_secret(data["llm"]["api_key"])
        if data["crm_webhook"]["secret"]:
            data["crm_webhook"]["secret"] = SECRET_MASK
        return data


def mask_secret(value: str) -> str:
    """`sk-proj-0123abcd` -> `sk-…abcd`: enough to tell which key is set, never enough to use it."""
    if not value:
        return ""
    return f"{value[:3]}{MASK_MARK}{value[-4:]}" if len(value) >= 16 else MASK_MARK


def _is_mask(value: object) -> bool:
    return isinstance(value, str) and (value == SECRET_MASK or MASK_MARK in value)


class ConfigInvalid(Exception):
    """A PATCH that does not validate; `violations` maps a dotted field path to what is wrong."""

    def __init__(self, violations: list[tuple[str, str]]) -> None:
        super().__init__("; ".join(f"{f}: {d}" for f, d in violations))
        self.violations = violations


def apply_patch(current: BotSettings, patch: dict[str, Any]) -> tuple[BotSettings, list[str]]:
    """Deep-merge `patch` into the settings; returns the new settings and the dotted paths that changed."""
    base = current.model_dump(mode="json")
    if isinstance(patch.get("llm"), dict):  # what GET showed comes back unchanged: keep the stored key
        patch = {**patch, "llm": {k: v for k, v in patch["llm"].items()
                                  if k != "has_api_key" and not (k == "api_key" and _is_mask(v))}}
    if isinstance(patch.get("crm_webhook"), dict) and patch["crm_webhook"].get("secret") == SECRET_MASK:
        patch = {**patch, "crm_webhook": {k: v for k, v in patch["crm_webhook"].items() if k != "secret"}}
    merged = _merge(base, patch)
    try:
        updated = BotSettings.model_validate(merged)
    except ValidationError as exc:
        raise ConfigInvalid(
            [(".".join(str(p) for p in err["loc"]) or "settings", err["msg"]) for err in exc.errors()]
        ) from exc
    return updated, sorted(_changed_paths(base, updated.model_dump(mode="json")))


def _merge(base: dict[str, Any], patch: dict[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in patch.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def _changed_paths(before: Any, after: Any, prefix: str = "") -> set[str]:
    if isinstance(before, dict) and isinstance(after, dict):
        changed: set[str] = set()
        for key in set(before) | set(after):
            changed |= _changed_paths(before.get(key), after.get(key), f"{prefix}{key}.")
        return changed
    return {prefix.rstrip(".")} if before != after else set()
