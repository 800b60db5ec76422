"""Shared machinery of the messaging-platform fakes: request recording, fault injection and serving.

Every fake exposes, next to the platform's own routes:
  GET    /_fake/requests   what it received (method, path, query, headers, JSON body, answered status)
  DELETE /_fake/requests   forget them
  POST   /_fake/faults     queue faults: {"kind": "status"|"rate_limit"|"timeout", "times": 2 (-1 = until
                           cleared), "status": 503, "retry_after": 1, "delay_seconds": 30}
  DELETE /_fake/faults     clear the faults (the platform is healthy again)
"""

from __future__ import annotations

import argparse
import asyncio
import json
import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any

import uvicorn
from fastapi import FastAPI, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from starlette.types import ASGIApp, Message, Receive, Scope, Send


@dataclass
class RecordedRequest:
    method: str
    path: str
    query: str
    headers: dict[str, str]
    body: Any
    status: int = 0
    at: float = field(default_factory=time.time)


class Fault(BaseModel):
    kind: str = Field(default="status", pattern="^(status|rate_limit|timeout)$")
    times: int = Field(default=1, description="how many requests it hits; -1 = until cleared")
    status: int = Field(default=503, ge=400, le=599)
    retry_after: float = Field(default=1, ge=0)
    delay_seconds: float = Field(default=30, ge=0, le=600)
    body: dict[str, Any] | None = None


class FakeState:
    def __init__(self) -> None:
        self.requests: list[RecordedRequest] = []
        self.faults: list[Fault] = []
        self._lock = threading.Lock()

    def next_fault(self) -> Fault | None:
        with self._lock:
            if not self.faults:
                return None
            fault = self.faults[0]
            if fault.times > 0:
                fault.times -= 1
                if fault.times == 0:
                    self.faults.pop(0)
            return fault


def _fault_response(fault: Fault, error_body: dict[str, Any]) -> Response:
    if fault.kind == "rate_limit":
        return JSONResponse(fault.body or error_body, status_code=429,
                            headers={"Retry-After": f"{fault.retry_after:g}"})
    return JSONResponse(fault.body or error_body, status_code=fault.status)


Answer = tuple[int, Any]
"""A platform route answered before FastAPI: (status, JSON body)."""
FastRoute = Callable[[RecordedRequest], Answer | None]
"""The platform's busiest route, answered from the recorded request; None: not this route (FastAPI answers)."""

_JSON_HEADERS = [(b"content-type", b"application/json")]


def _json_bytes(body: Any) -> bytes:
    return json.dumps(body, ensure_ascii=False, allow_nan=False, separators=(",", ":")).encode()


class RecordAndFail:
    """Pure ASGI in front of the app: records every platform request (with its arrival time) and injects the
    queued faults. It reads the body once and hands it on; `fast_route` answers the platform's busiest route
    without FastAPI's routing and middleware stack, which cost more than the fake's own work."""

    def __init__(self, app: ASGIApp, state: FakeState, error_body: dict[str, Any],
                 fast_route: FastRoute | None) -> None:
        self.app = app
        self.state = state
        self.error_body = error_body
        self.fast_route = fast_route

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"].startswith("/_fake"):
            await self.app(scope, receive, send)
            return
        raw = await _read_body(receive)
        record = RecordedRequest(scope["method"], scope["path"], scope["query_string"].decode("latin-1"),
                                 {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]},
                                 _parsed(raw))
        self.state.requests.append(record)
        fault = self.state.next_fault()
        if fault is not None and fault.kind == "timeout":
            await asyncio.sleep(fault.delay_seconds)
            record.status = 504
            await JSONResponse(self.error_body, status_code=504)(scope, receive, send)
            return
        if fault is not None:
            response = _fault_response(fault, self.error_body)
            record.status = response.status_code
            await response(scope, receive, send)
            return
        answer = self.fast_route(record) if self.fast_route is not None else None
        if answer is not None:
            record.status, body = answer
            content = _json_bytes(body)
            await send({"type": "http.response.start", "status": record.status,
                        "headers": [*_JSON_HEADERS, (b"content-length", str(len(content)).encode())]})
            await send({"type": "http.response.body", "body": content})
            return
        await self.app(scope, _replay(raw, receive), _recording_status(record, send))


