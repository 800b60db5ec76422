"""Everything the use cases and the worker share, built once at start-up (and by tests in-process)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from pathlib import Path

from sellerbot_database import create_engine, run_migrations, session_factory
from sellerbot_messaging import EventBus
from sqlalchemy.ext.asyncio import AsyncEngine

from automation.adapters.artifacts import ArtifactStore
from automation.adapters.browser.chromium import SharedBrowser
from automation.adapters.chatbot_client import ChatbotClient
from automation.adapters.repository import (
    HandledItemRepository,
    ProfileRepository,
    TaskRepository,
    WorkerRepository,
)
from automation.adapters.schedule_store import ScheduleRepository
from automation.adapters.secrets import SecretBox
from automation.adapters.shop_store import ShopConnectionRepository, SyncStateRepository
from automation.adapters.status_store import StatusStore
from automation.adapters.tiktok_shop.client import TikTokShopApp
from automation.events.publisher import BotEventPublisher
from automation.events.shop_publisher import ShopEventPublisher
from automation.settings import ServiceSettings

MIGRATIONS = Path(__file__).parent / "migrations"
SERVICE_NAME = "automation"


@dataclass
class Components:
    settings: ServiceSettings
    engine: AsyncEngine
    profiles: ProfileRepository
    tasks: TaskRepository
    handled: HandledItemRepository
    workers: WorkerRepository
    secrets: SecretBox
    status: StatusStore
    events: BotEventPublisher
    browser: SharedBrowser
    chatbot: ChatbotClient
    artifacts: ArtifactStore
    shop_app: TikTokShopApp
    shop_connections: ShopConnectionRepository
    sync_state: SyncStateRepository
    shop_events: ShopEventPublisher
    schedules: ScheduleRepository
    process_id: str = field(default_factory=lambda: f"p-{uuid.uuid4().hex[:12]}")

    @classmethod
    async def build(cls, settings: ServiceSettings, bus: EventBus | None) -> Components:
        engine = create_engine(settings.url_for(SERVICE_NAME))
        await run_migrations(engine, MIGRATIONS, "alembic_version_automation")
        sessions = session_factory(engine)
        return cls(
            settings=settings, engine=engine, profiles=ProfileRepository(sessions), tasks=TaskRepository(sessions),
            handled=HandledItemRepository(sessions), workers=WorkerRepository(sessions),
            secrets=SecretBox(settings.effective_secrets_key), status=await StatusStore.connect(settings.redis_url),
            events=BotEventPublisher(bus),
            browser=SharedBrowser(settings.chromium_path, settings.browser_headless,
                                  settings.browser_recycle_after_tasks),
            chatbot=ChatbotClient(settings.chatbot_grpc_addr),
            artifacts=ArtifactStore(settings.data_dir / "automation-artifacts", settings.artifacts_keep),
            shop_app=TikTokShopApp(
                settings.tiktok_shop_app_key, settings.tiktok_shop_app_secret, settings.tiktok_shop_api_url,
                settings.tiktok_shop_auth_url, retry_attempts=settings.tiktok_shop_retry_attempts,
                backoff_seconds=settings.tiktok_shop_backoff_seconds,
                refresh_margin_seconds=settings.tiktok_shop_refresh_margin_seconds),
            shop_connections=ShopConnectionRepository(sessions), sync_state=SyncStateRepository(sessions),
            shop_events=ShopEventPublisher(bus), schedules=ScheduleRepository(sessions),
        )

    async def close(self) -> None:
        await self.browser.close()
        await self.shop_app.close()
        await self.chatbot.close()
        await self.status.close()
        await self.engine.dispose()
