"""Instagram Graph API fake: the Send API (`POST [/vNN]/{me|IG_ID}/messages`) with a Bearer or
`access_token` token; text must be shorter than 1000 characters, as Meta documents.

Run: `python -m sellerbot_fakes.graph_fake --port 8082`.
"""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import Request
from fastapi.responses import JSONResponse

from sellerbot_fakes.platform_fake import create_fake_app, main


def _oauth_error(message: str, code: int, status: int = 400) -> JSONResponse:
    return JSONResponse({"error": {"message": message, "type": "OAuthException", "code": code,
                                   "fbtrace_id": uuid.uuid4().hex[:11]}}, status_code=status)


def create_app() -> Any:
    app = create_fake_app("Graph API fake", {"error": {"message": "An unexpected error has occurred.",
                                                       "type": "OAuthException", "code": 2, "is_transient": True}})

    async def send(account: str, request: Request) -> JSONResponse:
        bearer = request.headers.get("authorization", "").removeprefix("Bearer ").strip()
        if not (bearer or request.query_params.get("access_token")):
            return _oauth_error("An active access token must be used to query information.", 2500)
        body = await request.json()
        recipient = (body.get("recipient") or {}).get("id")
        message = body.get("message") or {}
        if not recipient:
            return _oauth_error("(#100) The parameter recipient is required", 100)
        text = message.get("text")
        if text is not None and len(text) >= 1000:
            return _oauth_error("(#100) Length of param message[text] must be less than 1000 characters", 100)
        return JSONResponse({"recipient_id": recipient, "message_id": "aWdf" + uuid.uuid4().hex})

    @app.post("/{version}/{account}/messages")
    async def send_versioned(version: str, account: str, request: Request) -> JSONResponse:
        return await send(account, request)

    @app.post("/{account}/messages")
    async def send_plain(account: str, request: Request) -> JSONResponse:
        return await send(account, request)

    return app


app = create_app()

if __name__ == "__main__":
    main(app, "Graph API fake")
