"""/ws/notifications: the authenticated WebSocket, relayed from NotificationService.Subscribe (gRPC stream).

Frames are JSON `{"id", "type", "payload", "ts"}` (see proto/EVENTS.md). The token comes from the
`Sec-WebSocket-Protocol` header, offered as the two protocols `bearer, <token>` (what the dashboard does: a
browser cannot set headers on a WebSocket, and a URL ends up in access logs; the server answers `bearer`), an
`Authorization: Bearer` header, or, for older clients, the `token` query parameter (redacted from the server's
logs by `server_log_redaction`); `types` (comma-separated) narrows the subscription and `last_event_id` resumes
after that id. Control frames have `"id": null`: `subscribed`, `heartbeat`, `resync`,
and `pong` (the answer to a client's `{"type": "ping"}`).

Close codes: 4401 missing/forged/expired token (or its user was removed, checked again every
WS_MEMBERSHIP_CHECK_SECONDS while connected), also when the token expires while connected (refresh and
reconnect); 4403 the member's role lacks `watch_live_events`; 4400 bad subscription
(unknown type, malformed last_event_id); 4429 slow client (too many frames waiting); 1013 notification service
unavailable (reconnect later with last_event_id). When the service's stream breaks (a replica restarts) the
gateway resubscribes from the last relayed id without closing.

The socket carries the member's shop's notifications (the shop id is the tenant the services publish for), so
every member of a shop sees its live events and nobody else does. The sockets of a shop's members on this gateway
share one upstream stream (`UserFeed`); each socket keeps its own bounded outbox.
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
from typing import Any

import grpc
import structlog
from fastapi import APIRouter, WebSocket
from prometheus_client import Counter, Gauge, Histogram
from sellerbot.notification.v1 import notification_pb2 as pb
from sellerbot_grpc import user_metadata
from starlette.websockets import WebSocketDisconnect, WebSocketState

from api_gateway.auth.permissions import Permission, allows
from api_gateway.auth.tokens import InvalidToken, TokenClaims, TokenKind
from api_gateway.state import GatewayState
from api_gateway.users.repository import Member

router = APIRouter(tags=["notifications"])
log = structlog.get_logger(__name__)

CLOSE_BAD_REQUEST = 4400
CLOSE_UNAUTHORIZED = 4401
CLOSE_FORBIDDEN = 4403
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


BEARER_PROTOCOL = "bearer"


def _offered_token(websocket: WebSocket) -> str:
    """The protocol offered after `bearer` in Sec-WebSocket-Protocol, '' when there is none."""
    offered: list[str] = websocket.scope.get("subprotocols") or []
    if BEARER_PROTOCOL in offered[:-1]:
        return offered[offered.index(BEARER_PROTOCOL) + 1]
    return ""


def _token_of(websocket: WebSocket) -> str:
    if token := _offered_token(websocket):
        return token
    header = websocket.headers.get("authorization", "")
    if header.lower().startswith("bearer "):
        return header[7:].strip()
    return websocket.query_params.get("token", "")


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


class UserFeed:
    """One upstream Subscribe stream for a user's sockets on this gateway: tabs that ask for the same types and
    do not resume share it (one gRPC stream per user instead of one per tab); a resuming socket gets a private
    feed, since its replay is its own. The feed fans each frame out to its sockets' bounded outboxes."""

    def __init__(self, state: GatewayState, user_id: str, types: list[str], last_id: str,
                 registry: dict[tuple[str, str], UserFeed] | None, key: tuple[str, str]) -> None:
        self.state, self.user_id, self.types, self.last_id = state, user_id, types, last_id
        self.feed_id = uuid.uuid4().hex
        self.sessions: set[NotificationSession] = set()
        self.subscribed: _Frame | None = None
        self.max_pending = DEFAULT_MAX_PENDING
        self._registry, self._key = registry, key
        self._task: asyncio.Task[None] | None = None

    def join(self, session: NotificationSession) -> None:
        self.sessions.add(session)
        session.max_pending = self.max_pending
        if self.subscribed is not None:
            session.offer(self.subscribed)  # the feed is live already: so is this socket
        if self._task is None:
            self._task = asyncio.create_task(self._relay())

    def leave(self, session: NotificationSession) -> None:
        self.sessions.discard(session)
        if self.sessions:
            return
        if self._registry is not None and self._registry.get(self._key) is self:
            del self._registry[self._key]
        if self._task is not None:
            self._task.cancel()

    def _deliver(self, frame: _Frame) -> None:
        for session in list(self.sessions):
            session.offer(frame)

    async def _relay(self) -> None:
        try:
            await self._stream()
        except Exception as exc:  # the feed is over: every socket on it closes with the reason
            close = exc if isinstance(exc, _Close) else _Close(1011, "internal error", "error")
            if not isinstance(exc, _Close):
                log.warning("notification_feed_failed", error=repr(exc), feed_id=self.feed_id)
            if self._registry is not None and self._registry.get(self._key) is self:
                del self._registry[self._key]
            for session in list(self.sessions):
                session.end(close)

    async def _stream(self) -> None:
        stub = self.state.services.notification
        retry_until, backoff = 0.0, 0.2
        while True:
            request = pb.SubscribeRequest(user_id=self.user_id, last_event_id=self.last_id, types=self.types,
                                          connection_id=self.feed_id)
            call = stub.Subscribe(request, metadata=user_metadata(self.user_id))
            try:
                async for batch in call:
                    retry_until, backoff = 0.0, 0.2
                    for note in batch.notifications:
                        if note.type == "subscribed":
                            if self.subscribed is not None:
                                continue  # a resubscription is invisible to the clients
                            self.max_pending = int(json.loads(note.payload_json).get("max_pending",
                                                                                     self.max_pending))
                            for session in self.sessions:
                                session.max_pending = self.max_pending
                            self.subscribed = render(note)
                        if note.id:
                            self.last_id = note.id
                        self._deliver(render(note))
                raise _Close(CLOSE_TRY_AGAIN_LATER, "notification stream ended", "service_unavailable")
            except grpc.aio.AioRpcError as error:
                _raise_for_status(error)
                now = time.monotonic()
                retry_until = retry_until or now + RESUBSCRIBE_FOR_SECONDS
                if now >= retry_until:
                    raise _Close(CLOSE_TRY_AGAIN_LATER, f"notification service unavailable ({error.code().name})",
                                 "service_unavailable") from error
                log.info("notification_resubscribe", feed_id=self.feed_id, code=error.code().name)
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 2.0)
            finally:
                call.cancel()


