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
from dataclasses import asdict, dataclass, field
from typing import Any

import uvicorn
from fastapi import FastAPI, Request, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from starlette.middleware.base import BaseHTTPMiddleware, RequestResponseEndpoint


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


def create_fake_app(title: str, error_body: dict[str, Any]) -> FastAPI:
    """A FastAPI app with recording, faults and the /_fake control routes; add the platform routes to it."""
    app = FastAPI(title=title)
    state = FakeState()
    app.state.fake = state

    class RecordAndFail(BaseHTTPMiddleware):
        async def dispatch(self, request: Request, call_next: RequestResponseEndpoint) -> Response:
            if request.url.path.startswith("/_fake"):
                return await call_next(request)
            raw = await request.body()
            try:
                body: Any = json.loads(raw) if raw else None
            except ValueError:
                body = raw.decode(errors="replace")
            record = RecordedRequest(request.method, request.url.path, request.url.query,
                                     {k.lower(): v for k, v in request.headers.items()}, body)
            state.requests.append(record)
            fault = state.next_fault()
            if fault is not None and fault.kind == "timeout":
                await asyncio.sleep(fault.delay_seconds)
                record.status = 504
                return JSONResponse(error_body, status_code=504)
            response = _fault_response(fault, error_body) if fault else await call_next(request)
            record.status = response.status_code
            return response

    app.add_middleware(RecordAndFail)

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
    uvicorn.run(app, host=args.host, port=args.port, log_level="warning")


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
                                               lifespan="off"))
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
