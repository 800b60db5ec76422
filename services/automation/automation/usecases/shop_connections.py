"""A profile's TikTok Shop Open API authorisation: trade the seller's auth code for tokens, find the shop."""

from __future__ import annotations

from datetime import UTC, datetime

import structlog

from automation.adapters.repository import utcnow
from automation.adapters.shop_store import ShopConnection
from automation.adapters.tiktok_shop.client import ShopSession, ShopTokens, TikTokShopError
from automation.components import Components
from automation.domain.errors import InvalidField, InvalidInput, NotFound

log = structlog.get_logger(__name__)


class ShopConnectionService:
    def __init__(self, components: Components) -> None:
        self.c = components

    async def connect(self, user_id: str, profile_id: str, auth_code: str, shop_id: str = "") -> ShopConnection:
        await self.c.profiles.get(user_id, profile_id)  # NotFound for another seller's profile
        if not self.c.shop_app.configured:
            raise InvalidInput("the TikTok Shop app is not configured", [InvalidField(
                "auth_code", "set TIKTOK_SHOP_APP_KEY and TIKTOK_SHOP_APP_SECRET on the automation service")])
        if not auth_code.strip():
            raise InvalidInput("auth_code is required", [InvalidField("auth_code", "required")])
        try:
            session = ShopSession(self.c.shop_app, await self.c.shop_app.exchange_code(auth_code.strip()), "",
                                  _discard)
            shops = await session.shops()
            tokens = session.tokens  # a short-lived token may already have been refreshed: keep the newest
        except TikTokShopError as exc:
            if exc.retryable:
                raise
            raise InvalidInput("TikTok Shop refused the authorisation",
                               [InvalidField("auth_code", str(exc))]) from exc
        shop = next((s for s in shops if not shop_id or s.shop_id == shop_id), None)
        if shop is None:
            raise InvalidInput("shop not authorised", [InvalidField(
                "shop_id", f"the authorisation covers {[s.shop_id for s in shops]}")])
        connection = ShopConnection(
            profile_id=profile_id, user_id=user_id, shop_id=shop.shop_id, shop_name=shop.name, region=shop.region,
            shop_cipher=shop.cipher, tokens_enc=self.c.secrets.seal(tokens.as_dict()),
            access_expires_at=datetime.fromtimestamp(tokens.access_expires_at, UTC), connected_at=utcnow(),
        )
        await self.c.shop_connections.save(connection)
        log.info("shop_api_connected", profile_id=profile_id, user_id=user_id, shop_id=shop.shop_id)
        return connection

    async def get(self, user_id: str, profile_id: str) -> ShopConnection | None:
        await self.c.profiles.get(user_id, profile_id)
        return await self.c.shop_connections.get(profile_id)

    async def disconnect(self, user_id: str, profile_id: str) -> None:
        await self.c.profiles.get(user_id, profile_id)
        if not await self.c.shop_connections.delete(profile_id):
            raise NotFound(f"profile {profile_id} has no TikTok Shop API authorisation")


async def _discard(_: ShopTokens) -> None:
    """Nothing is stored yet during the exchange: `connect` saves the session's newest tokens itself."""
