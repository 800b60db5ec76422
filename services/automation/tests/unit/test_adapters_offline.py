"""Adapters that need no server: sealing secrets, masking logins, the locale map against the replica."""

from __future__ import annotations

import pytest
from automation.adapters.browser.names import NAMES, STATUS_CODES
from automation.adapters.secrets import SecretBox, mask_login
from automation.adapters.status_store import StatusStore
from sellerbot_fakes.seller_center.catalog import STATUS_LABELS
from sellerbot_fakes.seller_center.catalog import STRINGS as CATALOG_STRINGS
from sellerbot_fakes.seller_center.i18n import STRINGS


def test_secrets_are_sealed_and_only_the_right_key_opens_them() -> None:
    box = SecretBox("a passphrase that is long enough")
    sealed = box.seal({"login": "seller@example.com", "password": "hunter2"})
    assert "hunter2" not in sealed and "seller@example.com" not in sealed
    assert box.open(sealed)["password"] == "hunter2"
    with pytest.raises(ValueError, match="SECRETS_KEY"):
        SecretBox("another key").open(sealed)


def test_logins_are_masked_in_responses() -> None:
    assert mask_login("seller@example.com") == "se****@example.com"
    assert mask_login("+5511999998888") == "**********8888"


@pytest.mark.parametrize("locale", ["en", "pt-BR"])
def test_every_accessible_name_the_bot_uses_exists_on_the_replica(locale: str) -> None:
    """The per-locale map is the only place names live; each must be a real UI string of that locale."""
    page_strings = " | ".join([*STRINGS[locale].values(), *CATALOG_STRINGS[locale].values()])
    missing = [key for key, name in NAMES[locale].items() if name not in page_strings]
    assert missing == []
    assert NAMES["en"].keys() == NAMES["pt-BR"].keys()
    shown = {label: code for code, label in STATUS_LABELS[locale].items()}
    assert STATUS_CODES[locale] == shown  # every status label the pages show maps back to its platform code


async def test_without_redis_the_seed_keys_live_in_memory_with_their_ttls() -> None:
    store = await StatusStore.connect("redis://127.0.0.1:1/0")
    assert store.backend == "memory"
    await store.put_task_status("t1", {"status": "running"})
    await store.put_heartbeat({"at": "now"})
    assert await store.get("bot:task:t1:status") == {"status": "running"}
    assert 86000 < await store.ttl("bot:task:t1:status") <= 86400
    assert 0 < await store.ttl("bot:worker:heartbeat") <= 60
