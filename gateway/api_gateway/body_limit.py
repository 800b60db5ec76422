"""Request bodies larger than the configured size get 413 before any route reads them.

`BodySizeLimitMiddleware` guards the FastAPI routes; the webhook ingress, which answers before FastAPI, reads
its bodies with `read_body` and answers with the same `payload_too_large` JSON.
"""

from __future__ import annotations

from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send


class BodyTooLarge(Exception):
    pass


class ClientDisconnected(Exception):
    pass


def declared_too_large(scope: Scope, max_bytes: int) -> bool:
    """The Content-Length header already says the body is over the limit."""
    for name, value in scope.get("headers") or ():
        if name == b"content-length":
            return value.isdigit() and int(value) > max_bytes
    return False


def payload_too_large(max_bytes: int) -> JSONResponse:
    return JSONResponse({"error": "payload_too_large", "detail": f"request body exceeds {max_bytes} bytes"},
                        status_code=413)


async def read_body(receive: Receive, max_bytes: int) -> bytes:
    """The whole request body; BodyTooLarge as soon as it passes `max_bytes` (the rest is never buffered)."""
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            raise ClientDisconnected
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > max_bytes:
            raise BodyTooLarge
        chunks.append(chunk)
        if not message.get("more_body", False):
            return chunks[0] if len(chunks) == 1 else b"".join(chunks)


class BodySizeLimitMiddleware:
    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if declared_too_large(scope, self.max_bytes):
            await payload_too_large(self.max_bytes)(scope, receive, send)
            return
        received = 0
        response_started = False

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    raise BodyTooLarge
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal response_started
            response_started = response_started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, limited_receive, tracking_send)
        except BodyTooLarge:
            if not response_started:
                await payload_too_large(self.max_bytes)(scope, receive, send)
