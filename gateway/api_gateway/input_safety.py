"""422 for text no service can store: NUL characters and unpaired UTF-16 surrogates, and NaN/Infinity numbers.

JSON may spell them (`"\\u0000"`, `"\\ud800"`, `NaN`) and Python decodes them happily, but protobuf refuses
surrogates (not UTF-8), PostgreSQL refuses NUL in text, and NaN/Infinity are not numbers any service can keep.
One check here, for every route behind FastAPI, instead of one per field: the path, the query string and
JSON bodies. Bodies are only decoded twice when they contain a `\\u` escape or a NaN/Infinity literal.
"""

from __future__ import annotations

import json
import re
from typing import Any

from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api_gateway.api.errors import error_body

_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")
_SUSPECT_BODY = re.compile(rb"\\u|NaN|Infinity")
UNSTORABLE_TEXT = "contains a NUL character or an unpaired surrogate"


class _NotANumber(ValueError):
    pass


def _reject_constant(name: str) -> Any:
    raise _NotANumber(name)


def unstorable_field(value: Any, path: str = "") -> str | None:
    """The dotted path of the first string (key or value) that no service can store, if any."""
    if isinstance(value, str):
        return path or "body" if _UNSTORABLE.search(value) else None
    if isinstance(value, dict):
        for key, item in value.items():
            child = f"{path}.{key}" if path else str(key)
            if _UNSTORABLE.search(str(key)):
                return path or "body"
            if (found := unstorable_field(item, child)) is not None:
                return found
    if isinstance(value, list):
        for index, item in enumerate(value):
            if (found := unstorable_field(item, f"{path}.{index}" if path else str(index))) is not None:
                return found
    return None


def _invalid(field: str, message: str) -> JSONResponse:
    return JSONResponse(error_body("validation_error", f"{field}: {message}",
                                   fields=[{"field": field, "message": message}]), status_code=422)


def _check_target(scope: Scope) -> JSONResponse | None:
    if b"%00" in scope.get("raw_path", b"") or "\x00" in scope["path"]:
        return _invalid("path", "contains a NUL character")
    if b"%00" in scope.get("query_string", b""):
        return _invalid("query", "contains a NUL character")
    return None


def _check_json(body: bytes) -> JSONResponse | None:
    if not _SUSPECT_BODY.search(body):
        return None
    try:
        data = json.loads(body, parse_constant=_reject_constant)
    except _NotANumber as exc:
        return _invalid("body", f"{exc} is not a JSON number")
    except ValueError:
        return None  # not JSON at all: the route's own validation answers
    field = unstorable_field(data)
    return _invalid(field, UNSTORABLE_TEXT) if field is not None else None


def _is_json(scope: Scope) -> bool:
    for name, value in scope.get("headers") or ():
        if name == b"content-type":
            return b"json" in value.lower()
    return False


class InputSafetyMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if (refused := _check_target(scope)) is not None:
            await refused(scope, receive, send)
            return
        if not _is_json(scope):
            await self.app(scope, receive, send)
            return
        chunks: list[bytes] = []
        while True:
            message = await receive()
            if message["type"] != "http.request":
                await self.app(scope, _replay([], message, receive), send)  # disconnected: let the route see it
                return
            chunks.append(message.get("body", b""))
            if not message.get("more_body", False):
                break
        body = b"".join(chunks)
        if (refused := _check_json(body)) is not None:
            await refused(scope, receive, send)
            return
        await self.app(scope, _replay([body], None, receive), send)


def _replay(bodies: list[bytes], last: Message | None, receive: Receive) -> Receive:
    """A receive that hands the app the body already read, then whatever the client sends next."""
    pending: list[Message] = [{"type": "http.request", "body": b, "more_body": False} for b in bodies]
    if last is not None:
        pending.append(last)

    async def replayed() -> Message:
        return pending.pop(0) if pending else await receive()

    return replayed
