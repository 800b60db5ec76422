"""Who owns an inbound webhook, and whose credentials send a reply.

Registered accounts are read from the database into a snapshot refreshed every few seconds (and at once after
a change made by this process), so a webhook costs no query. The environment variables form one *default*
account per platform, owned by DEFAULT_SELLER_USER_ID, which takes whatever no registered account claims.
"""

from __future__ import annotations

import asyncio
import hmac
import time

from channel_adapter.adapters.account_repository import AccountRepository
from channel_adapter.domain.accounts import DEFAULT_ACCOUNT_ID, ChannelAccount
from channel_adapter.domain.channels import Platform
from channel_adapter.domain.normalization import telegram_bot_id
from channel_adapter.settings import ServiceSettings

SNAPSHOT_SECONDS = 5.0


def default_accounts(settings: ServiceSettings) -> dict[Platform, ChannelAccount]:
    owner = settings.default_seller_user_id

    def account(platform: Platform, key: str, settings_: dict[str, object], secrets: dict[str, str]) -> ChannelAccount:
        return ChannelAccount(id=DEFAULT_ACCOUNT_ID, user_id=owner, platform=platform, account_key=key,
                              display_name="default (environment)", settings=settings_,
                              secrets={k: v for k, v in secrets.items() if v})

    return {
        Platform.EVOLUTION: account(
            Platform.EVOLUTION, settings.evolution_instance,
            {"base_url": settings.evolution_api_url, "api_version": settings.evolution_api_version.value},
            {"api_key": settings.evolution_api_key, "webhook_secret": settings.evolution_webhook_secret}),
        Platform.CHATWOOT: account(
            Platform.CHATWOOT, settings.chatwoot_account_id,
            {"base_url": settings.chatwoot_url, "require_signature": settings.chatwoot_require_signature,
             "bot_mode": settings.chatwoot_bot_mode},
            {"api_token": settings.chatwoot_api_token, "webhook_secret": settings.chatwoot_webhook_secret}),
        Platform.INSTAGRAM: account(
            Platform.INSTAGRAM, "me", {"base_url": settings.instagram_graph_url},
            {"access_token": settings.instagram_access_token, "app_secret": settings.instagram_app_secret,
             "verify_token": settings.instagram_verify_token}),
        Platform.TELEGRAM: account(
            Platform.TELEGRAM, telegram_bot_id(settings.telegram_bot_token) or "default",
            {"base_url": settings.telegram_api_url},
            {"bot_token": settings.telegram_bot_token, "secret_token": settings.telegram_secret_token}),
    }


class AccountDirectory:
    def __init__(self, repository: AccountRepository, settings: ServiceSettings) -> None:
        self.repository = repository
        self.defaults = default_accounts(settings)
        self._accounts: list[ChannelAccount] = []
        # Per platform: the accounts, and their index by account key (first registration wins, as a scan would).
        self._by_platform: dict[Platform, list[ChannelAccount]] = {}
        self._by_key: dict[Platform, dict[str, ChannelAccount]] = {}
        self._loaded_at = -SNAPSHOT_SECONDS
        self._lock = asyncio.Lock()

    def invalidate(self) -> None:
        self._loaded_at = -SNAPSHOT_SECONDS

    async def _registered(self, platform: Platform) -> list[ChannelAccount]:
        if time.monotonic() - self._loaded_at >= SNAPSHOT_SECONDS:
            async with self._lock:
                if time.monotonic() - self._loaded_at >= SNAPSHOT_SECONDS:
                    self._index(await self.repository.all())
                    self._loaded_at = time.monotonic()
        return self._by_platform.get(platform, [])

    def _index(self, accounts: list[ChannelAccount]) -> None:
        by_platform: dict[Platform, list[ChannelAccount]] = {}
        by_key: dict[Platform, dict[str, ChannelAccount]] = {}
        for account in accounts:
            by_platform.setdefault(account.platform, []).append(account)
            by_key.setdefault(account.platform, {}).setdefault(account.account_key, account)
        self._accounts, self._by_platform, self._by_key = accounts, by_platform, by_key

    async def registered(self, platform: Platform) -> list[ChannelAccount]:
        """Every seller's registered accounts of the platform (not the environment's default)."""
        return list(await self._registered(platform))

    async def by_key(self, platform: Platform, account_key: str) -> ChannelAccount:
        """The registered owner of an instance / account / IG account / bot, else the default account."""
        await self._registered(platform)
        return self._by_key.get(platform, {}).get(account_key) or self.defaults[platform]

    async def telegram_by_secret(self, header_value: str) -> ChannelAccount:
        """Telegram names no bot in its updates: the secret token header says which bot it was for."""
        found = self.defaults[Platform.TELEGRAM]
        for account in await self._registered(Platform.TELEGRAM):
            token = account.secret("secret_token")
            if token and header_value and hmac.compare_digest(token.encode(), header_value.encode()):
                found = account
        return found

    async def instagram_verify_tokens(self) -> list[str]:
        accounts = [*await self._registered(Platform.INSTAGRAM), self.defaults[Platform.INSTAGRAM]]
        return [a.secret("verify_token") for a in accounts if a.secret("verify_token")]

    async def for_reply(self, platform: Platform, user_id: str, account_key: str) -> ChannelAccount:
        """The caller's account that should send: the one named, else their first, else the default."""
        own = [a for a in await self._registered(platform) if a.user_id == user_id]
        for account in own:
            if account.account_key == account_key:
                return account
        if own and not account_key:
            return own[0]
        return self.defaults[platform]
