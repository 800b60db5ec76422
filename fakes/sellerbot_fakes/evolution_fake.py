"""Evolution API v2 (WhatsApp) fake: `POST /message/sendText/{instance}` with the `apikey` header.

Accepts the v2 body (`number`, `text`, optional `delay`, `linkPreview`, `quoted`) and the v1 (1.8.x) body
(`number`, `options`, `textMessage.text`); answers 201 with the sent message like Evolution does.
`GET /_fake/sent` lists what it accepted with the `key.id` it answered, so a test can post that message's
receipt (`sellerbot_fakes.receipts.evolution_messages_update`).
Run: `python -m sellerbot_fakes.evolution_fake --port 8081`.
"""

from __future__ import annotations

import os
import time
import uuid
from typing import Any

from fastapi import Request
from fastapi.responses import JSONResponse

from sellerbot_fakes.platform_fake import create_fake_app, main

API_KEY = os.environ.get("FAKE_EVOLUTION_API_KEY", "")  # empty: any apikey header is accepted


def _error(status: int, error: str, message: Any) -> JSONResponse:
    return JSONResponse({"status": status, "error": error, "response": {"message": message}}, status_code=status)


def create_app() -> Any:
    app = create_fake_app("Evolution API fake", {"status": 500, "error": "Internal Server Error",
                                                 "response": {"message": "fault injected"}})
    sent: list[dict[str, str]] = []

    @app.get("/_fake/sent")
    async def accepted() -> list[dict[str, str]]:
        return sent

    @app.post("/message/sendText/{instance}")
    async def send_text(instance: str, request: Request) -> JSONResponse:
        key = request.headers.get("apikey")
        if key is None or (API_KEY and key != API_KEY):
            return _error(401, "Unauthorized", "Unauthorized")
        body = await request.json()
        text = body.get("text") or (body.get("textMessage") or {}).get("text")
        number = str(body.get("number") or "")
        if not number or not isinstance(text, str) or not text:
            return _error(400, "Bad Request", ["instance requires property \"number\" and \"text\""])
        jid = number if "@" in number else f"{number}@s.whatsapp.net"
        key_id = "3EB0" + uuid.uuid4().hex[:18].upper()
        sent.append({"instance": instance, "number": number, "remote_jid": jid, "text": text, "key_id": key_id})
        return JSONResponse({
            "key": {"remoteJid": jid, "fromMe": True, "id": key_id},
            "pushName": "", "status": "PENDING", "message": {"conversation": text},
            "messageType": "conversation", "messageTimestamp": int(time.time()), "instanceId": instance,
            "source": "unknown",
        }, status_code=201)

    return app


app = create_app()

if __name__ == "__main__":
    main(app, "Evolution API fake")
