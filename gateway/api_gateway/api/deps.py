"""FastAPI dependencies: the gateway state, the authenticated user, rate limits and gRPC calls."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Annotated, Any, TypeVar

import grpc
from fastapi import Depends, HTTPException, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sellerbot_grpc import user_metadata

from api_gateway.api.errors import ServiceCallFailed, error_body
from api_gateway.auth.tokens import InvalidToken, TokenKind
from api_gateway.client_address import client_ip
from api_gateway.state import GatewayState

T = TypeVar("T")
bearer = HTTPBearer(auto_error=False, description="Access token from POST /auth/login")


async def get_state(request: Request) -> GatewayState:
    """Async on purpose: a sync dependency would cost a thread-pool hop on every request."""
    state: GatewayState = request.app.state.gateway
    return state


State = Annotated[GatewayState, Depends(get_state)]


@dataclass(frozen=True)
class CurrentUser:
    id: str
    email: str
    is_admin: bool


def unauthorized(detail: str) -> HTTPException:
    return HTTPException(401, error_body("unauthorized", detail), headers={"WWW-Authenticate": "Bearer"})


async def current_user(
    state: State, credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]
) -> CurrentUser:
    if credentials is None:
        raise unauthorized("missing bearer token")
    try:
        claims = state.tokens.verify(credentials.credentials, TokenKind.ACCESS)
    except InvalidToken as exc:
        raise unauthorized(str(exc)) from exc
    user = await state.users.by_id(claims.user_id)
    if user is None:
        raise unauthorized("user no longer exists")
    return CurrentUser(id=user.id, email=user.email, is_admin=user.is_admin)


User = Annotated[CurrentUser, Depends(current_user)]


async def api_rate_limit(request: Request, state: State) -> None:
    await state.limiter.hit(state.limits.api, client_ip(request, state.settings.trusted_proxy_networks))


CLIENT_IP = "sellerbot_client_ip"  # request.state attribute: the address the webhook limit counted


async def webhook_rate_limit(request: Request, state: State) -> None:
    address = client_ip(request, state.settings.trusted_proxy_networks)
    setattr(request.state, CLIENT_IP, address)
    await state.limiter.hit(state.limits.webhooks, address)


async def bot_control_rate_limit(state: State, user: User) -> None:
    await state.limiter.hit(state.limits.bot_control, user.id)


async def call_service(
    state: GatewayState, service: str, rpc: Callable[..., Awaitable[T]], request: Any, user_id: str = ""
) -> T:
    """Call one RPC with the caller's user id in metadata; gRPC errors become ServiceCallFailed."""
    try:
        return await rpc(
            request, metadata=user_metadata(user_id) if user_id else None,
            timeout=state.settings.grpc_timeout_seconds,
        )
    except grpc.aio.AioRpcError as exc:
        raise ServiceCallFailed(service, exc) from exc
