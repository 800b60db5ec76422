"""Who a call is for and who made it, in gRPC metadata set by the gateway.

`x-user-id` is the tenant: the shop whose data the call reads or writes (the key keeps its old name because
every service scopes its rows by it; a seller's first shop has the id of its first owner). `x-actor-id` is the
member who acted, for the records that say who did what (e.g. the chatbot's config versions).
"""

from __future__ import annotations

import grpc

USER_ID_METADATA_KEY = "x-user-id"
ACTOR_ID_METADATA_KEY = "x-actor-id"


def user_metadata(user_id: str) -> tuple[tuple[str, str], ...]:
    """A call for tenant `user_id` made by the system (or by that tenant's own first owner)."""
    return ((USER_ID_METADATA_KEY, user_id),)


def tenant_metadata(shop_id: str, actor_id: str) -> tuple[tuple[str, str], ...]:
    """A call for shop `shop_id` made by member `actor_id`."""
    return ((USER_ID_METADATA_KEY, shop_id), (ACTOR_ID_METADATA_KEY, actor_id))


def _metadata_value(context: grpc.aio.ServicerContext, key: str) -> str:
    for name, value in context.invocation_metadata() or ():
        if name == key and value:
            return str(value)
    return ""


async def caller_user_id(context: grpc.aio.ServicerContext) -> str:
    """The tenant (shop) id set by the gateway; aborts with UNAUTHENTICATED when it is missing."""
    tenant = _metadata_value(context, USER_ID_METADATA_KEY)
    if not tenant:
        await context.abort(grpc.StatusCode.UNAUTHENTICATED, "missing x-user-id metadata")
    return tenant


def caller_actor_id(context: grpc.aio.ServicerContext) -> str:
    """The member who made the call; calls without one (services calling each other) act as the tenant."""
    return _metadata_value(context, ACTOR_ID_METADATA_KEY) or _metadata_value(context, USER_ID_METADATA_KEY)
