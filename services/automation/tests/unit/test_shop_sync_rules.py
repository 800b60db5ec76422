"""Shop sync rules with no I/O: the request signature recipe, schedule slots, order line items, content hashes."""

from __future__ import annotations

import hashlib
import hmac
from datetime import UTC, datetime, timedelta

from automation.adapters.schedule_store import next_after
from automation.adapters.tiktok_shop import parse
from automation.adapters.tiktok_shop.signing import sign
from automation.domain.shop import tracking_url


def test_the_signature_wraps_path_sorted_params_and_body_in_the_app_secret() -> None:
    query = {"timestamp": "1000", "app_key": "ak", "shop_cipher": "sc", "access_token": "at", "sign": "old"}
    body = b'{"update_time_ge":5}'
    base = b"shh/order/202309/orders/searchapp_keyakshop_ciphersctimestamp1000" + body + b"shh"
    assert sign("shh", "/order/202309/orders/search", query, body) == hmac.new(
        b"shh", base, hashlib.sha256).hexdigest()
    assert sign("shh", "/p", {"a": "1", "access_token": "x"}) == sign("shh", "/p", {"a": "1", "access_token": "y"})


def test_a_schedule_skips_missed_slots_instead_of_catching_up() -> None:
    start = datetime(2026, 12, 3, 8, 0, tzinfo=UTC)
    assert next_after(start, 30, start - timedelta(minutes=1)) == start  # not due yet: unchanged
    assert next_after(start, 30, start) == start + timedelta(minutes=30)
    assert next_after(start, 30, start + timedelta(hours=5, minutes=1)) == start + timedelta(hours=5, minutes=30)


def test_units_of_one_sku_become_one_line_with_a_quantity_and_packages_get_tracking_links() -> None:
    unit = {"id": "1", "product_id": "p", "product_name": "Tênis", "sku_id": "s1", "sale_price": "99.90",
            "currency": "BRL", "package_id": "pk", "tracking_number": "BR123BR", "shipping_provider_name": "Correios"}
    order = parse.order({"id": "o1", "status": "IN_TRANSIT", "update_time": 10,
                         "line_items": [unit, {**unit, "id": "2"}, {**unit, "id": "3", "sku_id": "s2"}],
                         "packages": [{"id": "pk"}], "recipient_address": {"name": "Ana", "phone_number": "(+55)1*"}},
                        parse.tracking_event([{"description": "Saiu", "update_time_millis": 5000},
                                              {"description": "Em rota", "update_time_millis": 9000}]))
    assert [(i.sku_id, i.quantity) for i in order.line_items] == [("s1", 2), ("s2", 1)]
    package = order.packages[0]
    assert package.carrier == "Correios" and package.tracking_url.endswith("BR123BR")
    assert package.last_tracking_event is not None and package.last_tracking_event.description == "Em rota"
    assert order.buyer_name == "Ana" and tracking_url("Transportadora X", "1") == ""


def test_the_content_hash_changes_with_the_content_and_only_then() -> None:
    raw = {"id": "1", "title": "Caneca", "status": "ACTIVATE", "update_time": 1,
           "skus": [{"id": "s", "price": {"sale_price": "10.00", "currency": "BRL"}, "inventory": [{"quantity": 3}]}]}
    same = parse.product(raw)
    assert same.fingerprint == parse.product(dict(raw)).fingerprint
    cheaper = parse.product({**raw, "skus": [{**raw["skus"][0], "price": {"sale_price": "9.00"}}]})
    assert cheaper.fingerprint != same.fingerprint
    assert same.skus[0].stock == 3 and same.active
    assert not parse.product({**raw, "status": "SELLER_DEACTIVATED"}).active
