"""The OpenAPI document is honest (one error schema, every status a route can answer), and absurd input is a
422 naming the field, never a server error."""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator, Callable
from typing import Any

import grpc
import httpx
import pytest
from sellerbot.chatbot.v1 import chatbot_pb2_grpc

from .conftest import login

ERROR_REF = "#/components/schemas/Error"
METHODS = {"get", "post", "put", "patch", "delete"}


def _operations(spec: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [(path, method, op) for path, ops in spec["paths"].items() for method, op in ops.items()
            if method in METHODS]


async def test_every_error_response_is_the_shared_error_schema(gateway: httpx.AsyncClient) -> None:
    spec = (await gateway.get("/openapi.json")).json()
    assert "HTTPValidationError" not in spec["components"]["schemas"]
    assert spec["components"]["schemas"]["Error"]["required"] == ["error", "detail"]
    for path, method, op in _operations(spec):
        for status, response in op["responses"].items():
            if int(status) < 400 or (path, status) == ("/readyz", "503"):
                continue
            assert response["content"]["application/json"]["schema"] == {"$ref": ERROR_REF}, (path, method, status)


async def test_every_operation_lists_the_statuses_it_can_answer(gateway: httpx.AsyncClient) -> None:
    spec = (await gateway.get("/openapi.json")).json()
    for path, method, op in _operations(spec):
        statuses = set(op["responses"])
        needs_token = bool(op.get("security")) and {} not in op["security"]
        expected = ({"401", "403"} if needs_token else set()) | ({"404"} if "{" in path else set()) | {"500"}
        if "requestBody" in op:
            expected |= {"413", "422"}
        if path.startswith(("/bot/", "/seller-bot/")) and path != "/seller-bot/health":
            expected |= {"404", "502", "503", "429"}
        assert expected <= statuses, (method, path, expected - statuses)
        if "429" in statuses:
            assert "Retry-After" in op["responses"]["429"]["headers"], (method, path)
        assert "X-Request-ID" in op["responses"]["500"]["headers"], (method, path)
    health = spec["paths"]["/seller-bot/health"]["get"]
    assert {} in health["security"]  # the token is optional there


def _keys(node: Any) -> set[str]:
    if isinstance(node, dict):
        return set(node) | {k for value in node.values() for k in _keys(value)}
    return {k for value in node for k in _keys(value)} if isinstance(node, list) else set()


async def test_bounds_are_json_schema_keywords_the_fuzzer_and_clients_understand(gateway: httpx.AsyncClient) -> None:
    spec = (await gateway.get("/openapi.json")).json()
    assert not _keys(spec["components"]["schemas"]) & {"ge", "le", "gt", "lt"}  # pydantic's names leak otherwise
    caps = spec["components"]["schemas"]["ProfileCreate"]["properties"]["daily_caps"]["additionalProperties"]
    assert (caps["minimum"], caps["maximum"]) == (0, 100_000)


async def test_the_documented_url_pattern_means_the_same_in_every_regex_engine(gateway: httpx.AsyncClient) -> None:
    """Whitespace classes differ between engines (ECMA's, Python's, Rust's): a pattern whose meaning depends on
    them lets a client accept a URL the gateway refuses. Unicode and ASCII semantics must agree on every path."""
    spec = (await gateway.get("/openapi.json")).json()
    pattern = spec["components"]["schemas"]["ProfileCreate"]["properties"]["proxy"]["pattern"]
    for code in range(0x3001):
        url = f"socks5://proxy.local:1080/a{chr(code)}b"
        assert bool(re.search(pattern, url)) == bool(re.search(pattern, url, re.ASCII)), hex(code)


async def test_a_validation_error_is_the_documented_error_with_its_fields(gateway: httpx.AsyncClient) -> None:
    headers = {"Authorization": f"Bearer {await login(gateway)}"}
    response = await gateway.post("/seller-bot/products", headers=headers,
                                  json={"sku": "S", "name": "N", "price": 1, "stock": 10**30})
    assert response.status_code == 422
    body = response.json()
    assert body["error"] == "validation_error" and [f["field"] for f in body["fields"]] == ["stock"]


@pytest.mark.parametrize(("path", "body", "field"), [
    ("/seller-bot/products", {"sku": "S", "name": "N\ud800", "price": 1}, "name"),
    ("/seller-bot/products", {"sku": "S", "name": "N", "price": 1, "synonyms": ["a", "b\u0000"]}, "synonyms.1"),
    ("/seller-bot/conversations/c1/convert", {"amount": 7.9e307}, "amount"),
    ("/seller-bot/products", {"sku": "S", "name": "N", "price": 1, "stock": False}, "stock"),
    ("/bot/start", {"max_parallel_profiles": True}, "max_parallel_profiles"),
    ("/bot/profiles", {"name": "P", "login": "seller@example.com", "password": "x",
                       "proxy": "socks5://kn:1/a\u0085"}, "proxy"),
    ("/bot/profiles", {"name": "P", "login": "seller@example.com", "password": "x",
                       "proxy": "http://proxy.local:8080/a\u001cb"}, "proxy"),
])
async def test_absurd_bodies_are_422_naming_the_field(
    gateway: httpx.AsyncClient, path: str, body: dict[str, Any], field: str
) -> None:
    headers = {"Authorization": f"Bearer {await login(gateway)}", "Content-Type": "application/json"}
    response = await gateway.post(path, headers=headers, content=json.dumps(body))  # \u-escapes, as a client sends
    assert response.status_code == 422, response.text
    assert field in [f["field"] for f in response.json()["fields"]]


async def test_nan_nul_in_the_query_and_unknown_zones_are_422(gateway: httpx.AsyncClient) -> None:
    headers = {"Authorization": f"Bearer {await login(gateway)}", "Content-Type": "application/json"}
    nan = await gateway.post("/seller-bot/conversations/c1/convert", headers=headers, content=b'{"amount": NaN}')
    assert nan.status_code == 422 and "NaN" in nan.json()["detail"]
    nul = await gateway.get("/seller-bot/products?q=a%00b", headers=headers)
    assert nul.status_code == 422 and nul.json()["fields"][0]["field"] == "query"
    zone = await gateway.post("/bot/profiles", headers=headers, json={
        "name": "P", "login": "seller@example.com", "password": "x", "timezone": "Mars/Olympus"})
    assert zone.status_code == 422 and zone.json()["fields"][0]["field"] == "timezone"


async def test_a_wrong_method_is_405_listing_exactly_the_documented_methods(gateway: httpx.AsyncClient) -> None:
    response = await gateway.request("OPTIONS", "/seller-bot/products/import")
    assert response.status_code == 405
    assert response.headers["Allow"] == "POST"
    products = await gateway.request("PUT", "/seller-bot/products")
    assert products.status_code == 405 and products.headers["Allow"] == "GET, POST"


async def test_an_empty_id_reaches_no_route_and_is_404_even_behind_the_dashboard(
    gateway_factory: Callable[..., Any], tmp_path: Any
) -> None:
    (tmp_path / "index.html").write_text("<html></html>")
    client: httpx.AsyncClient = await gateway_factory(frontend_dist=str(tmp_path))
    notes = await client.post("/seller-bot/conversations/notes", json={"text": "x"})  # id "" collapsed
    assert notes.status_code == 404 and notes.json()["error"] == "not_found"
    login_page = await client.get("/auth/login")  # a POST route: the dashboard mount answered 404 before
    assert login_page.status_code == 405 and login_page.headers["Allow"] == "POST"
    assert (await client.get("/")).status_code == 200


class BrokenChatbot(chatbot_pb2_grpc.ChatbotServiceServicer):
    async def GetStats(self, request: Any, context: Any) -> Any:
        raise RuntimeError("SQL: SELECT password FROM internal_table")


@pytest.fixture
async def broken_chatbot() -> AsyncIterator[int]:
    server = grpc.aio.server()
    chatbot_pb2_grpc.add_ChatbotServiceServicer_to_server(BrokenChatbot(), server)
    port = server.add_insecure_port("127.0.0.1:0")
    await server.start()
    yield port
    await server.stop(None)


async def test_an_unexpected_service_failure_is_502_without_its_internals(
    gateway_factory: Callable[..., Any], broken_chatbot: int
) -> None:
    client: httpx.AsyncClient = await gateway_factory(chatbot_grpc_addr=f"127.0.0.1:{broken_chatbot}")
    response = await client.get("/seller-bot/stats", headers={"Authorization": f"Bearer {await login(client)}"})
    assert response.status_code == 502
    assert response.json()["service"] == "chatbot"
    assert "SELECT" not in response.text and "RuntimeError" not in response.text
