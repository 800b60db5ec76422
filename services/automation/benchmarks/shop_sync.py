"""Shop sync benchmark: sync_catalog of 10,000 products and an incremental re-sync of 100 changes, then
sync_orders of 50,000 orders with the process's memory sampled throughout (it must stay flat).

The fake TikTok Shop Open API runs in its own process (its data is not counted in our memory); events go to a
private nats-server with JetStream; the automation service runs in-process on SQLite, as in `make run`.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
import psutil
from automation.domain.model import TaskStatus
from automation.main import AutomationApp
from automation.settings import ServiceSettings
from automation.usecases.shop_connections import ShopConnectionService
from sellerbot_devstack.servers import free_port, start_nats, wait_for_port
from sellerbot_fakes.tiktok_shop.app import DEMO_APP_KEY, DEMO_APP_SECRET

USER = "bench-shop"
PRODUCTS, CHANGES, ORDERS = 10_000, 100, 50_000
CATALOG_GOAL_S, RESYNC_GOAL_S = 60.0, 3.0


async def _run(app: AutomationApp, task_type: str, profile_id: str, rss: list[float] | None = None,
               **config: Any) -> tuple[Any, float]:
    started = time.perf_counter()
    task = await app.tasks.create(USER, task_type, profile_id, config)
    me = psutil.Process()
    while True:
        current = await app.tasks.get(USER, task.id)
        if rss is not None:
            rss.append(me.memory_info().rss / 2**20)
        if current.status.finished:
            return current, time.perf_counter() - started
        await asyncio.sleep(0.25)


async def bench_shop_sync() -> dict[str, float]:
    api_port = free_port()
    fake = subprocess.Popen(  # noqa: ASYNC220,S603 - our own fake, started once before the measurement
        [sys.executable, "-m", "sellerbot_fakes.tiktok_shop", "--port", str(api_port)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    nats = start_nats()
    try:
        wait_for_port("127.0.0.1", api_port, 20, fake)
        api_url = f"http://127.0.0.1:{api_port}"
        async with httpx.AsyncClient(base_url=api_url, timeout=300) as fake_api:
            await fake_api.post("/__test__/seed", json={"shop_id": "7000000000000001", "auth_code": "bench-code",
                                                        "products": PRODUCTS, "orders": ORDERS})
            with tempfile.TemporaryDirectory(prefix="shop-sync-bench-") as data_dir:
                settings = ServiceSettings(  # type: ignore[call-arg]
                    _env_file=None, database_url="", data_dir=Path(data_dir), nats_url=nats.url,
                    nats_namespace="bench", redis_url=f"redis://127.0.0.1:{free_port()}/0",
                    automation_grpc_addr="127.0.0.1:0", automation_metrics_port=0, worker_poll_seconds=0.2,
                    worker_autostart=False, log_level="ERROR", secrets_key="benchmark-secrets-key-0123456789abcdef",
                    tiktok_shop_app_key=DEMO_APP_KEY, tiktok_shop_app_secret=DEMO_APP_SECRET,
                    tiktok_shop_api_url=api_url, tiktok_shop_auth_url=api_url,
                )
                app = await AutomationApp.start(settings)
                try:
                    return await _measure(app, fake_api)
                finally:
                    await app.stop()
    finally:
        fake.terminate()
        fake.wait(10)
        nats.stop()


async def _measure(app: AutomationApp, fake_api: httpx.AsyncClient) -> dict[str, float]:
    profile = await app.profiles.create(USER, {"name": "Loja bench", "login": "bench@shop.local", "password": "x"})
    await ShopConnectionService(app.components).connect(USER, profile.id, "bench-code")
    await app.supervisor.start_worker(USER, 1)
    catalog, catalog_wall = await _run(app, "sync_catalog", profile.id)
    assert catalog.status is TaskStatus.COMPLETED, catalog.error
    await fake_api.post("/__test__/touch", json={"shop_id": "7000000000000001", "products": CHANGES})
    resync, resync_wall = await _run(app, "sync_catalog", profile.id)
    assert resync.status is TaskStatus.COMPLETED, resync.error
    rss: list[float] = []
    rss.append(psutil.Process().memory_info().rss / 2**20)
    orders, orders_wall = await _run(app, "sync_orders", profile.id, rss)
    assert orders.status is TaskStatus.COMPLETED, orders.error
    tenth = max(1, len(rss) // 10)
    await app.supervisor.stop_worker(USER, "benchmark done")
    return {
        "catalog_seconds": catalog.duration_seconds, "catalog_wall": catalog_wall,
        "catalog_upserted": float(catalog.result.get("products_upserted", 0)),
        "resync_seconds": resync.duration_seconds, "resync_wall": resync_wall,
        "resync_upserted": float(resync.result.get("products_upserted", 0)),
        "orders_seconds": orders.duration_seconds, "orders_wall": orders_wall,
        "orders_updated": float(orders.result.get("orders_updated", 0)),
        "rss_start_mb": rss[0], "rss_peak_mb": max(rss), "rss_after_first_tenth_mb": max(rss[:tenth + 1]),
        "rss_end_mb": rss[-1], "rss_samples": float(len(rss)),
    }


def report(r: dict[str, float]) -> str:
    def verdict(good: bool) -> str:
        return "met" if good else "NOT met"

    catalog = (f"| `sync_catalog` of {PRODUCTS:,} products (first sync: search pages + one detail call per product, "
               f"{r['catalog_upserted']:,.0f} `catalog.product_upserted` events) | ≤ {CATALOG_GOAL_S:.0f} s "
               f"| **{r['catalog_seconds']:.1f} s** ({r['catalog_wall']:.1f} s from create to done) "
               f"| {verdict(r['catalog_seconds'] <= CATALOG_GOAL_S)} |")
    resync = (f"| incremental re-sync after {CHANGES} products changed ({r['resync_upserted']:.0f} events) "
              f"| ≤ {RESYNC_GOAL_S:.0f} s | **{r['resync_seconds']:.2f} s** "
              f"| {verdict(r['resync_seconds'] <= RESYNC_GOAL_S)} |")
    flat = r["rss_peak_mb"] - r["rss_after_first_tenth_mb"] < 50
    orders = (f"| `sync_orders` of {ORDERS:,} orders (+ tracking of shipped packages; {r['orders_updated']:,.0f} "
              f"`orders.order_updated` events) | flat memory | **{r['orders_seconds']:.1f} s**; process RSS "
              f"{r['rss_start_mb']:.0f} MB before, {r['rss_after_first_tenth_mb']:.0f} MB after the first tenth, "
              f"peak **{r['rss_peak_mb']:.0f} MB**, {r['rss_end_mb']:.0f} MB at the end ({r['rss_samples']:.0f} "
              f"samples) | {verdict(flat)} |")
    load = os.getloadavg()[0]
    return f"""
## automation: shop sync (TikTok Shop Open API → events)

The same run (`make bench`): the fake Open API (`python -m sellerbot_fakes.tiktok_shop`) in its own process on
loopback, a private nats-server (JetStream), the automation service in-process on SQLite, page size 100,
32 product details in flight, every request signed and checked by the fake; load average {load:.1f} at the end.

| benchmark | goal | measured | |
|---|---|---|---|
{catalog}
{resync}
{orders}

Memory is flat because a sync holds one page (100 orders) at a time: it compares the page with the last published
state in the database, publishes the changes, records them and moves the cursor before reading the next page.
"""
