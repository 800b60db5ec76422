"""The SHOP events (as automation publishes them on real NATS) into the chatbot's own read models: synced products
in the catalog beside hand-made and CSV ones, deactivation, idempotent redelivery; synced orders in the CRM linked
to the buyer's contact; order answers by number, by the contact's phone, and another buyer's order never told
before its CEP or buyer name is confirmed; conversions within the attribution window only; two replicas
sharing the consumers."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from chatbot.main import ChatbotService
from google.protobuf import struct_pb2
from google.protobuf.timestamp_pb2 import Timestamp
from prometheus_client import REGISTRY
from sellerbot.chatbot.v1 import chatbot_pb2 as pb
from sellerbot.chatbot.v1 import crm_pb2 as crm
from sellerbot.events.v1 import shop_events_pb2 as shop
from sellerbot_messaging import Subjects
from sellerbot_messaging.streams import SHOP

from ..conftest import Client, EventTap, eventually
from .test_crm import CrmClient

BUYER = "whatsapp:5511987654321"
STRANGER = "whatsapp:5511911112222"


def _at(when: datetime) -> Timestamp:
    stamp = Timestamp()
    stamp.FromDatetime(when)
    return stamp


class ShopFeed:
    """Publishes SHOP events the way automation does (whole state per event, one tenant)."""

    def __init__(self, tap: EventTap, user_id: str) -> None:
        self.tap = tap
        self.user_id = user_id

    async def product(self, product_id: str, title: str, *, status: str = "ACTIVATE", price: str = "79.90",
                      at: datetime | None = None, msg_id: str = "") -> None:
        assert self.tap.bus is not None
        skus = [shop.ProductSku(id=f"{product_id}{i}", seller_sku=f"SYNC-{product_id[-4:]}-{i}", price=p,
                                currency="BRL", stock=s, attributes=[shop.ProductAttribute(name="Cor", value=c)])
                for i, (p, s, c) in enumerate([(price, 4, "Azul"), ("69.90", 0, "Preto"), ("89.90", 3, "Rosa")])]
        event = shop.ProductUpserted(
            event_id=msg_id or f"product:{product_id}:{uuid.uuid4().hex[:6]}", user_id=self.user_id,
            profile_id="p1", shop_id="s1", at=_at(at or datetime.now(UTC)), product=shop.CatalogProduct(
                id=product_id, title=title, description="<p>Algodão &amp; elastano</p>", status=status, skus=skus,
                source="tiktok_shop_api"))
        await self.tap.bus.publish(Subjects.PRODUCT_UPSERTED, event, event.event_id, self.user_id)

    async def deactivated(self, product_id: str, at: datetime | None = None) -> None:
        assert self.tap.bus is not None
        event = shop.ProductDeactivated(event_id=f"product-gone:{product_id}:{uuid.uuid4().hex[:6]}",
                                        user_id=self.user_id, profile_id="p1", shop_id="s1", product_id=product_id,
                                        status="SELLER_DEACTIVATED", at=_at(at or datetime.now(UTC)))
        await self.tap.bus.publish(Subjects.PRODUCT_DEACTIVATED, event, event.event_id, self.user_id)

    async def order(self, order_id: str, *, phone: str = "+55 11 98765-4321", name: str = "Maria Souza",
                    status: str = "IN_TRANSIT", created: datetime | None = None, msg_id: str = "",
                    total: str = "159.80", sale_price: str = "79.90") -> None:
        assert self.tap.bus is not None
        created = created or datetime.now(UTC)
        last = shop.TrackingEvent(description="Objeto em trânsito para Campinas", at=_at(created))
        event = shop.OrderUpdated(
            event_id=msg_id or f"order:{order_id}:{uuid.uuid4().hex[:6]}", user_id=self.user_id, profile_id="p1",
            shop_id="s1", at=_at(datetime.now(UTC)), order=shop.ShopOrder(
                id=order_id, status=status, buyer_name=name, buyer_phone=phone, buyer_handle="",
                total_amount=total, currency="BRL", carrier="Correios", tracking_number="BR987654321BR",
                tracking_url="https://rastreamento.correios.com.br/app/index.php?objeto=BR987654321BR",
                last_tracking_event=last, create_time=_at(created), update_time=_at(created),
                line_items=[shop.OrderLineItem(id="1", product_id="1729", product_name="Camiseta Sync",
                                               sku_name="Azul", seller_sku="SYNC-1729-0", quantity=2,
                                               sale_price=sale_price, currency="BRL")]))
        await self.tap.bus.publish(Subjects.ORDER_UPDATED, event, event.event_id, self.user_id)


@pytest.fixture
async def shop_of(chatbot: ChatbotService, client_for: Callable[[str], Client], tap: EventTap
                  ) -> AsyncIterator[tuple[Client, CrmClient, ShopFeed]]:
    user_id = f"shop-{uuid.uuid4().hex[:8]}"
    crm_client = CrmClient(chatbot.port, user_id)
    yield client_for(user_id), crm_client, ShopFeed(tap, user_id)
    await crm_client.channel.close()


async def _products(bot: Client) -> dict[str, Any]:
    return {p.external_id or p.sku: p for p in (await bot.ListProducts(pb.ListProductsRequest())).products}


async def test_synced_products_join_the_catalog_with_their_source_and_a_deactivated_one_is_never_offered(
    shop_of: tuple[Client, CrmClient, ShopFeed],
) -> None:
    bot, _, feed = shop_of
    await bot.add_product(sku="MAN-1", name="Caneca Manual", price=39.9, stock=5)
    await bot.ImportProducts(pb.ImportProductsRequest(csv=b"sku,name,price,stock\nCSV-1,Garrafa Termica,59.90,3\n"))
    await feed.product("1729", "Camiseta Sync")

    listed = await eventually(lambda: _found(bot, "1729"))
    synced = listed["1729"]
    assert synced.source == "tiktok_shop" and synced.active and synced.platform_status == "ACTIVATE"
    assert synced.HasField("synced_at") and synced.sku == "SYNC-1729-0"
    assert synced.price == pytest.approx(79.90)  # the cheapest SKU in stock (the 69.90 one is sold out)
    assert synced.stock == 7 and list(synced.variants) == ["Azul", "Preto", "Rosa"]
    assert synced.description == "Algodão & elastano"
    assert listed["MAN-1"].source == "manual" and listed["CSV-1"].source == "csv"
    offered = await bot.message("whatsapp:5511900000001", "quanto custa a camiseta sync?")
    assert "79,90" in offered.reply, offered.reply

    await feed.deactivated("1729")
    gone = await eventually(lambda: _inactive(bot, "1729"))
    assert gone.platform_status == "SELLER_DEACTIVATED" and gone.name == "Camiseta Sync"  # kept, not deleted
    asked = await bot.message("whatsapp:5511900000002", "quanto custa a camiseta sync?")
    assert "79,90" not in asked.reply, asked.reply
    assert "não está disponível no momento" in asked.reply, asked.reply  # the shop had it: not "never sold"


async def test_a_redelivered_or_older_product_event_changes_nothing(
    shop_of: tuple[Client, CrmClient, ShopFeed],
) -> None:
    bot, _, feed = shop_of
    read = datetime.now(UTC)
    await feed.product("1830", "Bermuda Sync", at=read)
    await eventually(lambda: _found(bot, "1830"))
    await feed.product("1830", "Bermuda Sync", at=read)  # the same read again (a redelivery)
    await feed.deactivated("1830", at=read + timedelta(seconds=5))
    await eventually(lambda: _inactive(bot, "1830"))
    await feed.product("1830", "Bermuda Sync", price="10.00", at=read - timedelta(seconds=5))  # an older read
    await feed.product("1931", "Marcador", at=read)  # delivered after the older one: it was handled
    await eventually(lambda: _found(bot, "1931"))
    listed = await _products(bot)
    assert [p.external_id for p in listed.values()].count("1830") == 1
    assert not listed["1830"].active and listed["1830"].price == pytest.approx(79.90)


async def _found(bot: Client, external_id: str) -> dict[str, Any] | None:
    listed = await _products(bot)
    return listed if external_id in listed else None


async def _inactive(bot: Client, external_id: str) -> Any:
    found = (await _products(bot)).get(external_id)
    return found if found is not None and not found.active else None


async def _orders(crm_client: CrmClient) -> list[crm.Order]:
    return list((await crm_client.ListOrders(crm.ListOrdersRequest(source="tiktok_shop"))).orders)


async def test_a_synced_order_lands_in_the_crm_on_the_buyers_contact_and_is_answered_by_number_or_phone(
    shop_of: tuple[Client, CrmClient, ShopFeed],
) -> None:
    bot, crm_client, feed = shop_of
    await bot.message(BUYER, "oi, tudo bem?")  # the CRM now knows this phone
    contact = await crm_client.only_contact()
    await feed.order("577000000000000101", created=datetime.now(UTC) - timedelta(days=2))
    await feed.order("577000000000000101", created=datetime.now(UTC) - timedelta(days=2))  # same state again
    orders = await eventually(lambda: _orders(crm_client))
    assert len(orders) == 1
    order = orders[0]
    assert order.source == "tiktok_shop" and order.status == "IN_TRANSIT" and order.contact == contact.id
    assert order.tracking_number == "BR987654321BR" and order.carrier == "Correios"
    assert order.tracking_url.endswith("BR987654321BR") and order.buyer_name == "Maria Souza"
    assert order.buyer_phone == "5511987654321" and order.last_tracking_event.startswith("Objeto em trânsito")
    assert order.line_items[0].quantity == 2 and order.line_items[0].variant == "Azul"

    by_number = await bot.message(BUYER, "cadê meu pedido 577000000000000101? ainda não chegou")
    for fact in ("enviado", "Objeto em trânsito para Campinas", "Correios", "BR987654321BR",
                 "https://rastreamento.correios.com.br/app/index.php?objeto=BR987654321BR"):
        assert fact in by_number.reply, by_number.reply
    by_phone = await bot.message(BUYER, "e o meu pedido, já foi enviado?")
    assert "577000000000000101" in by_phone.reply and "BR987654321BR" in by_phone.reply, by_phone.reply
    unknown = await bot.message(BUYER, "e o pedido 111122223333?")
    assert "111122223333" in unknown.reply and "pessoa" in unknown.reply and "BR98" not in unknown.reply


async def test_an_order_with_amounts_no_column_holds_lands_without_them_and_does_not_block_the_next(
    shop_of: tuple[Client, CrmClient, ShopFeed],
) -> None:
    _, crm_client, feed = shop_of
    await feed.order("577000000000000301", total="123456789012.50", sale_price="1E+30")
    await feed.order("577000000000000302")
    orders = {o.external_order_id: o for o in await eventually(lambda: _two(_orders(crm_client)))}
    absurd = orders["577000000000000301"]
    assert absurd.total == "0.00" and absurd.line_items[0].unit_price == "0.00"
    assert orders["577000000000000302"].total == "159.80"


async def _two(orders: Any) -> Any:
    found = await orders
    return found if len(found) == 2 else None


async def test_another_buyers_order_is_told_only_after_its_buyer_name_is_confirmed(
    shop_of: tuple[Client, CrmClient, ShopFeed],
) -> None:
    bot, crm_client, feed = shop_of
    await feed.order("577000000000000202")
    await eventually(lambda: _orders(crm_client))
    secret = ("BR987654321BR", "enviado", "Correios", "Campinas", "Maria")

    asked = await bot.message(STRANGER, "qual o status do pedido 577000000000000202?")
    assert "CEP" in asked.reply and "nome" in asked.reply, asked.reply
    assert not any(word in asked.reply for word in secret), asked.reply
    wrong = await bot.message(STRANGER, "Ana Pereira")
    assert "não conferem" in wrong.reply and not any(word in wrong.reply for word in secret), wrong.reply
    again = await bot.message(STRANGER, "Maria Souza")  # no second try: the question was not asked again
    assert not any(word in again.reply for word in secret), again.reply

    other = "whatsapp:5511933334444"
    await bot.message(other, "cadê o pedido 577000000000000202?")
    confirmed = await bot.message(other, "Maria Souza")
    assert "BR987654321BR" in confirmed.reply and "enviado" in confirmed.reply, confirmed.reply
    later = await bot.message(other, "e o pedido 577000000000000202 chega quando?")
    assert "BR987654321BR" in later.reply, later.reply  # confirmed once for this conversation

    polite = "whatsapp:5511955556666"
    await bot.message(polite, "cadê o pedido 577000000000000202?")
    thanked = await bot.message(polite, "ok, obrigado")  # not an answer to the question: nothing is checked
    assert "não conferem" not in thanked.reply and not any(word in thanked.reply for word in secret), thanked.reply


def _window(days: int) -> pb.UpdateConfigRequest:
    patch = struct_pb2.Struct()
    patch.update({"attribution": {"window_days": days}})
    return pb.UpdateConfigRequest(patch=patch)


async def _converted(bot: Client, contact_id: str) -> bool:
    listed = (await bot.ListConversations(pb.ListConversationsRequest())).conversations
    return any(c.contact_id == contact_id and c.converted for c in listed)


async def test_an_order_converts_the_conversation_only_within_the_attribution_window(
    shop_of: tuple[Client, CrmClient, ShopFeed],
) -> None:
    bot, crm_client, feed = shop_of
    await bot.UpdateConfig(_window(3))
    inside, late, before = "whatsapp:5511955550001", "whatsapp:5511955550002", "whatsapp:5511955550003"
    for contact_id in (inside, late, before):
        await bot.message(contact_id, "quanto custa a camiseta?")
    now = datetime.now(UTC)
    await feed.order("577000000000000302", phone=late[9:], created=now + timedelta(days=4))  # 4 > 3 days later
    await feed.order("577000000000000303", phone=before[9:], created=now - timedelta(hours=1))  # talked after it
    await feed.order("577000000000000301", phone=inside[9:], created=now + timedelta(days=2))
    await eventually(lambda: _converted(bot, inside))  # one consumer, in order: the other two were handled first
    assert await _count(crm_client, 3)
    assert not await _converted(bot, late) and not await _converted(bot, before)
    funnel = await bot.GetFunnel(pb.GetFunnelRequest(period="24h"))
    assert {s.stage: s.count for s in funnel.stages}["converted"] == 1
    stats = await bot.GetStats(pb.GetStatsRequest(period="24h"))
    assert stats.conversions == 1 and stats.revenue == "159.80"
    assert [(c.channel, c.conversions, c.revenue) for c in stats.per_channel] == [("whatsapp", 1, "159.80")]


async def _count(crm_client: CrmClient, n: int) -> bool:
    return len(await _orders(crm_client)) == n


def _handled() -> float:
    """Order events the replicas of this process handled (the counter is the process's)."""
    return sum(REGISTRY.get_sample_value("chatbot_shop_events_total", {"kind": "order", "outcome": outcome}) or 0.0
               for outcome in ("applied", "stale"))


async def test_two_replicas_share_the_shop_consumers_and_handle_each_event_once(
    shop_of: tuple[Client, CrmClient, ShopFeed], chatbot_factory: Callable[..., Any],
) -> None:
    _, crm_client, feed = shop_of
    await chatbot_factory()  # a second replica on the same streams and database
    before = _handled()
    for n in range(12):
        await feed.order(f"5770000000000004{n:02d}", phone=f"55119666600{n:02d}")
    await eventually(lambda: _count(crm_client, 12), timeout=20)
    assert feed.tap.bus is not None
    stream = feed.tap.bus.stream_name(SHOP)

    async def consumer_done() -> Any:
        info = await feed.tap.bus._js.consumer_info(stream, "chatbot-shop-orders")
        return info if info.num_pending == 0 and info.num_ack_pending == 0 else None

    info = await eventually(consumer_done, timeout=20)
    # One shared durable: every event reached one replica once (two consumers of their own would make 24);
    # JetStream redelivers an event whose ack was late (at least once), which the read model absorbs.
    assert _handled() - before == 12 + info.num_redelivered
    assert len(await _orders(crm_client)) == 12
