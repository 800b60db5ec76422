"""A product's gender (how the bot writes "o"/"a" before its name): inferred from the name, set by the seller
through the API or a CSV column, stored (migration chatbot_0004) and used in the replies."""

from __future__ import annotations

import grpc
import pytest
from sellerbot.chatbot.v1 import chatbot_pb2 as pb
from sellerbot_grpc import field_violations_of

from ..conftest import Client


async def test_the_gender_is_inferred_set_by_the_seller_imported_and_used_in_replies(client_for) -> None:
    client: Client = client_for()
    await client.add_product(sku="GAR", name="Garrafa Térmica", price=89.90, stock=3)
    assert (await client.message("whatsapp:1", "qual o preço da garrafa?")).reply.startswith("A Garrafa Térmica")
    fryer = await client.add_product(sku="AIR", name="Air Fryer 4L", price=449.00, stock=2, gender="feminine")
    assert fryer.gender == "feminine"
    assert (await client.message("whatsapp:2", "quanto custa a air fryer?")).reply.startswith("A Air Fryer 4L")
    with pytest.raises(grpc.aio.AioRpcError) as refused:
        await client.add_product(sku="X", name="X", price=1.0, gender="neutro")
    assert refused.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert [v.field for v in field_violations_of(refused.value)] == ["gender"]
    imported = await client.ImportProducts(pb.ImportProductsRequest(
        csv=b"sku,name,price,stock,gender\nSMT,Smart TV 50,2499.00,1,feminino\n"))
    assert imported.imported == 1
    tv = (await client.ListProducts(pb.ListProductsRequest(query="smart"))).products[0]
    assert tv.gender == "feminine"