async def _read_body(receive: Receive) -> bytes:
    chunks: list[bytes] = []
    while True:
        message = await receive()
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            return b"".join(chunks)


def _parsed(raw: bytes) -> Any:
    if not raw:
        return None
    try:
        return json.loads(raw)
    except ValueError:
        return raw.decode(errors="replace")


def _replay(raw: bytes, receive: Receive) -> Receive:
    """The body already read, then the connection's own messages (a disconnect)."""
    replayed = False

    async def replay() -> Message:
        nonlocal replayed
        if replayed:
            return await receive()
        replayed = True
        return {"type": "http.request", "body": raw, "more_body": False}

    return replay


def _recording_status(record: RecordedRequest, send: Send) -> Send:
    async def recording(message: Message) -> None:
        if message["type"] == "http.response.start":
            record.status = message["status"]
        await send(message)

    return recording


def create_fake_app(title: str, error_body: dict[str, Any], fast_route: FastRoute | None = None) -> FastAPI:
    """A FastAPI app with recording, faults and the /_fake control routes; add the platform routes to it."""
    app = FastAPI(title=title)
    state = FakeState()
    app.state.fake = state
    # Outermost, in front of FastAPI's own middleware stack (built on the first request).
    build_stack = app.build_middleware_stack
    app.build_middleware_stack = lambda: RecordAndFail(build_stack(), state, error_body, fast_route)  # type: ignore[method-assign]

    @app.get("/_fake/requests")
    async def recorded() -> list[dict[str, Any]]:
        return [asdict(r) for r in state.requests]

    @app.delete("/_fake/requests", status_code=204)
    async def forget() -> Response:
        state.requests.clear()
        return Response(status_code=204)

    @app.post("/_fake/faults", status_code=201)
    async def add_fault(fault: Fault) -> dict[str, Any]:
        state.faults.append(fault)
        return {"queued": len(state.faults)}

    @app.delete("/_fake/faults", status_code=204)
    async def clear_faults() -> Response:
        state.faults.clear()
        return Response(status_code=204)

    return app


def main(app: FastAPI, description: str) -> None:
    """`python -m sellerbot_fakes.<platform>_fake --port N`."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    uvicorn.run(app, host=args.host, port=args.port, log_level="warning", access_log=False)


class ServedFake:
    """A fake served by uvicorn inside the running event loop (tests): `await ServedFake.start(app)`."""

    def __init__(self, app: FastAPI, server: uvicorn.Server, task: asyncio.Task[None], port: int) -> None:
        self.app = app
        self.server = server
        self.task = task
        self.port = port

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def state(self) -> FakeState:
        state: FakeState = self.app.state.fake
        return state

    @classmethod
    async def start(cls, app: FastAPI, port: int = 0) -> ServedFake:
        import socket

        if not port:
            with socket.socket() as sock:
                sock.bind(("127.0.0.1", 0))
                port = int(sock.getsockname()[1])
        server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning",
                                               lifespan="off", access_log=False))
        task = asyncio.create_task(server.serve())
        deadline = time.monotonic() + 10
        while not server.started:
            if task.done() or time.monotonic() > deadline:
                raise RuntimeError(f"fake did not start on port {port}")
            await asyncio.sleep(0.01)
        return cls(app, server, task, port)

    def successful(self, path_contains: str = "") -> list[RecordedRequest]:
        return [r for r in self.state.requests if 200 <= r.status < 400 and path_contains in r.path]

    def fail(self, **fault: Any) -> None:
        self.state.faults.append(Fault(**fault))

    def heal(self) -> None:
        self.state.faults.clear()

    async def stop(self) -> None:
        self.server.should_exit = True
        await self.task
