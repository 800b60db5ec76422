"""Chatwoot fake: conversation messages and toggle_status, contacts' custom attributes and labels, and the
account's labels, authenticated with the `api_access_token` header.

As Chatwoot does, `PUT .../contacts/{id}` merges `custom_attributes` into the contact's, and
`POST .../contacts/{id}/labels` replaces the contact's labels with those of the list that are labels of the
account (`POST .../labels` creates one), dropping the others. A contact the fake has not seen is created on
first use (the real one would answer 404 for an id it does not have); `GET .../contacts/{id}` and
`GET .../contacts/{id}/labels` read the result; `POST .../contacts/{id}/destroy_custom_attributes` removes the
listed keys.

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

    contacts: dict[tuple[int, int], dict[str, Any]] = {}
    account_labels: dict[int, dict[str, dict[str, Any]]] = {}
    app.state.chatwoot_contacts = contacts

    def contact_of(account_id: int, contact_id: int) -> dict[str, Any]:
        return contacts.setdefault((account_id, contact_id), {
            "id": contact_id, "name": "", "email": None, "phone_number": None, "identifier": None,
            "additional_attributes": {}, "custom_attributes": {}, "labels": [], "availability_status": "offline",
            "created_at": int(time.time()), "last_activity_at": int(time.time())})

    @app.get("/api/v1/accounts/{account_id}/contacts/{contact_id}")
    async def show_contact(account_id: int, contact_id: int, request: Request) -> JSONResponse:
        if (denied := unauthorized(request)) is not None:
            return denied
        return JSONResponse({"payload": _contact_json(contact_of(account_id, contact_id))})

    @app.put("/api/v1/accounts/{account_id}/contacts/{contact_id}")
    async def update_contact(account_id: int, contact_id: int, request: Request) -> JSONResponse:
        if (denied := unauthorized(request)) is not None:
            return denied
        body = await request.json()
        contact = contact_of(account_id, contact_id)
        attributes = body.get("custom_attributes")
        if attributes is not None and not isinstance(attributes, dict):
            return JSONResponse({"message": "custom_attributes must be an object"}, status_code=422)
        contact["custom_attributes"] = {**contact["custom_attributes"], **(attributes or {})}
        for key in ("name", "email", "phone_number", "identifier"):
            if key in body:
                contact[key] = body[key]
        return JSONResponse({"payload": _contact_json(contact)})

    @app.post("/api/v1/accounts/{account_id}/contacts/{contact_id}/destroy_custom_attributes")
    async def destroy_custom_attributes(account_id: int, contact_id: int, request: Request) -> JSONResponse:
        if (denied := unauthorized(request)) is not None:
            return denied
        keys = (await request.json()).get("custom_attributes") or []
        contact = contact_of(account_id, contact_id)
        contact["custom_attributes"] = {k: v for k, v in contact["custom_attributes"].items() if k not in keys}
        return JSONResponse({"payload": _contact_json(contact)})

    @app.get("/api/v1/accounts/{account_id}/contacts/{contact_id}/labels")
    async def contact_labels(account_id: int, contact_id: int, request: Request) -> JSONResponse:
        if (denied := unauthorized(request)) is not None:
            return denied
        return JSONResponse({"payload": contact_of(account_id, contact_id)["labels"]})

    @app.post("/api/v1/accounts/{account_id}/contacts/{contact_id}/labels")
    async def set_contact_labels(account_id: int, contact_id: int, request: Request) -> JSONResponse:
        if (denied := unauthorized(request)) is not None:
            return denied
        posted = (await request.json()).get("labels") or []
        known = account_labels.get(account_id, {})
        contact = contact_of(account_id, contact_id)
        contact["labels"] = [str(label) for label in posted if str(label) in known]
        return JSONResponse({"payload": contact["labels"]})

    @app.post("/api/v1/accounts/{account_id}/labels")
    async def create_label(account_id: int, request: Request) -> JSONResponse:
        if (denied := unauthorized(request)) is not None:
            return denied
        body = await request.json()
        title = str(body.get("title") or "").strip().lower()
        labels = account_labels.setdefault(account_id, {})
        if not title or title in labels:
            return JSONResponse({"message": "Title has already been taken" if title else "Title can't be blank"},
                                status_code=422)
        labels[title] = {"id": next(_ids), "title": title, "description": body.get("description", ""),
                         "color": body.get("color", "#1f93ff"), "show_on_sidebar": bool(body.get("show_on_sidebar"))}
        return JSONResponse(labels[title])

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


def _contact_json(contact: dict[str, Any]) -> dict[str, Any]:
    """Chatwoot's contact JSON (its labels are read from .../labels, not here)."""
    return {key: value for key, value in contact.items() if key != "labels"}


app = create_app()

if __name__ == "__main__":
    main(app, "Chatwoot fake")
