"""All routers of the public API, gathered in one place."""

from fastapi import APIRouter

from api_gateway.api.routes import auth, bot, channels, contacts, inbox, seller_bot, system, team, ws

api_router = APIRouter()
# Webhooks are not here: routes/webhooks.py answers them in front of FastAPI (see WebhookIngress).
for module in (system, auth, team, bot, seller_bot, contacts, inbox, channels, ws):
    api_router.include_router(module.router)
