"""All routers of the public API, gathered in one place."""

from fastapi import APIRouter

from api_gateway.api.routes import auth, bot, channels, seller_bot, system, webhooks, ws

api_router = APIRouter()
# Webhooks first: they are the hot path (platform bursts), and routing tries routers in this order.
for module in (webhooks, system, auth, bot, seller_bot, channels, ws):
    api_router.include_router(module.router)
