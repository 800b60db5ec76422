"""Replies through the OpenAI SDK against an OpenAI-compatible fake over real HTTP: grounding in the
catalog, guardrails, errors, timeouts and the circuit breaker falling back to the offline responder."""

from __future__ import annotations

import uuid

from google.protobuf import struct_pb2
from sellerbot.chatbot.v1 import chatbot_pb2 as pb
from sellerbot_fakes.openai_fake import OpenAIFake

CONTACT = "whatsapp:5511912345678"


def _patch(data: dict) -> pb.UpdateConfigRequest:
    s = struct_pb2.Struct()
    s.update(data)
    return pb.UpdateConfigRequest(patch=s)


async def _seller(chatbot_factory, fake: OpenAIFake, **overrides):
    service = await chatbot_factory(openai_base_url=fake.base_url, openai_api_key="test-key",
                                    openai_model="fake-model", **overrides)
    from ..conftest import Client

    client = Client(service.port, f"seller-{uuid.uuid4().hex[:8]}")
    await client.add_product(sku="X1", name="Produto X", price=49.90, stock=7, description="Algodão, unissex.")
    return service, client


async def test_llm_reply_is_grounded_in_the_catalog(chatbot_factory, fake_llm: OpenAIFake) -> None:
    _, client = await _seller(chatbot_factory, fake_llm)
    fake_llm.configure(reply="Oi! O Produto X sai por R$ 49,90 e temos 7 em estoque 😊")
    answer = await client.message(CONTACT, "Qual o preço do produto X?")
    assert answer.reply == "Oi! O Produto X sai por R$ 49,90 e temos 7 em estoque 😊"
    request = fake_llm.requests[-1].body
    assert request["model"] == "fake-model"
    system = request["messages"][0]["content"]
    assert "- Produto X: R$ 49,90; 7 em estoque" in system  # only the planned facts
    assert "Nunca invente preço" in system
    assert request["messages"][-1] == {"role": "user", "content": "Qual o preço do produto X?"}


async def test_an_invented_price_is_replaced_by_the_catalog_price(chatbot_factory, fake_llm: OpenAIFake) -> None:
    _, client = await _seller(chatbot_factory, fake_llm)
    fake_llm.configure(reply="O Produto X está em promoção por R$ 19,90!")
    answer = await client.message(CONTACT, "qto custa o produto x")
    assert "R$ 19,90" not in answer.reply
    assert "R$ 49,90" in answer.reply and answer.intent == "price"


async def test_a_hallucinated_stock_deadline_or_policy_is_rejected_and_counted(
    chatbot_factory, fake_llm: OpenAIFake
) -> None:
    _, client = await _seller(chatbot_factory, fake_llm)
    await client.add_product(sku="T1", name="Tênis Vento", price=299.90, stock=0)
    rejected = _rejected_counts()
    fake_llm.configure(reply="Temos sim! O Tênis Vento está disponível, chega amanhã e tem 1 ano de garantia.")
    answer = await client.message(CONTACT, "tem o tênis vento?")
    assert answer.reply.startswith("Poxa, o Tênis Vento está esgotado") and "amanhã" not in answer.reply
    system = fake_llm.requests[-1].body["messages"][0]["content"]
    assert "- Tênis Vento: R$ 299,90; ESGOTADO" in system and "- Produto X: R$ 49,90; 7 em estoque" in system
    after = _rejected_counts()
    assert after["stock"] == rejected["stock"] + 1 and after["deadline"] == rejected["deadline"] + 1
    fake_llm.configure(reply="Aceitamos pix com 10% de desconto!")
    await client.message(CONTACT + "p", "quanto custa o produto x?")
    assert _rejected_counts()["policy"] == after["policy"] + 1


async def test_prices_counts_and_deadlines_in_words_colours_and_unsold_products_are_rejected(
    chatbot_factory, fake_llm: OpenAIFake
) -> None:
    """The holes an audit found in the checker, each through the SDK to the fake: the offline wording goes out."""
    _, client = await _seller(chatbot_factory, fake_llm)
    await client.add_product(sku="M1", name="Mochila Trilha", price=189.90, stock=0, variants=["Preta", "Marrom"])
    before = _rejected_counts()
    inventions = [
        ("qto custa o produto x?", "Está por 69,90, aproveita!"),
        ("qto custa o produto x?", "Custa só setenta reais!"),
        ("vcs vendem notebook?", "Temos sim, o notebook está disponível!"),
        ("tem a mochila trilha?", "Ela chega em breve e você já pode comprar!"),
        ("qto custa o produto x?", "Chega em uma semana."),
        ("tem o produto x?", "Restam só duas unidades!"),
        ("quais cores da mochila trilha?", "A Mochila Trilha vem também na cor verde."),
    ]
    for i, (question, invented) in enumerate(inventions):
        fake_llm.configure(reply=invented)
        answer = await client.message(f"{CONTACT}{i}", question)
        assert answer.reply and answer.reply != invented, (question, invented)
    after = _rejected_counts()
    assert after["price"] >= before["price"] + 2 and after["deadline"] >= before["deadline"] + 2
    assert after["stock"] >= before["stock"] + 3 and after["variant"] == before["variant"] + 1


