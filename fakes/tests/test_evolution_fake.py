"""The Evolution fake over HTTP: sendText's answers, the records and faults every fake shares."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from sellerbot_fakes import evolution_fake
from sellerbot_fakes.platform_fake import ServedFake


@pytest.fixture
async def fake() -> AsyncIterator[ServedFake]:
    served = await ServedFake.start(evolution_fake.create_app())
    yield served
    await served.stop()


async def test_send_text_answers_201_with_the_sent_message_and_records_it(fake: ServedFake) -> None:
    async with httpx.AsyncClient(base_url=fake.url) as client:
        answer = await client.post("/message/sendText/loja?x=1", json={"number": "5511999", "text": "olá"},
                                   headers={"apikey": "k"})
        records = (await client.get("/_fake/requests")).json()
        sent = (await client.get("/_fake/sent")).json()
    assert answer.status_code == 201
    assert answer.headers["content-type"] == "application/json"
    body = answer.json()
    assert body["key"]["remoteJid"] == "5511999@s.whatsapp.net" and body["key"]["fromMe"] is True
    assert body["key"]["id"].startswith("3EB0") and len(body["key"]["id"]) == 22
    assert (body["status"], body["message"], body["instanceId"]) == ("PENDING", {"conversation": "olá"}, "loja")
    [record] = records
    assert (record["method"], record["path"], record["query"], record["status"]) == (
        "POST", "/message/sendText/loja", "x=1", 201)
    assert record["headers"]["apikey"] == "k" and record["body"] == {"number": "5511999", "text": "olá"}
    assert isinstance(record["at"], float)
    assert sent == [{"instance": "loja", "number": "5511999", "remote_jid": "5511999@s.whatsapp.net",
                     "text": "olá", "key_id": body["key"]["id"]}]


async def test_the_v1_body_is_accepted(fake: ServedFake) -> None:
    async with httpx.AsyncClient(base_url=fake.url) as client:
        answer = await client.post("/message/sendText/loja", headers={"apikey": "k"},
                                   json={"number": "5511999", "options": {}, "textMessage": {"text": "v1"}})
    assert answer.status_code == 201 and answer.json()["message"] == {"conversation": "v1"}


async def test_without_apikey_401_and_without_text_400_in_evolutions_error_shape(fake: ServedFake) -> None:
    async with httpx.AsyncClient(base_url=fake.url) as client:
        unauthorized = await client.post("/message/sendText/loja", json={"number": "1", "text": "x"})
        bad = await client.post("/message/sendText/loja", json={"number": "1"}, headers={"apikey": "k"})
    assert unauthorized.status_code == 401
    assert unauthorized.json() == {"status": 401, "error": "Unauthorized", "response": {"message": "Unauthorized"}}
    assert bad.status_code == 400 and bad.json()["error"] == "Bad Request"
    assert [r.status for r in fake.state.requests] == [401, 400]


async def test_a_queued_fault_answers_instead_and_is_recorded(fake: ServedFake) -> None:
    fake.fail(kind="rate_limit", times=1, retry_after=2)
    async with httpx.AsyncClient(base_url=fake.url) as client:
        limited = await client.post("/message/sendText/loja", json={"number": "1", "text": "x"},
                                    headers={"apikey": "k"})
        then = await client.post("/message/sendText/loja", json={"number": "1", "text": "x"},
                                 headers={"apikey": "k"})
    assert (limited.status_code, limited.headers["retry-after"], then.status_code) == (429, "2", 201)
    assert [r.status for r in fake.successful("sendText")] == [201]


async def test_other_paths_still_reach_fastapi_and_are_recorded(fake: ServedFake) -> None:
    async with httpx.AsyncClient(base_url=fake.url) as client:
        missing = await client.post("/instance/create", content=b"not json")
    assert missing.status_code == 404
    [record] = fake.state.requests
    assert (record.path, record.body, record.status) == ("/instance/create", "not json", 404)
