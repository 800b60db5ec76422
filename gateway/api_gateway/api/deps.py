"""FastAPI dependencies: the gateway state, the authenticated member and their permissions, rate limits and
gRPC calls."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated, Any, TypeVar

import grpc
from fastapi import Depends, HTTPException, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sellerbot_grpc import tenant_metadata

from api_gateway.api.errors import ServiceCallFailed, error_body
from api_gateway.auth.permissions import Permission, allows
from api_gateway.auth.tokens import InvalidToken, TokenKind
from api_gateway.client_address import client_ip
from api_gateway.state import GatewayState
from api_gateway.users.repository import Member

T = TypeVar("T")
bearer = HTTPBearer(auto_error=False, description="Access token from POST /auth/login")


async def get_state(request: Request) -> GatewayState:
    """Async on purpose: a sync dependency would cost a thread-pool hop on every request."""
    state: GatewayState = request.app.state.gateway
    return state


State = Annotated[GatewayState, Depends(get_state)]


def unauthorized(detail: str) -> HTTPException:
    return HTTPException(401, error_body("unauthorized", detail), headers={"WWW-Authenticate": "Bearer"})


def forbidden(permission: Permission, detail: str) -> HTTPException:
    return HTTPException(403, error_body("forbidden", detail, permission=permission.value))


async def current_user(
    state: State, credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]
) -> Member:
    """The caller with their shop and role (any role)."""
    if credentials is None:
        raise unauthorized("missing bearer token")
    try:
        claims = state.tokens.verify(credentials.credentials, TokenKind.ACCESS)
    except InvalidToken as exc:
        raise unauthorized(str(exc)) from exc
    member = await state.users.member(claims.user_id)
    if member is None:
        raise unauthorized("user no longer exists")
    return member


User = Annotated[Member, Depends(current_user)]


def require(permission: Permission) -> Callable[[Member], Awaitable[Member]]:
    """The dependency a route declares: the caller, once their role is known to grant `permission`
    (403 JSON naming the permission otherwise). The route's permission is kept on the dependency
    (`.permission`) so tests can walk every route's requirement."""

    async def caller_with_permission(user: User) -> Member:
        if not allows(user.role, permission):
            raise forbidden(permission, f"the {user.role} role does not have the {permission} permission")
        return user

    caller_with_permission.permission = permission  # type: ignore[attr-defined]
    return caller_with_permission


# What a route's `user` parameter is typed as: the caller, checked for that one permission.
CanReadConversations = Annotated[Member, Depends(require(Permission.READ_CONVERSATIONS))]
CanTakeOverConversations = Annotated[Member, Depends(require(Permission.TAKE_OVER_CONVERSATIONS))]
CanSendMessages = Annotated[Member, Depends(require(Permission.SEND_MESSAGES))]
CanDeleteConversations = Annotated[Member, Depends(require(Permission.DELETE_CONVERSATIONS))]
CanReadStats = Annotated[Member, Depends(require(Permission.READ_STATS))]
CanReadConfig = Annotated[Member, Depends(require(Permission.READ_CONFIG))]
CanEditConfig = Annotated[Member, Depends(require(Permission.EDIT_CONFIG))]
CanReadProducts = Annotated[Member, Depends(require(Permission.READ_PRODUCTS))]
CanEditProducts = Annotated[Member, Depends(require(Permission.EDIT_PRODUCTS))]
CanReadChannels = Annotated[Member, Depends(require(Permission.READ_CHANNELS))]
CanEditChannels = Annotated[Member, Depends(require(Permission.EDIT_CHANNELS))]
CanReadTasks = Annotated[Member, Depends(require(Permission.READ_TASKS))]
CanEditTasks = Annotated[Member, Depends(require(Permission.EDIT_TASKS))]
CanEditProfiles = Annotated[Member, Depends(require(Permission.EDIT_PROFILES))]
CanControlBot = Annotated[Member, Depends(require(Permission.CONTROL_BOT))]
CanReadMembers = Annotated[Member, Depends(require(Permission.READ_MEMBERS))]
CanManageMembers = Annotated[Member, Depends(require(Permission.MANAGE_MEMBERS))]
CanAnswerConversations = Annotated[Member, Depends(require(Permission.ANSWER_CONVERSATIONS))]
CanAssignConversations = Annotated[Member, Depends(require(Permission.ASSIGN_CONVERSATIONS))]
CanWriteNotes = Annotated[Member, Depends(require(Permission.WRITE_NOTES))]
CanEditQuickReplies = Annotated[Member, Depends(require(Permission.EDIT_QUICK_REPLIES))]


async def platform_admin(user: User) -> Member:
    """Operators of the installation (`is_admin`), not a shop role: they create sellers."""
    if not user.is_admin:
        raise HTTPException(403, error_body("forbidden", "only a platform admin can do this",
                                            permission="platform_admin"))
    return user


PlatformAdmin = Annotated[Member, Depends(platform_admin)]


async def api_rate_limit(request: Request, state: State) -> None:
    await state.limiter.hit(state.limits.api, client_ip(request, state.settings.trusted_proxy_networks))


CLIENT_IP = "sellerbot_client_ip"  # request.state attribute: the address the webhook limit counted


async def webhook_rate_limit(request: Request, state: State) -> None:
    address = client_ip(request, state.settings.trusted_proxy_networks)
    setattr(request.state, CLIENT_IP, address)
    await state.limiter.hit(state.limits.webhooks, address)


async def bot_control_rate_limit(state: State, user: User) -> None:
    await state.limiter.hit(state.limits.bot_control, user.user_id)


async def call_service(
    state: GatewayState, service: str, rpc: Callable[..., Awaitable[T]], request: Any, caller: Member | None = None
) -> T:
    """Call one RPC on behalf of `caller`: their shop is the tenant (`x-user-id`), they are the actor
    (`x-actor-id`); gRPC errors become ServiceCallFailed."""
    try:
        return await rpc(
            request, metadata=tenant_metadata(caller.shop_id, caller.user_id) if caller else None,
            timeout=state.settings.grpc_timeout_seconds,
        )
    except grpc.aio.AioRpcError as exc:
        raise ServiceCallFailed(service, exc) from exc
