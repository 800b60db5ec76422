"""All routers of the public API, gathered in one place."""

from fastapi import APIRouter

from api_gateway.api.routes import auth, bot, channels, seller_bot, system, webhooks, ws

api_router = APIRouter()
for module in (system, auth, bot, seller_bot, channels, webhooks, ws):
    api_router.include_router(module.router)