def _feed_for(websocket: WebSocket, state: GatewayState, shop_id: str) -> UserFeed:
    """The shop's feed: every member's sockets on this gateway share the shop's notifications."""
    params = websocket.query_params
    types = sorted({t.strip() for t in params.get("types", "").split(",") if t.strip()})
    last_id = params.get("last_event_id", "")
    key = (shop_id, ",".join(types))
    if last_id:
        return UserFeed(state, shop_id, types, last_id, None, key)
    registry: dict[tuple[str, str], UserFeed] | None = getattr(websocket.app.state, "notification_feeds", None)
    if registry is None:
        registry = {}
        websocket.app.state.notification_feeds = registry
    feed = registry.get(key)
    if feed is None:
        feed = registry[key] = UserFeed(state, shop_id, types, "", registry, key)
    return feed


class NotificationSession:
    """One WebSocket: its feed fills the outbox; writer (outbox -> socket), reader (client frames), and the
    watch that ends it when the token expires or the member leaves the shop."""

    def __init__(self, websocket: WebSocket, claims: TokenClaims, state: GatewayState, member: Member) -> None:
        self.ws = websocket
        self.claims = claims
        self.state = state
        self.member = member
        self.connection_id = uuid.uuid4().hex
        self.max_pending = DEFAULT_MAX_PENDING
        self.outbox: deque[_Frame] = deque()
        self.ready = asyncio.Event()
        self.ended: asyncio.Future[_Close] = asyncio.get_running_loop().create_future()

    def enqueue(self, frame: _Frame) -> None:
        if len(self.outbox) >= self.max_pending:
            raise _Close(CLOSE_SLOW_CLIENT, f"slow client: {len(self.outbox)} notifications waiting "
                         f"(limit {self.max_pending})", "slow_client")
        self.outbox.append(frame)
        self.ready.set()

    def offer(self, frame: _Frame) -> None:
        """From the feed: never raises, a full outbox ends this socket only."""
        if self.ended.done():
            return
        try:
            self.enqueue(frame)
        except _Close as close:
            self.end(close)

    def end(self, close: _Close) -> None:
        if not self.ended.done():
            self.ended.set_result(close)

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
        """Token expiry, and a membership check every WS_MEMBERSHIP_CHECK_SECONDS: a removed member, or one
        moved out of the shop or out of `watch_live_events`, stops receiving the shop's events."""
        every = self.state.settings.ws_membership_check_seconds
        while (left := (self.claims.expires_at - datetime.now(UTC)).total_seconds()) > 0:
            await asyncio.sleep(min(left, every))
            try:
                member = await self.state.users.member(self.claims.user_id)
            except Exception as exc:  # the database is down: keep the socket, check again later
                log.warning("ws_membership_check_failed", error=repr(exc), connection_id=self.connection_id)
                continue
            if member is None:
                raise _Close(CLOSE_UNAUTHORIZED, "user no longer exists", "unauthorized")
            if member.shop_id != self.member.shop_id or not allows(member.role, Permission.WATCH_LIVE_EVENTS):
                raise _Close(CLOSE_FORBIDDEN, "no longer a member who may watch this shop", "forbidden")
        raise _Close(CLOSE_UNAUTHORIZED, "token expired", "token_expired")

    async def run(self, feed: UserFeed) -> None:
        tasks = [asyncio.create_task(job()) for job in (self.write, self.read, self.expire)]
        close: _Close | None = None
        feed.join(self)
        try:
            waiters: list[asyncio.Future[Any]] = [*tasks, self.ended]
            done, _ = await asyncio.wait(waiters, return_when=asyncio.FIRST_COMPLETED)
            if self.ended in done:
                close = self.ended.result()
            else:
                error = next(iter(done)).exception()
                if isinstance(error, _Close):
                    close = error
                elif isinstance(error, WebSocketDisconnect):
                    WS_CLOSED.labels("client").inc()
                elif error is not None:
                    log.warning("notification_socket_failed", error=repr(error), connection_id=self.connection_id)
                    close = _Close(1011, "internal error", "error")
        finally:
            feed.leave(self)
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
    # Accept first: a close before the handshake becomes an HTTP 403 and the browser never sees the code. A
    # browser that offered protocols fails the handshake unless one is chosen.
    await websocket.accept(subprotocol=BEARER_PROTOCOL if _offered_token(websocket) else None)
    try:
        claims = state.tokens.verify(_token_of(websocket), TokenKind.ACCESS)
    except InvalidToken as exc:
        WS_CLOSED.labels("unauthorized").inc()
        reason = "missing token" if not _token_of(websocket) else str(exc)
        await _close(websocket, CLOSE_UNAUTHORIZED, reason)
        return
    member = await state.users.member(claims.user_id)
    if member is None or not allows(member.role, Permission.WATCH_LIVE_EVENTS):
        WS_CLOSED.labels("unauthorized").inc()
        reason = "user no longer exists" if member is None else f"the {member.role} role cannot watch live events"
        await _close(websocket, CLOSE_UNAUTHORIZED if member is None else CLOSE_FORBIDDEN, reason)
        return
    WS_CONNECTIONS.inc()
    try:
        await NotificationSession(websocket, claims, state, member).run(_feed_for(websocket, state, member.shop_id))
    finally:
        WS_CONNECTIONS.dec()
