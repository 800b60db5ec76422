"""Catalog matching, Brazilian money and the guardrails that keep replies grounded."""

from __future__ import annotations

from decimal import Decimal

from chatbot.domain.catalog import Catalog, Product
from chatbot.domain.config import BotSettings, Policies
from chatbot.domain.guardrails import is_repetition, ungrounded_claims
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


def test_a_price_not_in_the_catalog_is_refused() -> None:
    settings = BotSettings()
    assert ungrounded_claims("O X está por R$ 49,90.", CATALOG, settings) == []
    assert ungrounded_claims("O X está por R$ 39,90 hoje!", CATALOG, settings) != []
    assert ungrounded_claims("Temos 3 unidades do X", CATALOG, settings) == []
    assert ungrounded_claims("Temos 50 unidades do X", CATALOG, settings) != []


def test_a_policy_the_seller_did_not_write_is_refused() -> None:
    bare = BotSettings()
    assert ungrounded_claims("Frete grátis para todo o Brasil!", CATALOG, bare) != []
    assert ungrounded_claims("Parcelamos em 10x sem juros", CATALOG, bare) != []
    configured = BotSettings(policies=Policies(shipping="Frete grátis acima de R$ 199,00",
                                               payment_methods=["pix", "cartão de crédito"]))
    assert ungrounded_claims("Frete grátis acima de R$ 199,00!", CATALOG, configured) == []
    assert ungrounded_claims("Aceitamos pix.", CATALOG, configured) == []


def test_repeated_answers_are_detected() -> None:
    assert is_repetition("Olá! Como posso ajudar?", ["x", "ola!  como posso ajudar"])
    assert not is_repetition("Outra coisa", ["x", "y"])
