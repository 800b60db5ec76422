"""The CRM over HTTP through the real gateway: the routes, their JSON and CSV, and their 4xx answers."""

from __future__ import annotations

import httpx

from .test_through_gateway import gateway  # noqa: F401  (the real gateway in front of the test's chatbot)


async def test_contacts_and_orders_through_the_gateway(gateway: httpx.AsyncClient) -> None:  # noqa: F811
    await gateway.post("/seller-bot/message", json={"contact_id": "whatsapp:5511987650000", "message": "oi",
                                                   "channel": "whatsapp", "contact_name": "Rita"})
    page = (await gateway.get("/seller-bot/contacts", params={"q": "rita"})).json()
    contact = page["contacts"][0]
    assert contact["phone"] == "5511987650000" and page["next_cursor"] == ""
    patched = await gateway.patch(f"/seller-bot/contacts/{contact['id']}",
                                  json={"tags": ["VIP"], "notes": "prefere pix", "stage": "price_asked"})
    assert patched.status_code == 200, patched.text
    detail = patched.json()
    assert detail["contact"]["tags"] == ["vip"] and detail["timeline"][0]["kind"] == "message_out"

    created = await gateway.post("/seller-bot/orders", json={"contact": contact["id"], "line_items": [
        {"name": "Bolsa", "quantity": 1, "unit_price": "99.90"}], "confirm": True})
    assert created.status_code == 201 and created.json()["status"] == "confirmed", created.text
    orders = (await gateway.get("/seller-bot/orders", params={"source": "manual"})).json()["orders"]
    assert [o["total"] for o in orders] == ["99.90"]

    export = await gateway.get("/seller-bot/contacts/export.csv")
    assert export.status_code == 200 and export.headers["content-type"].startswith("text/csv")
    assert "5511987650000" in export.text and export.text.startswith("id,name,phone")
    dry = await gateway.post("/seller-bot/contacts/import", params={"dry_run": "true"},
                             content="name,phone\nNovo,11912340000\n", headers={"content-type": "text/csv"})
    assert dry.json() == {"created": 1, "updated": 0, "errors": [], "dry_run": True}

    bad = await gateway.get("/seller-bot/contacts", params={"sort": "random"})
    assert bad.status_code == 422
    bad_cursor = await gateway.get("/seller-bot/contacts", params={"cursor": "nope"})
    assert bad_cursor.status_code == 422 and bad_cursor.json()["fields"][0]["field"] == "cursor"
    bad_order = await gateway.post("/seller-bot/orders", json={"line_items": [{"name": "x", "quantity": 0}]})
    assert bad_order.status_code == 422
    person = await gateway.get(f"/seller-bot/contacts/{contact['id']}/export")
    assert person.status_code == 200 and person.json()["contact"]["name"] == "Rita"
    erased = await gateway.delete(f"/seller-bot/contacts/{contact['id']}")
    assert erased.status_code == 200 and erased.json()["erased"]["contacts"] == 1
    assert (await gateway.get(f"/seller-bot/contacts/{contact['id']}")).status_code == 404
    assert (await gateway.post("/seller-bot/contacts/merges/nope/undo")).status_code == 404


async def test_a_contacts_owner_must_be_a_member_of_the_shop(gateway: httpx.AsyncClient) -> None:  # noqa: F811
    await gateway.post("/seller-bot/message", json={"contact_id": "whatsapp:5511987650011", "message": "oi",
                                                   "channel": "whatsapp", "contact_name": "Tina"})
    contact = (await gateway.get("/seller-bot/contacts", params={"q": "tina"})).json()["contacts"][0]
    me = (await gateway.get("/auth/me")).json()
    outsider = await gateway.post("/auth/users", json={"email": f"outsider-{contact['id'][:8]}@test.local",
                                                       "password": "outsider-password-1"})
    assert outsider.status_code == 201, outsider.text  # a seller with a shop of their own
    for owner in ("nobody-here", outsider.json()["id"]):
        refused = await gateway.patch(f"/seller-bot/contacts/{contact['id']}", json={"owner": owner, "notes": "x"})
        assert refused.status_code == 422, refused.text
        assert refused.json()["fields"] == [{"field": "owner", "message": "not a member of this shop"}]
    unchanged = (await gateway.get(f"/seller-bot/contacts/{contact['id']}")).json()["contact"]
    assert unchanged["owner"] == "" and unchanged["notes"] == ""
    owned = await gateway.patch(f"/seller-bot/contacts/{contact['id']}", json={"owner": me["id"]})
    assert owned.status_code == 200 and owned.json()["contact"]["owner"] == me["id"]
    cleared = await gateway.patch(f"/seller-bot/contacts/{contact['id']}", json={"owner": ""})
    assert cleared.status_code == 200 and cleared.json()["contact"]["owner"] == ""
