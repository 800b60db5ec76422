"""Chatwoot fake: conversation messages and toggle_status, authenticated with the `api_access_token` header.

Run: `python -m sellerbot_fakes.chatwoot_fake --port 3000`.
"""

from __future__ import annotations

import itertools
import time
from typing import Any

from fastapi import Request
from fastapi.responses import JSONResponse

from sellerbot_fakes.platform_fake import create_fake_app, main

_ids = itertools.count(900000)


def create_app() -> Any:
    app = create_fake_app("Chatwoot fake", {"error": "fault injected"})

    def unauthorized(request: Request) -> JSONResponse | None:
        if not request.headers.get("api_access_token"):
            return JSONResponse({"error": "You need to sign in or sign up before continuing."}, status_code=401)
        return None

    @app.post("/api/v1/accounts/{account_id}/conversations/{conversation_id}/messages")
    async def create_message(account_id: int, conversation_id: int, request: Request) -> JSONResponse:
        if (denied := unauthorized(request)) is not None:
            return denied
        body = await request.json()
        if not body.get("content"):
            return JSONResponse({"error": "content can't be blank"}, status_code=422)
        return JSONResponse({
            "id": next(_ids), "content": body["content"], "inbox_id": 1, "conversation_id": conversation_id,
            "message_type": 1 if body.get("message_type", "outgoing") == "outgoing" else 0,
            "content_type": body.get("content_type", "text"), "content_attributes": {},
            "created_at": int(time.time()), "private": bool(body.get("private", False)), "source_id": None,
            "sender": {"id": 1, "name": "Seller Bot", "type": "agent_bot"}, "account_id": account_id,
        })

    @app.post("/api/v1/accounts/{account_id}/conversations/{conversation_id}/toggle_status")
    async def toggle_status(account_id: int, conversation_id: int, request: Request) -> JSONResponse:
        if (denied := unauthorized(request)) is not None:
            return denied
        status = (await request.json()).get("status")
        if status not in ("open", "resolved", "pending", "snoozed"):
            return JSONResponse({"error": "invalid status"}, status_code=422)
        return JSONResponse({"meta": {}, "payload": {"success": True, "current_status": status,
                                                     "conversation_id": conversation_id}})

    return app


app = create_app()

if __name__ == "__main__":
    main(app, "Chatwoot fake")