def _rejected_counts() -> dict[str, float]:
    from prometheus_client import REGISTRY

    return {claim: REGISTRY.get_sample_value("chatbot_llm_replies_rejected_total",
                                             {"channel": "whatsapp", "claim": claim}) or 0.0
            for claim in ("price", "stock", "deadline", "policy", "variant")}


async def test_llm_errors_and_timeouts_fall_back_and_the_breaker_opens(
    chatbot_factory, fake_llm: OpenAIFake
) -> None:
    _, client = await _seller(chatbot_factory, fake_llm, llm_timeout_seconds=0.5, llm_breaker_failures=3,
                              llm_breaker_open_seconds=60)
    fake_llm.configure(fail_status=500)
    first = await client.message(CONTACT, "quanto custa o produto X?")
    assert "R$ 49,90" in first.reply
    fake_llm.configure(fail_status=0, hang_seconds=1.0)
    second = await client.message(CONTACT + "1", "quanto custa o produto X?")
    assert "R$ 49,90" in second.reply
    fake_llm.configure(hang_seconds=0, fail_status=503)
    await client.message(CONTACT + "2", "tem o produto X em estoque?")
    calls = len(fake_llm.requests)
    assert calls == 3
    fake_llm.configure(fail_status=0)
    open_circuit = await client.message(CONTACT + "3", "qual o valor do produto X?")
    assert "R$ 49,90" in open_circuit.reply
    assert len(fake_llm.requests) == calls  # circuit open: the LLM is not called at all


async def test_per_seller_endpoint_and_model_override(chatbot_factory, fake_llm: OpenAIFake) -> None:
    other = OpenAIFake().start()
    try:
        _, client = await _seller(chatbot_factory, fake_llm)
        await client.UpdateConfig(_patch({"llm": {"base_url": other.base_url, "model": "seller-model",
                                                  "api_key": "seller-key", "temperature": 0.1}}))
        await client.message(CONTACT, "me fala do produto X")
        assert fake_llm.requests == []
        body = other.requests[-1].body
        assert body["model"] == "seller-model" and body["temperature"] == 0.1
        assert other.requests[-1].headers["authorization"] == "Bearer seller-key"
    finally:
        other.stop()


async def test_faq_cache_answers_without_the_llm_and_is_invalidated_by_config(
    chatbot_factory, fake_llm: OpenAIFake
) -> None:
    _, client = await _seller(chatbot_factory, fake_llm)
    await client.UpdateConfig(_patch({"faq_cache": {"entries": [
        {"question": "vocês tem loja física?", "answer": "Somos uma loja online, enviamos para todo o Brasil."}]}}))
    answer = await client.message(CONTACT, "voces tem loja fisica??")
    assert answer.reply == "Somos uma loja online, enviamos para todo o Brasil."
    assert fake_llm.requests == []
    await client.UpdateConfig(_patch({"policies": {"shipping": "Enviamos em até 2 dias úteis pelos Correios."}}))
    fake_llm.configure(reply="Enviamos em até 2 dias úteis pelos Correios.")
    await client.message(CONTACT + "9", "em quanto tempo vocês enviam?")
    assert len(fake_llm.requests) == 1
    learned = await client.message(CONTACT + "8", "em quanto tempo voces enviam")
    assert learned.reply == "Enviamos em até 2 dias úteis pelos Correios."
    assert len(fake_llm.requests) == 1  # learned answer served from the cache


async def test_prompt_variant_instructions_reach_the_llm_and_the_funnel_splits_by_variant(
    chatbot_factory, fake_llm: OpenAIFake
) -> None:
    _, client = await _seller(chatbot_factory, fake_llm)
    await client.UpdateConfig(_patch({"prompt_variants": [
        {"name": "emoji", "weight": 1, "instructions": "Use emojis e feche a venda."}]}))
    await client.message(CONTACT, "me fala do produto X")
    assert "Instruções de estilo: Use emojis e feche a venda." in fake_llm.requests[-1].body["messages"][0]["content"]
    funnel = await client.GetFunnel(pb.GetFunnelRequest(period="1d"))
    assert [b.key for b in funnel.per_prompt_variant] == ["emoji"]
    listed = (await client.ListConversations(pb.ListConversationsRequest())).conversations
    assert listed[0].prompt_variant == "emoji"
