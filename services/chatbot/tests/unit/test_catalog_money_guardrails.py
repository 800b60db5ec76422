"""Catalog matching, Brazilian money and the guardrails that keep replies grounded."""

from __future__ import annotations

from decimal import Decimal

from chatbot.domain.answer_plan import Answer, AnswerKind, AnswerPlan
from chatbot.domain.catalog import Catalog, Product
from chatbot.domain.entities import Topic
from chatbot.domain.guardrails import is_repetition, unsupported_claims
from chatbot.domain.money import amounts_in, format_brl

CATALOG = Catalog([
    Product("1", "X-1", "X", Decimal("49.90"), stock=3),
    Product("2", "FONE-BT", "Fone Bluetooth Pro", Decimal("129.90"), stock=10, synonyms=("fone sem fio",)),
    Product("3", "CAM-B", "Camiseta Básica", Decimal("39.90"), variants=("P", "M", "G")),
])


def test_brl_formatting_and_parsing() -> None:
    assert format_brl(49.9) == "R$ 49,90"
    assert format_brl(Decimal("1299.9")) == "R$ 1.299,90"
    assert amounts_in("por R$ 49,90, ou R$1.299,90, ou R$ 10.50, 30 reais") == {
        Decimal("49.90"), Decimal("1299.90"), Decimal("10.50"), Decimal("30.00")}


def test_finds_products_by_name_synonym_typo_plural_and_single_letter_name() -> None:
    assert CATALOG.find("Qual o preço do produto X?").product.id == "1"  # type: ignore[union-attr]
    assert CATALOG.find("qto custa o fone bluetoth").product.id == "2"  # type: ignore[union-attr]
    assert CATALOG.find("tem fones sem fio?").product.id == "2"  # type: ignore[union-attr]
    assert CATALOG.find("tem camisetas?").product.id == "3"  # type: ignore[union-attr]
    assert CATALOG.find("qual o preço?") is None
    assert CATALOG.find("é para o xbox") is None


def test_a_price_or_stock_not_in_the_planned_facts_is_refused() -> None:
    plan = _plan(Answer(AnswerKind.PRICE, Topic.PRICE, CATALOG.products[0]))
    assert unsupported_claims("O X está por R$ 49,90.", plan, CATALOG) == []
    assert [c.kind for c in unsupported_claims("O X está por R$ 39,90 hoje!", plan, CATALOG)] == ["price"]
    assert unsupported_claims("Temos 3 unidades do X", plan, CATALOG) == []
    assert [c.kind for c in unsupported_claims("Temos 50 unidades do X", plan, CATALOG)] == ["stock"]


def test_a_policy_or_deadline_the_plan_does_not_hold_is_refused() -> None:
    bare = _plan(Answer(AnswerKind.PRICE, Topic.PRICE, CATALOG.products[0]))
    assert [c.kind for c in unsupported_claims("Frete grátis para todo o Brasil!", bare, CATALOG)] == ["policy"]
    assert [c.kind for c in unsupported_claims("Parcelamos em 10x sem juros", bare, CATALOG)] == ["policy"]
    assert [c.kind for c in unsupported_claims("Chega em 2 dias!", bare, CATALOG)] == ["deadline"]
    shipping = _plan(Answer(AnswerKind.POLICY, Topic.SHIPPING, text="Frete grátis acima de R$ 199,00, em 3 dias úteis"))
    assert unsupported_claims("Frete grátis acima de R$ 199,00! Chega em 3 dias úteis.", shipping, CATALOG) == []
    payment = _plan(Answer(AnswerKind.POLICY, Topic.PAYMENT, text="pix, cartão de crédito"))
    assert unsupported_claims("Aceitamos pix.", payment, CATALOG) == []


def _plan(*answers: Answer) -> AnswerPlan:
    return AnswerPlan(list(answers), payment_methods=("pix", "cartão de crédito"))


def test_repeated_answers_are_detected() -> None:
    assert is_repetition("Olá! Como posso ajudar?", ["x", "ola!  como posso ajudar"])
    assert not is_repetition("Outra coisa", ["x", "y"])
