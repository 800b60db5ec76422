"""Quick replies: the variables an agent does not look up are filled from the catalog and the conversation."""

from __future__ import annotations

from chatbot.domain.quick_replies import SHORTCUT, ProductFacts, render


def test_product_and_buyer_variables_are_filled_the_way_a_brazilian_buyer_reads_them() -> None:
    rendered = render("Oi {nome}! O {produto} sai por {preco}, temos {estoque}.", "Maria Souza",
                      ProductFacts("Tênis Run", 1299.9, 4))
    assert rendered.text == "Oi Maria! O Tênis Run sai por R$ 1.299,90, temos 4."
    assert rendered.missing == []


def test_what_cannot_be_filled_stays_as_typed_and_is_named_once() -> None:
    rendered = render("{nome}, o {produto} custa {preco} ({preco} à vista). Cupom: {cupom}", "", None)
    assert rendered.text == "{nome}, o {produto} custa {preco} ({preco} à vista). Cupom: {cupom}"
    assert rendered.missing == ["nome", "produto", "preco", "cupom"]


def test_shortcuts_are_short_lower_case_words() -> None:
    assert SHORTCUT.match("preco") and SHORTCUT.match("frete-sp") and SHORTCUT.match("pix_2")
    assert not SHORTCUT.match("com espaço") and not SHORTCUT.match("Preco") and not SHORTCUT.match("x" * 41)
