"""/ws/notifications: authenticated WebSocket relayed from NotificationService.Subscribe (gRPC stream).

Close codes: 4401 = missing/invalid/expired token (refresh and reconnect), 1013 = notification service
unavailable (try again later).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from datetime import UTC, datetime

import grpc
import structlog
from fastapi import APIRouter, WebSocket, WebSocketDisconnect
from google.protobuf import json_format
from sellerbot.notification.v1 import notification_pb2 as pb
from sellerbot_grpc import user_metadata

from api_gateway.auth.tokens import InvalidToken, TokenKind
from api_gateway.state import GatewayState

router = APIRouter(tags=["notifications"])
log = structlog.get_logger(__name__)

CLOSE_UNAUTHORIZED = 4401
CLOSE_TRY_AGAIN_LATER = 1013


def _token_of(websocket: WebSocket) -> str:
    token = websocket.query_params.get("token", "")
    header = websocket.headers.get("authorization", "")
    if not token and header.lower().startswith("bearer "):
        token = header[7:].strip()
    return token


@router.websocket("/ws/notifications")
async def notifications(websocket: WebSocket) -> None:
    state: GatewayState = websocket.app.state.gateway
    try:
        claims = state.tokens.verify(_token_of(websocket), TokenKind.ACCESS)
    except InvalidToken as exc:
        await websocket.close(code=CLOSE_UNAUTHORIZED, reason=str(exc)[:120])
        return
    await websocket.accept()
    types = [t for t in websocket.query_params.get("types", "").split(",") if t]
    request = pb.SubscribeRequest(
        user_id=claims.user_id, last_event_id=websocket.query_params.get("last_event_id", ""), types=types,
    )
    stream = state.services.notification.Subscribe(request, metadata=user_metadata(claims.user_id))
    expires_in = max(0.0, (claims.expires_at - datetime.now(UTC)).total_seconds())

    async def relay() -> None:
        async for note in stream:
            await websocket.send_text(json.dumps({
                "id": note.id, "type": note.type,
                "payload": json_format.MessageToDict(note.payload),
                "ts": note.ts.ToDatetime(tzinfo=UTC).isoformat(),
            }))

    async def drain_client() -> None:
        while True:
            await websocket.receive_text()

    relay_task = asyncio.create_task(relay())
    client_task = asyncio.create_task(drain_client())
    try:
        done, _ = await asyncio.wait({relay_task, client_task}, timeout=expires_in,
                                     return_when=asyncio.FIRST_COMPLETED)
        if not done:
            await websocket.close(code=CLOSE_UNAUTHORIZED, reason="token expired")
        elif relay_task in done and relay_task.exception() is not None:
            error = relay_task.exception()
            log.warning("notification_stream_failed", error=str(error))
            code = error.code() if isinstance(error, grpc.aio.AioRpcError) else None
            await websocket.close(code=CLOSE_TRY_AGAIN_LATER,
                                  reason=f"notification service unavailable ({code.name if code else 'error'})")
    except WebSocketDisconnect:
        pass
    finally:
        stream.cancel()
        for task in (relay_task, client_task):
            task.cancel()
            with contextlib.suppress(BaseException):
                await task
