"""The caller's user id travels in gRPC metadata; every service scopes its data by it."""

from __future__ import annotations

import grpc

USER_ID_METADATA_KEY = "x-user-id"


def user_metadata(user_id: str) -> tuple[tuple[str, str], ...]:
    return ((USER_ID_METADATA_KEY, user_id),)


async def caller_user_id(context: grpc.aio.ServicerContext) -> str:
    """The user id set by the gateway; aborts with UNAUTHENTICATED when it is missing."""
    for key, value in context.invocation_metadata() or ():
        if key == USER_ID_METADATA_KEY and value:
            return str(value)
    await context.abort(grpc.StatusCode.UNAUTHENTICATED, "missing x-user-id metadata")
    raise AssertionError("unreachable")  # context.abort raises
