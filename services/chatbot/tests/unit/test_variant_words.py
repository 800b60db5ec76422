"""Which of a product's variants a buyer's words name: short sizes (P, M, G, 38) only where they cannot be
something else — after "tamanho", alone, or right after the product's own noun."""

from __future__ import annotations

from decimal import Decimal

import pytest
from chatbot.domain.catalog import Product
from chatbot.domain.entities import variant_in
from chatbot.domain.text import fold

SHIRT = Product("cam", "CAM", "Camiseta Básica", Decimal("49.90"), stock=10, variants=("P", "M", "G"))
SHOE = Product("ten", "TEN", "Tênis Corrida", Decimal("299.90"), stock=4, variants=("38", "39", "40"),
               synonyms=("sapatilha",))


@pytest.mark.parametrize(("text", "product", "variant"), [
    ("quero 2 camisetas M", SHIRT, "M"),
    ("uma camiseta g por favor", SHIRT, "G"),
    ("tamanho p", SHIRT, "P"),
    ("M", SHIRT, "M"),
    ("quero o tenis 40", SHOE, "40"),
    ("a sapatilha 38 tem?", SHOE, "38"),
    ("numero 39", SHOE, "39"),
])
def test_a_short_size_is_read_after_the_products_noun(text: str, product: Product, variant: str) -> None:
    assert variant_in(fold(text), product) == variant


@pytest.mark.parametrize(("text", "product"), [
    ("quero 2 camisetas", SHIRT),
    ("a camiseta e de algodao? m", SHIRT),  # a stray letter far from the noun is no size
    ("quero 40 tenis", SHOE),  # a quantity before the noun is no size
    ("chega em 38 dias?", SHOE),
])
def test_a_short_size_elsewhere_is_not_guessed(text: str, product: Product) -> None:
    assert variant_in(fold(text), product) == ""
