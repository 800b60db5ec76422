"""ChatbotService as sellers use it: catalog, acceptance flow, stats, config, per-user isolation."""

from __future__ import annotations

import grpc
import pytest
from google.protobuf import struct_pb2
from sellerbot.chatbot.v1 import chatbot_pb2 as pb
from sellerbot_grpc import field_violations_of

from ..conftest import Client

CONTACT = "whatsapp:5511999999999"


def _patch(data: dict) -> pb.UpdateConfigRequest:
    s = struct_pb2.Struct()
    s.update(data)
    return pb.UpdateConfigRequest(patch=s)


async def test_acceptance_price_of_product_x_then_listing_stats_funnel_and_handoff(client_for) -> None:
    client: Client = client_for()
    await client.add_product(sku="PX", name="X", price=49.90, stock=10)
    answer = await client.message(CONTACT, "Qual o preço do produto X?")
    assert "R$ 49,90" in answer.reply and answer.intent == "price" and answer.confidence > 0.5
    assert answer.conversation_id and answer.stage == "price_asked"

    listed = (await client.ListConversations(pb.ListConversationsRequest())).conversations
    assert [(c.contact_id, c.last_intent, c.handoff_state) for c in listed] == [(CONTACT, "price", "bot")]
    intents = await client.GetIntentStats(pb.GetIntentStatsRequest(period="24h"))
    assert {i.intent: i.count for i in intents.intents}["price"] == 1 and intents.total == 1
    funnel = await client.GetFunnel(pb.GetFunnelRequest(period="30d", channel="whatsapp"))
    assert [(s.stage, s.count) for s in funnel.stages][:3] == [
        ("new_contact", 1), ("product_interest", 1), ("price_asked", 1)]
    assert funnel.per_channel[0].key == "whatsapp" and funnel.per_prompt_variant[0].key == "default"
    stats = await client.GetStats(pb.GetStatsRequest(period="24h"))
    assert (stats.messages_in, stats.messages_out, stats.active_conversations) == (1, 1, 1)

    await client.HandoffConversation(pb.HandoffConversationRequest(id=answer.conversation_id))
    silenced = await client.message(CONTACT, "Qual o preço do produto X?")
    assert silenced.reply == "" and silenced.handoff_state == "waiting_human"
    assert (await client.GetStats(pb.GetStatsRequest(period="24h"))).handoffs == 1


async def test_real_customer_messages_get_useful_offline_answers(client_for) -> None:
    client: Client = client_for()
    await client.UpdateConfig(_patch({"policies": {"payment_methods": ["pix", "cartão de crédito"],
                                                   "shipping": "Enviamos em 1 dia útil pelos Correios."}}))
    await client.add_product(sku="FN", name="Fone Bluetooth", price=89.90, stock=3, synonyms=["fone sem fio"])
    several = await client.message("telegram:1", "oiii blz? qto ta o fone sem fio e vcs aceitam pix??",
                                   channel="telegram")
    assert "R$ 89,90" in several.reply and "pix" in several.reply
    stock = await client.message("telegram:1", "tem no estoque?", channel="telegram")  # follow-up: same product
    assert "Fone Bluetooth" in stock.reply and "3" in stock.reply and stock.intent == "availability"
    shipping = await client.message("telegram:2", "e o frete pra bh, demora?? 🚚", channel="telegram")
    assert "Correios" in shipping.reply
    unknown = await client.message("telegram:3", "vcs tem garantia estendida de 5 anos?", channel="telegram")
    assert "5 anos" not in unknown.reply


async def test_order_slot_filling_ends_in_a_handoff_with_the_order_summary(client_for) -> None:
    client: Client = client_for()
    await client.UpdateConfig(_patch({"policies": {"payment_methods": ["pix", "cartão de crédito"]}}))
    await client.add_product(sku="CAM", name="Camiseta Básica", price=39.90, stock=8, variants=["P", "M", "G"])
    steps = [await client.message("whatsapp:55119", text) for text in (
        "quero comprar 2 camisetas", "M", "meu cep é 01310-100", "pix")]
    assert "P, M ou G" in steps[0].reply and "CEP" in steps[1].reply and "pagar" in steps[2].reply
    done = steps[3]
    assert "R$ 79,80" in done.reply and "01310-100" in done.reply and done.handoff_state == "waiting_human"
    assert done.stage == "purchase_intent"


async def test_sellers_never_see_each_other(client_for) -> None:
    alice, bob = client_for(), client_for()
    await alice.add_product(sku="A1", name="Bolsa Couro", price=300, stock=1)
    await alice.message(CONTACT, "oi")
    assert (await bob.ListProducts(pb.ListProductsRequest())).products == []
    assert (await bob.ListConversations(pb.ListConversationsRequest())).conversations == []
    bob_answer = await bob.message(CONTACT, "quanto custa a bolsa couro?")
    assert "300" not in bob_answer.reply
    alice_conversation = (await alice.ListConversations(pb.ListConversationsRequest())).conversations[0]
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await bob.HandoffConversation(pb.HandoffConversationRequest(id=alice_conversation.id))
    assert caught.value.code() == grpc.StatusCode.NOT_FOUND
    assert (await bob.ClearConversations(pb.ClearConversationsRequest())).cleared == 1
    assert len((await alice.ListConversations(pb.ListConversationsRequest())).conversations) == 1


async def test_config_is_validated_persisted_and_versioned(client_for) -> None:
    client: Client = client_for()
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await client.UpdateConfig(_patch({"llm": {"temperature": 9}, "debounce": {"window_seconds": 99}}))
    assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert {v.field for v in field_violations_of(caught.value)} == {"llm.temperature", "debounce.window_seconds"}
    first = await client.UpdateConfig(_patch({"persona": "Sou a Ana", "llm": {"api_key": "sk-1"}}))
    second = await client.UpdateConfig(_patch({"tone": "formal"}))
    assert (first.version, second.version) == (1, 2)
    current = await client.GetConfig(pb.GetConfigRequest())
    assert current.settings["persona"] == "Sou a Ana" and current.settings["tone"] == "formal"
    assert current.settings["llm"]["api_key"] == "…" and current.updated_by == client.user_id  # too short to hint
    assert current.settings["llm"]["has_api_key"] is True


async def test_csv_import_creates_updates_and_reports_bad_rows(client_for) -> None:
    client: Client = client_for()
    csv = ("sku;name;price;stock;synonyms;variants\n"
           "A1;Garrafa Térmica;R$ 59,90;5;garrafa|squeeze;500ml|1L\n"
           "B2;Caneca;abc;1;;\n"
           "C3;Copo;12.5;-1;;\n").encode()
    first = await client.ImportProducts(pb.ImportProductsRequest(csv=csv))
    assert (first.imported, first.updated, len(first.errors)) == (1, 0, 2)
    second = await client.ImportProducts(pb.ImportProductsRequest(csv=b"sku,name,price\nA1,Garrafa Termica,64.90\n"))
    assert (second.imported, second.updated) == (0, 1)
    product = (await client.ListProducts(pb.ListProductsRequest(query="garrafa"))).products[0]
    assert product.price == pytest.approx(64.90)
    reply = await client.message(CONTACT, "qnto ta a garrafa?")
    assert "R$ 64,90" in reply.reply
