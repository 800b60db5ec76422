"""The four platforms' send APIs, exactly as documented (see shared/reference/channels.md)."""

from __future__ import annotations

import email.utils
import time
from typing import Any
from urllib.parse import urlsplit

from opentelemetry import propagate, trace
from opentelemetry.trace import SpanKind
from sellerbot_telemetry import span_unless_unsampled

from channel_adapter.adapters.platform_http import PlatformAnswer, PlatformHttp, json_body
from channel_adapter.domain.accounts import ChannelAccount

tracer = trace.get_tracer("sellerbot.channel_adapter.platforms")


class PlatformRejected(Exception):
    """The platform answered with an error status; `transient` says whether trying again can help."""

    def __init__(self, platform: str, status: int, detail: str, retry_after: float | None = None) -> None:
        super().__init__(f"{platform} answered {status}: {detail[:500]}")
        self.platform = platform
        self.status = status
        self.detail = detail
        self.retry_after = retry_after

    @property
    def transient(self) -> bool:
        return self.status == 429 or self.status >= 500


def retry_after_seconds(value: str | None) -> float | None:
    """`Retry-After` is either delta-seconds or an HTTP date."""
    if not value:
        return None
    value = value.strip()
    if value.replace(".", "", 1).isdigit():
        return float(value)
    parsed = email.utils.parsedate_to_datetime(value) if value else None
    return max(0.0, parsed.timestamp() - time.time()) if parsed else None


def _chatwoot_auth(account: ChannelAccount) -> dict[str, str]:
    return {"api_access_token": account.secret("api_token")}


def _json(answer: PlatformAnswer) -> dict[str, Any]:
    try:
        data = answer.json()
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


