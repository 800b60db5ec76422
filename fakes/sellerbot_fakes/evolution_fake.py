"""Evolution API v2 (WhatsApp) fake: `POST /message/sendText/{instance}` with the `apikey` header.

Accepts the v2 body (`number`, `text`, optional `delay`, `linkPreview`, `quoted`) and the v1 (1.8.x) body
(`number`, `options`, `textMessage.text`); answers 201 with the sent message like Evolution does.
`GET /_fake/sent` lists what it accepted with the `key.id` it answered, so a test can post that message's
receipt (`sellerbot_fakes.receipts.evolution_messages_update`).
sendText is answered before FastAPI's routing (`create_fake_app`'s `fast_route`): in the stack benchmark the
fake shares the cores with the product, so its cost per reply counts against it.
Run: `python -m sellerbot_fakes.evolution_fake --port 8081`.
"""

from __future__ import annotations

import os
import secrets
import time
from typing import Any

from sellerbot_fakes.platform_fake import Answer, RecordedRequest, create_fake_app, main

API_KEY = os.environ.get("FAKE_EVOLUTION_API_KEY", "")  # empty: any apikey header is accepted
SEND_TEXT = "/message/sendText/"
UNAUTHORIZED: Answer = (401, {"status": 401, "error": "Unauthorized", "response": {"message": "Unauthorized"}})
BAD_REQUEST: Answer = (400, {"status": 400, "error": "Bad Request",
                             "response": {"message": ["instance requires property \"number\" and \"text\""]}})


def create_app() -> Any:
    sent: list[dict[str, str]] = []

    def send_text(request: RecordedRequest) -> Answer | None:
        instance = request.path[len(SEND_TEXT):]
        if request.method != "POST" or not request.path.startswith(SEND_TEXT) or not instance or "/" in instance:
            return None
        key = request.headers.get("apikey")
        if key is None or (API_KEY and key != API_KEY):
            return UNAUTHORIZED
        body = request.body if isinstance(request.body, dict) else {}
        text = body.get("text") or (body.get("textMessage") or {}).get("text")
        number = str(body.get("number") or "")
        if not number or not isinstance(text, str) or not text:
            return BAD_REQUEST
        jid = number if "@" in number else f"{number}@s.whatsapp.net"
        key_id = "3EB0" + secrets.token_hex(9).upper()
        sent.append({"instance": instance, "number": number, "remote_jid": jid, "text": text, "key_id": key_id})
        return 201, {
            "key": {"remoteJid": jid, "fromMe": True, "id": key_id},
            "pushName": "", "status": "PENDING", "message": {"conversation": text},
            "messageType": "conversation", "messageTimestamp": int(time.time()), "instanceId": instance,
            "source": "unknown",
        }

    app = create_fake_app("Evolution API fake", {"status": 500, "error": "Internal Server Error",
                                                 "response": {"message": "fault injected"}}, fast_route=send_text)

    @app.get("/_fake/sent")
    async def accepted() -> list[dict[str, str]]:
        return sent

    return app


app = create_app()

if __name__ == "__main__":
    main(app, "Evolution API fake")
