"""An OpenAI-compatible chat completions server (`POST /v1/chat/completions`) for tests, benchmarks and
`make run`: non-streaming and streaming (SSE chunks ending with `data: [DONE]`), with configurable
latency, error status and timeouts, and a record of every request it received.

Run it: `python -m sellerbot_fakes.openai_fake --port 18001`, then point OPENAI_BASE_URL at
`http://127.0.0.1:18001/v1`. Control it over HTTP (`POST /_fake/config`, `GET /_fake/requests`,
`POST /_fake/reset`) or in-process through `OpenAIFake`.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import re
import threading
import time
import uuid
from collections.abc import AsyncIterator
from dataclasses import asdict, dataclass, field
from typing import Any

import uvicorn
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, StreamingResponse
from pydantic import BaseModel, ConfigDict


@dataclass
class FakeBehaviour:
    """How the fake answers. `reply` None = echo the "RESPOSTA VERIFICADA" of the system prompt, if any,
    else a fixed sentence; `fail_status` answers the next `fail_times` requests (-1 = all) with that status;
    `hang_seconds` delays before answering (longer than the client timeout = a timeout)."""

    reply: str | None = None
    latency_ms: float = 0.0
    fail_status: int = 0
    fail_times: int = -1
    hang_seconds: float = 0.0
    prompt_tokens: int = 0
    completion_tokens: int = 0


@dataclass
class RecordedRequest:
    body: dict[str, Any]
    headers: dict[str, str]
    at: float = field(default_factory=time.time)


class _ChatRequest(BaseModel):
    model_config = ConfigDict(extra="allow")
    model: str
    messages: list[dict[str, Any]]
    stream: bool = False


_VERIFIED = re.compile(r"RESPOSTA VERIFICADA[^:]*:\s*(.+)", re.DOTALL)


class OpenAIFake:
    def __init__(self) -> None:
        self.behaviour = FakeBehaviour()
        self.requests: list[RecordedRequest] = []
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self.port = 0
        self.app = self._build_app()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def configure(self, **changes: Any) -> None:
        for key, value in changes.items():
            if not hasattr(self.behaviour, key):
                raise AttributeError(key)
            setattr(self.behaviour, key, value)

    def reset(self) -> None:
        self.behaviour = FakeBehaviour()
        self.requests.clear()

    def _reply_text(self, messages: list[dict[str, Any]]) -> str:
        if self.behaviour.reply is not None:
            return self.behaviour.reply
        system = next((str(m.get("content", "")) for m in messages if m.get("role") == "system"), "")
        verified = _VERIFIED.search(system)
        if verified:
            return verified.group(1).strip()
        return "Olá! Como posso ajudar?"

    def _build_app(self) -> FastAPI:
        app = FastAPI(title="OpenAI fake")

        @app.post("/v1/chat/completions", response_model=None)
        async def chat_completions(body: _ChatRequest, request: Request) -> Any:
            self.requests.append(RecordedRequest(body.model_dump(), dict(request.headers)))
            b = self.behaviour
            if b.hang_seconds:
                await asyncio.sleep(b.hang_seconds)
            if b.latency_ms:
                await asyncio.sleep(b.latency_ms / 1000)
            if b.fail_status and b.fail_times != 0:
                if b.fail_times > 0:
                    b.fail_times -= 1
                return JSONResponse(status_code=b.fail_status, content={"error": {
                    "message": f"injected failure {b.fail_status}", "type": "server_error", "code": None}})
            text = self._reply_text(body.messages)
            completion_id = f"chatcmpl-{uuid.uuid4().hex[:24]}"
            usage = {
                "prompt_tokens": b.prompt_tokens or sum(len(str(m.get("content", "")).split()) for m in body.messages),
                "completion_tokens": b.completion_tokens or len(text.split()),
            }
            usage["total_tokens"] = usage["prompt_tokens"] + usage["completion_tokens"]
            if body.stream:
                return StreamingResponse(self._chunks(completion_id, body.model, text),
                                         media_type="text/event-stream")
            return {
                "id": completion_id, "object": "chat.completion", "created": int(time.time()), "model": body.model,
                "choices": [{"index": 0, "message": {"role": "assistant", "content": text},
                             "finish_reason": "stop", "logprobs": None}],
                "usage": usage,
            }

        @app.post("/_fake/config")
        async def configure(changes: dict[str, Any]) -> dict[str, Any]:
            self.configure(**changes)
            return asdict(self.behaviour)

        @app.post("/_fake/reset")
        async def reset() -> dict[str, str]:
            self.reset()
            return {"status": "reset"}

        @app.get("/_fake/requests")
        async def recorded() -> list[dict[str, Any]]:
            return [{"body": r.body, "at": r.at} for r in self.requests]

        return app

    async def _chunks(self, completion_id: str, model: str, text: str) -> AsyncIterator[str]:
        created = int(time.time())

        def chunk(delta: dict[str, Any], finish: str | None = None) -> str:
            return "data: " + json.dumps({
                "id": completion_id, "object": "chat.completion.chunk", "created": created, "model": model,
                "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
            }) + "\n\n"

        yield chunk({"role": "assistant", "content": ""})
        for word in re.findall(r"\S+\s*", text):
            yield chunk({"content": word})
        yield chunk({}, "stop")
        yield "data: [DONE]\n\n"

    # --- running in a background thread (tests, benchmarks) ----------------------------------------
    def start(self, port: int = 0) -> OpenAIFake:
        config = uvicorn.Config(self.app, host="127.0.0.1", port=port, log_level="warning", lifespan="off")
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, name="openai-fake", daemon=True)
        self._thread.start()
        deadline = time.monotonic() + 10
        while not self._server.started:
            if time.monotonic() > deadline:
                raise RuntimeError("OpenAI fake did not start")
            time.sleep(0.01)
        self.port = self._server.servers[0].sockets[0].getsockname()[1]
        return self

    def stop(self) -> None:
        if self._server:
            self._server.should_exit = True
        if self._thread:
            self._thread.join(timeout=5)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, default=18001)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--latency-ms", type=float, default=0.0)
    parser.add_argument("--reply", default=None, help="fixed reply text (default: echo the verified answer)")
    args = parser.parse_args()
    fake = OpenAIFake()
    fake.configure(latency_ms=args.latency_ms, reply=args.reply)
    uvicorn.run(fake.app, host=args.host, port=args.port, log_level="warning")


if __name__ == "__main__":
    main()
