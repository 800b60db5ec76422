"""A local TikTok Shop Open API (202309): token exchange, signed requests, shops, products, orders, tracking."""

from sellerbot_fakes.tiktok_shop.app import create_app
from sellerbot_fakes.tiktok_shop.state import ShopData, TikTokShopState

__all__ = ["ShopData", "TikTokShopState", "create_app"]
