"""Telegram Bot API fake: `POST /bot<TOKEN>/sendMessage` (JSON or form), 1-4096 characters of text.

Run: `python -m sellerbot_fakes.telegram_fake --port 8083`.
"""

from __future__ import annotations

import itertools
import time
from typing import Any

from fastapi import Request
from fastapi.responses import JSONResponse

from sellerbot_fakes.platform_fake import create_fake_app, main

_ids = itertools.count(5000)


def _error(status: int, description: str) -> JSONResponse:
    return JSONResponse({"ok": False, "error_code": status, "description": description}, status_code=status)


def create_app() -> Any:
    app = create_fake_app("Telegram Bot API fake", {"ok": False, "error_code": 502, "description": "Bad Gateway"})

    @app.post("/bot{token}/{method}")
    async def call(token: str, method: str, request: Request) -> JSONResponse:
        if ":" not in token:
            return _error(401, "Unauthorized")
        if request.headers.get("content-type", "").startswith("application/json"):
            params: dict[str, Any] = await request.json()
        else:
            params = dict(await request.form())
        bot_id = int(token.split(":", 1)[0]) if token.split(":", 1)[0].isdigit() else 1
        if method == "getMe":
            return JSONResponse({"ok": True, "result": {"id": bot_id, "is_bot": True, "first_name": "Seller Bot"}})
        if method == "setWebhook":
            return JSONResponse({"ok": True, "result": True, "description": "Webhook was set"})
        if method != "sendMessage":
            return _error(404, "Not Found")
        text = str(params.get("text") or "")
        if not params.get("chat_id"):
            return _error(400, "Bad Request: chat_id is empty")
        if not text:
            return _error(400, "Bad Request: message text is empty")
        if len(text) > 4096:
            return _error(400, "Bad Request: message is too long")
        return JSONResponse({"ok": True, "result": {
            "message_id": next(_ids), "from": {"id": bot_id, "is_bot": True, "first_name": "Seller Bot"},
            "chat": {"id": params["chat_id"], "type": "private"}, "date": int(time.time()), "text": text,
        }})

    return app


app = create_app()

if __name__ == "__main__":
    main(app, "Telegram Bot API fake")
