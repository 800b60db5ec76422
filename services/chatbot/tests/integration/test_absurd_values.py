"""Absurd numbers (huge, NaN, infinite) are INVALID_ARGUMENT naming the field, never an internal error."""

from __future__ import annotations

import grpc
import pytest
from sellerbot.chatbot.v1 import chatbot_pb2 as pb
from sellerbot_grpc import field_violations_of

from ..conftest import Client


async def _refused_field(call: object) -> set[str]:
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await call  # type: ignore[misc]
    assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    return {v.field for v in field_violations_of(caught.value)}


async def test_absurd_prices_and_stock_are_invalid_arguments(client_for) -> None:
    client: Client = client_for()
    for price, stock, field in ((7.9e307, 1, "price"), (float("nan"), 1, "price"), (float("inf"), 1, "price"),
                                (10.0, 2_000_000_000, "stock")):
        product = pb.Product(sku="ABS-1", name="Absurdo", price=price, stock=stock)
        assert await _refused_field(client.UpsertProduct(pb.UpsertProductRequest(product=product))) == {field}


async def test_an_absurd_order_amount_is_an_invalid_argument_and_a_large_one_converts(client_for) -> None:
    client: Client = client_for()
    conversation = (await client.message("whatsapp:5511911112222", "oi")).conversation_id
    for amount in (7.9e307, float("nan"), float("inf"), -1.0):
        request = pb.ConvertConversationRequest(id=conversation, amount=amount)
        assert await _refused_field(client.ConvertConversation(request)) == {"amount"}
    converted = await client.ConvertConversation(
        pb.ConvertConversationRequest(id=conversation, order_id="o-1", amount=1_000_000_000))
    assert converted.converted


async def test_a_csv_without_the_catalog_columns_is_an_invalid_argument(client_for) -> None:
    client: Client = client_for()
    assert await _refused_field(client.ImportProducts(pb.ImportProductsRequest(csv=b"[]"))) == {"csv"}
    imported = await client.ImportProducts(pb.ImportProductsRequest(csv=b"sku,name,price\nCSV-1,Produto,9.90\n"))
    assert imported.imported == 1


async def test_a_csv_with_lone_carriage_returns_is_read_not_an_internal_error(client_for) -> None:
    client: Client = client_for()
    imported = await client.ImportProducts(pb.ImportProductsRequest(csv=b"sku,name,price\rCR-1,Produto,9.90\r"))
    assert imported.imported == 1
    assert await _refused_field(client.ImportProducts(pb.ImportProductsRequest(csv="îÒ/\rn½".encode()))) == {"csv"}