class PlatformApis:
    """One pooled HTTP client for every platform; each method returns the platform's message id."""

    def __init__(self, timeout_seconds: float) -> None:
        self._http = PlatformHttp(max_connections=100, timeout_seconds=timeout_seconds)

    async def close(self) -> None:
        await self._http.close()

    async def _call(self, platform: str, url: str, body: dict[str, Any] | None, headers: dict[str, str],
                    method: str = "POST") -> dict[str, Any]:
        # The last hop of a webhook's trace: a client span, and its traceparent sent along (platforms ignore it;
        # a proxy or the local fakes record it). The URL is not recorded: Telegram's carries the bot token.
        with span_unless_unsampled(tracer, f"{method} {platform}", kind=SpanKind.CLIENT) as span:
            traced_headers = dict(headers)
            propagate.inject(traced_headers)
            recording = span.is_recording()
            if recording:
                span.set_attribute("http.request.method", method)
                span.set_attribute("server.address", urlsplit(url).hostname or "")
            answer = await self._http.request(method, url, None if body is None else json_body(body), traced_headers)
            if recording:
                span.set_attribute("http.response.status_code", answer.status)
        if answer.status >= 400:
            raise PlatformRejected(platform, answer.status, answer.text,
                                   retry_after_seconds(answer.headers.get("retry-after")))
        return _json(answer)

    @staticmethod
    def _base(account: ChannelAccount) -> str:
        return str(account.setting("base_url", "")).rstrip("/")

    async def evolution_send_text(self, account: ChannelAccount, instance: str, number: str, text: str) -> str:
        """POST /message/sendText/{instance} with `apikey`; v2 body by default, v1 (1.8.x) body on request."""
        if account.setting("api_version", "v2") == "v1":
            body: dict[str, Any] = {"number": number, "options": {"delay": 1200, "presence": "composing"},
                                    "textMessage": {"text": text}}
        else:
            body = {"number": number, "text": text, "delay": 1200, "linkPreview": False}
        data = await self._call("evolution", f"{self._base(account)}/message/sendText/{instance}", body,
                                {"apikey": account.secret("api_key")})
        return str(data.get("key", {}).get("id", "")) if isinstance(data.get("key"), dict) else ""

    async def chatwoot_create_message(
        self, account: ChannelAccount, account_id: str, conversation_id: str, text: str, private: bool = False,
    ) -> str:
        url = f"{self._base(account)}/api/v1/accounts/{account_id}/conversations/{conversation_id}/messages"
        body = {"content": text, "message_type": "outgoing", "private": private, "content_type": "text",
                "content_attributes": {}}
        data = await self._call("chatwoot", url, body, _chatwoot_auth(account))
        return str(data.get("id", ""))

    async def chatwoot_toggle_status(self, account: ChannelAccount, account_id: str, conversation_id: str,
                                     status: str) -> None:
        url = f"{self._base(account)}/api/v1/accounts/{account_id}/conversations/{conversation_id}/toggle_status"
        await self._call("chatwoot", url, {"status": status}, _chatwoot_auth(account))

    async def chatwoot_update_contact(self, account: ChannelAccount, account_id: str, contact_id: str,
                                      custom_attributes: dict[str, Any]) -> None:
        """PUT /api/v1/accounts/{a}/contacts/{id}: Chatwoot merges `custom_attributes` into the contact's."""
        url = f"{self._base(account)}/api/v1/accounts/{account_id}/contacts/{contact_id}"
        await self._call("chatwoot", url, {"custom_attributes": custom_attributes},
                         _chatwoot_auth(account), method="PUT")

    async def chatwoot_remove_contact_attributes(self, account: ChannelAccount, account_id: str, contact_id: str,
                                                 keys: list[str]) -> None:
        """POST /api/v1/accounts/{a}/contacts/{id}/destroy_custom_attributes `{"custom_attributes": [keys]}`."""
        url = f"{self._base(account)}/api/v1/accounts/{account_id}/contacts/{contact_id}/destroy_custom_attributes"
        await self._call("chatwoot", url, {"custom_attributes": keys}, _chatwoot_auth(account))

    async def chatwoot_contact_labels(self, account: ChannelAccount, account_id: str, contact_id: str) -> list[str]:
        """GET /api/v1/accounts/{a}/contacts/{id}/labels: `{"payload": [titles]}`."""
        url = f"{self._base(account)}/api/v1/accounts/{account_id}/contacts/{contact_id}/labels"
        data = await self._call("chatwoot", url, None, _chatwoot_auth(account), method="GET")
        found = data.get("payload")
        return [str(label) for label in found] if isinstance(found, list) else []

    async def chatwoot_set_contact_labels(self, account: ChannelAccount, account_id: str, contact_id: str,
                                          labels: list[str]) -> list[str]:
        """POST /api/v1/accounts/{a}/contacts/{id}/labels: replaces the contact's labels with those of the list
        that are labels of the account (Chatwoot drops the others); answers the labels it kept."""
        url = f"{self._base(account)}/api/v1/accounts/{account_id}/contacts/{contact_id}/labels"
        data = await self._call("chatwoot", url, {"labels": labels}, _chatwoot_auth(account))
        kept = data.get("payload")
        return [str(label) for label in kept] if isinstance(kept, list) else []

    async def instagram_send_text(self, account: ChannelAccount, recipient_id: str, text: str) -> str:
        """Send API (Instagram Login flavour): POST {graph}/me/messages with the access token as Bearer."""
        body = {"recipient": {"id": recipient_id}, "message": {"text": text}}
        data = await self._call("instagram", f"{self._base(account)}/me/messages", body,
                                {"Authorization": f"Bearer {account.secret('access_token')}"})
        return str(data.get("message_id", ""))

    async def telegram_send_message(self, account: ChannelAccount, chat_id: str, text: str) -> str:
        url = f"{self._base(account)}/bot{account.secret('bot_token')}/sendMessage"
        chat: int | str = int(chat_id) if chat_id.lstrip("-").isdigit() else chat_id
        data = await self._call("telegram", url, {"chat_id": chat, "text": text}, {})
        if data.get("ok") is not True:
            raise PlatformRejected("telegram", 400, str(data.get("description", "ok=false")))
        result = data.get("result")
        return str(result.get("message_id", "")) if isinstance(result, dict) else ""
