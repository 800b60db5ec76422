"""Everything the gateway holds for its lifetime, built at start and closed at shutdown."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine

from api_gateway.auth.tokens import TokenIssuer
from api_gateway.rate_limits import Limit, RateLimiter
from api_gateway.service_clients import ServiceClients
from api_gateway.settings import GatewaySettings
from api_gateway.users.repository import UserRepository
from api_gateway.users.team import TeamRepository
from api_gateway.webhook_forwarding import WebhookForwarder


@dataclass
class RateLimits:
    webhooks: Limit
    api: Limit
    bot_control: Limit
    login_failures: Limit


@dataclass
class GatewayState:
    settings: GatewaySettings
    engine: AsyncEngine
    users: UserRepository
    team: TeamRepository
    tokens: TokenIssuer
    limiter: RateLimiter
    limits: RateLimits
    services: ServiceClients
    webhooks: WebhookForwarder
    redis: Any | None  # redis.asyncio.Redis, None when unreachable at start
    nats: Any | None   # nats client used for health only
