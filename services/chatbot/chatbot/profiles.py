"""Each seller's bot profile: validated config (versioned), catalog and FAQ answers, cached in process and
invalidated whenever the catalog or config changes (the FAQ cache's learned answers go with it)."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from decimal import Decimal
from functools import partial

import structlog

from chatbot.adapters.repository import ChatbotRepository, aware, utcnow
from chatbot.adapters.secret_box import DEV_SECRETS_KEY, SettingsSecrets
from chatbot.adapters.tables import ConfigVersionRow, ProductRow
from chatbot.domain.catalog import Catalog, Product
from chatbot.domain.config import BotSettings, apply_patch
from chatbot.domain.faq import FaqAnswer, FaqIndex

log = structlog.get_logger(__name__)
CACHE_SECONDS = 30.0  # bounds staleness when another replica changed the catalog or config


@dataclass
class SellerProfile:
    settings: BotSettings
    version: int
    catalog: Catalog
    faq: FaqIndex
    loaded_at: float = field(default_factory=time.monotonic)


@dataclass(frozen=True)
class ConfigView:
    settings: BotSettings
    version: int
    updated_at: object
    updated_by: str


def product_from_row(row: ProductRow) -> Product:
    return Product(
        id=row.id, sku=row.sku, name=row.name, price=Decimal(str(row.price)), description=row.description,
        currency=row.currency, stock=row.stock, synonyms=tuple(row.synonyms or ()),
        shipping_policy=row.shipping_policy, return_policy=row.return_policy, variants=tuple(row.variants or ()),
        gender=row.gender or "", active=bool(row.active),
    )


class SellerProfiles:
    """Profiles cached per seller. A profile older than CACHE_SECONDS is still served while one reload runs
    in the background: at 100 turns/s a seller's expiry no longer sends every turn of the next few ms to
    reload the config and catalog itself, nor makes them wait for it. A change made here (config, catalog,
    learned answer) drops the cached profile at once, and a reload that started before it is discarded."""

    def __init__(self, repository: ChatbotRepository, secrets: SettingsSecrets | None = None) -> None:
        self._repository = repository
        self._secrets = secrets or SettingsSecrets(DEV_SECRETS_KEY)
        self._cache: dict[str, SellerProfile] = {}
        self._loads: dict[str, asyncio.Task[SellerProfile]] = {}
        self._generation: dict[str, int] = {}

    async def get(self, user_id: str) -> SellerProfile:
        cached = self._cache.get(user_id)
        if cached is not None:
            if time.monotonic() - cached.loaded_at >= CACHE_SECONDS:
                self._reload(user_id)
            return cached
        return await asyncio.shield(self._reload(user_id))

    def _reload(self, user_id: str) -> asyncio.Task[SellerProfile]:
        """The seller's one reload in flight (started if none)."""
        task = self._loads.get(user_id)
        if task is None:
            task = asyncio.create_task(self._load(user_id, self._generation.get(user_id, 0)))
            self._loads[user_id] = task
            task.add_done_callback(partial(self._loaded, user_id))
        return task

    def _loaded(self, user_id: str, task: asyncio.Task[SellerProfile]) -> None:
        if self._loads.get(user_id) is task:
            self._loads.pop(user_id)
        if not task.cancelled() and task.exception() is not None:  # the stale profile stays; retried next turn
            log.warning("seller_profile_reload_failed", user_id=user_id, error=str(task.exception()))

    async def _load(self, user_id: str, generation: int) -> SellerProfile:
        config = await self._repository.latest_config(user_id)
        settings = self._settings(config)
        # Inactive synced products too: the catalog never offers them, but knows the shop had them.
        products = [product_from_row(r) for r in await self._repository.products(user_id)]
        answers = [FaqAnswer(e.question, e.answer, "curated") for e in settings.faq_cache.entries]
        answers += [FaqAnswer(r.question, r.answer, "learned") for r in await self._repository.learned_answers(user_id)]
        profile = SellerProfile(settings, config.version if config else 0, Catalog(products), FaqIndex(answers))
        if self._generation.get(user_id, 0) == generation:  # nothing changed here while it loaded
            self._cache[user_id] = profile
        return profile

    def _forget(self, user_id: str) -> None:
        self._generation[user_id] = self._generation.get(user_id, 0) + 1
        self._cache.pop(user_id, None)
        self._loads.pop(user_id, None)

    async def invalidate(self, user_id: str, forget_learned: bool = True) -> None:
        """Catalog or config changed: learned answers may now be wrong, so they go too."""
        if forget_learned:
            await self._repository.forget_learned_answers(user_id)
        self._forget(user_id)

    def refresh_faq(self, user_id: str) -> None:
        self._forget(user_id)

    async def config(self, user_id: str) -> ConfigView:
        row = await self._repository.latest_config(user_id)
        return self._view(row)

    async def update_config(self, user_id: str, patch: dict[str, object], by: str = "") -> ConfigView:
        """Validate and append a new version recording `by` (the member who changed it; default the tenant)
        (raises ConfigInvalid naming the bad fields)."""
        row = await self._repository.latest_config(user_id)
        current = self._settings(row)
        updated, changed = apply_patch(current, patch)
        if not changed and row is not None:
            return self._view(row)
        saved = await self._repository.save_config(
            user_id, row.version if row else 0, self._secrets.seal(updated.model_dump(mode="json")), changed,
            by or user_id)
        await self.invalidate(user_id)
        return self._view(saved)

    def _settings(self, row: ConfigVersionRow | None) -> BotSettings:
        """The stored settings with their secrets decrypted (they are stored sealed with SECRETS_KEY)."""
        return BotSettings.model_validate(self._secrets.open(row.settings)) if row else BotSettings()

    def _view(self, row: ConfigVersionRow | None) -> ConfigView:
        if row is None:
            return ConfigView(BotSettings(), 0, None, "")
        return ConfigView(self._settings(row), row.version, aware(row.created_at) or utcnow(), row.updated_by)
