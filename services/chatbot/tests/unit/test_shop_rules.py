"""The pure rules of the shop's read models: a synced product as one catalog entry, masked phones never matched,
whose order a buyer may hear about, what confirms an order, and which orders the attribution window counts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from chatbot.domain.shop import (
    Buyer,
    SkuFacts,
    attributed,
    buyer_phone,
    catalog_entry,
    owns_order,
    plain_text,
    proves_order,
)


def test_a_synced_product_quotes_its_cheapest_sku_in_stock_and_lists_every_sku_as_a_variant() -> None:
    skus = [SkuFacts("A-1", "99.90", "brl", 2, ("Azul", "M")), SkuFacts("A-2", "49.90", "BRL", 0, ("Preto", "M")),
            SkuFacts("A-3", "79.90", "BRL", 5, ("Azul", "G"))]
    entry = catalog_entry("17", "Camiseta", "<p>Leve &amp; fresca</p><p>100% algodão</p>", "ACTIVATE", skus)
    assert entry.price == Decimal("79.90") and entry.stock == 7 and entry.currency == "BRL"
    assert entry.variants == ("Azul / M", "Preto / M", "Azul / G") and entry.sku == "A-1" and entry.active
    assert entry.description == "Leve & fresca\n100% algodão"
    sold_out = catalog_entry("18", "", "", "SELLER_DEACTIVATED", [SkuFacts("", "bad", "", 0, ())])
    assert sold_out.name == "18" and sold_out.sku == "tts-18" and sold_out.price == Decimal("0.00")
    assert not sold_out.active and sold_out.variants == ()


def test_html_descriptions_become_plain_lines() -> None:
    assert plain_text("<div>Tênis <b>leve</b><br>Entrega rápida</div>") == "Tênis leve\nEntrega rápida"


def test_a_masked_phone_is_never_a_phone() -> None:
    assert buyer_phone("(+55)11*****1234") == ""
    assert buyer_phone("+55 (21) 98888-7777") == "5521988887777"
    assert buyer_phone("21 98888-7777") == "5521988887777"
    assert buyer_phone("1234") == ""


def test_an_order_is_the_buyers_by_contact_phone_or_handle_and_nothing_empty_matches() -> None:
    assert owns_order(Buyer("c1", "", ""), "c1", "", "")
    assert owns_order(Buyer("", "5511987654321", ""), "", "5511987654321", "")
    assert owns_order(Buyer("", "", "buyer42"), "", "", "buyer42")
    assert not owns_order(Buyer("", "", ""), "", "", "")
    assert not owns_order(Buyer("c2", "5511900000000", "x"), "c1", "5511987654321", "buyer42")


def test_an_order_is_confirmed_by_its_cep_or_the_buyers_first_and_last_name() -> None:
    assert proves_order("é 01310-100", "", "01310100")
    assert proves_order("maria souza", "Maria Aparecida Souza", "")
    assert proves_order("MARIA DE SOUZA", "Maria Souza", "")
    assert not proves_order("Maria", "Maria Souza", "")
    assert not proves_order("Ana Souza", "Maria Souza", "")
    assert not proves_order("01310-100", "", "")  # an order with no CEP is not confirmed by any CEP


def test_the_attribution_window_counts_only_talking_before_the_order() -> None:
    order_at = datetime(2026, 12, 6, 12, tzinfo=UTC)
    assert attributed(order_at, order_at - timedelta(days=6, hours=23), 7)
    assert attributed(order_at, order_at, 7)
    assert not attributed(order_at, order_at - timedelta(days=7, minutes=1), 7)
    assert not attributed(order_at, order_at + timedelta(minutes=1), 7)
    assert not attributed(order_at, None, 7)
    assert not attributed(order_at, order_at, 0)
