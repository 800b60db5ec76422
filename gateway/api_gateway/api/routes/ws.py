"""/ws/notifications: the authenticated WebSocket, relayed from NotificationService.Subscribe (gRPC stream).

Frames are JSON `{"id", "type", "payload", "ts"}` (see proto/EVENTS.md). The token comes from the `token`
query parameter or an `Authorization: Bearer` header; `types` (comma-separated) narrows the subscription and
`last_event_id` resumes after that id. Control frames have `"id": null`: `subscribed`, `heartbeat`, `resync`,
and `pong` (the answer to a client's `{"type": "ping"}`).

Close codes: 4401 missing/forged/expired token, also when the token expires while connected (refresh and
reconnect); 4400 bad subscription (unknown type, malformed last_event_id); 4429 slow client (too many frames
waiting); 1013 notification service unavailable (reconnect later with last_event_id). When the service's
stream breaks (a replica restarts) the gateway resubscribes from the last relayed id without closing.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
import uuid
from collections import deque
from dataclasses import dataclass
from datetime import UTC, datetime

import grpc
import structlog
from fastapi import APIRouter, WebSocket
from prometheus_client import Counter, Gauge, Histogram
from sellerbot.notification.v1 import notification_pb2 as pb
from sellerbot_grpc import user_metadata
from starlette.websockets import WebSocketDisconnect, WebSocketState

from api_gateway.auth.tokens import InvalidToken, TokenClaims, TokenKind
from api_gateway.state import GatewayState

router = APIRouter(tags=["notifications"])
log = structlog.get_logger(__name__)

CLOSE_BAD_REQUEST = 4400
CLOSE_UNAUTHORIZED = 4401
CLOSE_SLOW_CLIENT = 4429
CLOSE_TRY_AGAIN_LATER = 1013
DEFAULT_MAX_PENDING = 1000       # until the service's `subscribed` frame says otherwise
RESUBSCRIBE_FOR_SECONDS = 30.0   # keep the socket open this long while the service is unreachable
CLOSE_SEND_TIMEOUT = 5.0         # a client that reads nothing cannot even receive the close frame

WS_CONNECTIONS = Gauge("gateway_ws_connections", "Open /ws/notifications connections")
WS_SENT = Counter("gateway_ws_messages_sent_total", "Frames sent on /ws/notifications", ["type"])
WS_CLOSED = Counter("gateway_ws_closed_total", "/ws/notifications connections closed, by reason", ["reason"])
WS_LATENCY = Histogram(
    "gateway_ws_delivery_latency_seconds", "Event timestamp to WebSocket send (end to end)",
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
)


class _Close(Exception):
    """End the socket with this close code and reason (`metric`: the label of gateway_ws_closed_total)."""

    def __init__(self, code: int, reason: str, metric: str) -> None:
        super().__init__(reason)
        self.code, self.reason, self.metric = code, reason, metric


@dataclass(frozen=True)
class _Frame:
    text: str
    type: str
    event_ts: float  # 0 for control frames


def _token_of(websocket: WebSocket) -> str:
    token = websocket.query_params.get("token", "")
    header = websocket.headers.get("authorization", "")
    if not token and header.lower().startswith("bearer "):
        token = header[7:].strip()
    return token


def render(note: pb.Notification) -> _Frame:
    """The browser frame: the service builds it once per notification; older services send only the parts."""
    text = note.frame
    if not text:
        ident = "null" if note.control or not note.id else json.dumps(note.id)
        text = (f'{{"id":{ident},"type":{json.dumps(note.type)},"payload":{note.payload_json or "{}"},'
                f'"ts":"{note.ts.ToJsonString()}"}}')
    return _Frame(text, note.type, 0.0 if note.control else note.ts.seconds + note.ts.nanos / 1e9)


def _control(kind: str, payload: dict[str, object] | None = None) -> _Frame:
    ts = datetime.now(UTC).isoformat().replace("+00:00", "Z")
    return _Frame(json.dumps({"id": None, "type": kind, "payload": payload or {}, "ts": ts}), kind, 0.0)


class NotificationSession:
    """One WebSocket: relay (gRPC -> outbox), writer (outbox -> socket), reader (client frames), expiry."""

    def __init__(self, websocket: WebSocket, state: GatewayState, claims: TokenClaims) -> None:
        self.ws = websocket
        self.state = state
        self.claims = claims
        self.connection_id = uuid.uuid4().hex
        params = websocket.query_params
        self.types = [t.strip() for t in params.get("types", "").split(",") if t.strip()]
        self.last_id = params.get("last_event_id", "")
        self.max_pending = DEFAULT_MAX_PENDING
        self.outbox: deque[_Frame] = deque()
        self.ready = asyncio.Event()

    def enqueue(self, frame: _Frame) -> None:
        if len(self.outbox) >= self.max_pending:
            raise _Close(CLOSE_SLOW_CLIENT, f"slow client: {len(self.outbox)} notifications waiting "
                         f"(limit {self.max_pending})", "slow_client")
        self.outbox.append(frame)
        self.ready.set()

    async def relay(self) -> None:
        stub = self.state.services.notification
        announced = False
        retry_until = 0.0
        backoff = 0.2
        while True:
            request = pb.SubscribeRequest(user_id=self.claims.user_id, last_event_id=self.last_id,
                                          types=self.types, connection_id=self.connection_id)
            call = stub.Subscribe(request, metadata=user_metadata(self.claims.user_id))
            try:
                async for batch in call:
                    retry_until, backoff = 0.0, 0.2
                    for note in batch.notifications:
                        if note.type == "subscribed":
                            self.max_pending = int(json.loads(note.payload_json).get("max_pending",
                                                                                     self.max_pending))
                            if announced:
                                continue  # a resubscription is invisible to the client
                            announced = True
                        if note.id:
                            self.last_id = note.id
                        self.enqueue(render(note))
                raise _Close(CLOSE_TRY_AGAIN_LATER, "notification stream ended", "service_unavailable")
            except grpc.aio.AioRpcError as error:
                _raise_for_status(error)
                now = time.monotonic()
                retry_until = retry_until or now + RESUBSCRIBE_FOR_SECONDS
                if now >= retry_until:
                    raise _Close(CLOSE_TRY_AGAIN_LATER, f"notification service unavailable ({error.code().name})",
                                 "service_unavailable") from error
                log.info("notification_resubscribe", connection_id=self.connection_id, code=error.code().name)
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 2.0)
            finally:
                call.cancel()

    async def write(self) -> None:
        while True:
            while self.outbox:
                frame = self.outbox.popleft()
                await self.ws.send_text(frame.text)
                WS_SENT.labels(frame.type).inc()
                if frame.event_ts:
                    WS_LATENCY.observe(max(0.0, time.time() - frame.event_ts))
            self.ready.clear()
            await self.ready.wait()

    async def read(self) -> None:
        """Client frames: `{"type": "ping"}` gets a pong; the loop also notices the client closing."""
        while True:
            message = await self.ws.receive()
            if message["type"] == "websocket.disconnect":
                raise WebSocketDisconnect(message.get("code", 1000))
            text = message.get("text")
            if not text:
                continue
            with contextlib.suppress(ValueError, AttributeError):
                if json.loads(text).get("type") == "ping":
                    self.enqueue(_control("pong"))

    async def expire(self) -> None:
        await asyncio.sleep(max(0.0, (self.claims.expires_at - datetime.now(UTC)).total_seconds()))
        raise _Close(CLOSE_UNAUTHORIZED, "token expired", "token_expired")

    async def run(self) -> None:
        tasks = [asyncio.create_task(job()) for job in (self.relay, self.write, self.read, self.expire)]
        close: _Close | None = None
        try:
            done, _ = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
            error = next(iter(done)).exception()
            if isinstance(error, _Close):
                close = error
            elif isinstance(error, WebSocketDisconnect):
                WS_CLOSED.labels("client").inc()
            elif error is not None:
                log.warning("notification_socket_failed", error=repr(error), connection_id=self.connection_id)
                close = _Close(1011, "internal error", "error")
        finally:
            for task in tasks:
                task.cancel()
            for task in tasks:
                with contextlib.suppress(BaseException):
                    await task
        if close is not None:
            WS_CLOSED.labels(close.metric).inc()
            await _close(self.ws, close.code, close.reason)


def _raise_for_status(error: grpc.aio.AioRpcError) -> None:
    """Statuses that end the socket; anything else (UNAVAILABLE, a replica going away) is retried."""
    code, details = error.code(), (error.details() or "")[:120]
    if code is grpc.StatusCode.RESOURCE_EXHAUSTED:
        raise _Close(CLOSE_SLOW_CLIENT, details or "slow client", "slow_client") from error
    if code is grpc.StatusCode.INVALID_ARGUMENT:
        raise _Close(CLOSE_BAD_REQUEST, details or "bad subscription", "bad_request") from error
    if code in (grpc.StatusCode.UNAUTHENTICATED, grpc.StatusCode.PERMISSION_DENIED):
        raise _Close(CLOSE_UNAUTHORIZED, details or "unauthorized", "unauthorized") from error


async def _close(websocket: WebSocket, code: int, reason: str) -> None:
    if websocket.application_state is WebSocketState.DISCONNECTED:
        return
    with contextlib.suppress(Exception):
        await asyncio.wait_for(websocket.close(code=code, reason=reason[:120]), CLOSE_SEND_TIMEOUT)


@router.websocket("/ws/notifications")
async def notifications(websocket: WebSocket) -> None:
    state: GatewayState = websocket.app.state.gateway
    # Accept first: a close before the handshake becomes an HTTP 403 and the browser never sees the code.
    await websocket.accept()
    try:
        claims = state.tokens.verify(_token_of(websocket), TokenKind.ACCESS)
    except InvalidToken as exc:
        WS_CLOSED.labels("unauthorized").inc()
        reason = "missing token" if not _token_of(websocket) else str(exc)
        await _close(websocket, CLOSE_UNAUTHORIZED, reason)
        return
    WS_CONNECTIONS.inc()
    try:
        await NotificationSession(websocket, state, claims).run()
    finally:
        WS_CONNECTIONS.dec()
