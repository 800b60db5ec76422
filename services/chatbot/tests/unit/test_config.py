"""Seller configuration: validation names the bad fields, patches merge, secrets never come back."""

from __future__ import annotations

import pytest
from chatbot.domain.config import SECRET_MASK, BotSettings, ConfigInvalid, apply_patch


def test_invalid_values_are_reported_per_field() -> None:
    with pytest.raises(ConfigInvalid) as caught:
        apply_patch(BotSettings(), {
            "llm": {"temperature": 5, "base_url": "ftp://x"}, "debounce": {"window_seconds": -1},
            "business_hours": {"open": "25:00", "timezone": "Mars/Base"}, "tone": "rude", "unknown": 1,
        })
    fields = {f for f, _ in caught.value.violations}
    assert {"llm.temperature", "llm.base_url", "debounce.window_seconds", "business_hours.open",
            "business_hours.timezone", "tone", "unknown"} <= fields


def test_patch_merges_nested_fields_and_lists_what_changed() -> None:
    updated, changed = apply_patch(BotSettings(), {"policies": {"payment_methods": ["pix"]}, "persona": "Oi"})
    assert updated.policies.payment_methods == ["pix"]
    assert updated.llm.temperature == BotSettings().llm.temperature
    assert changed == ["persona", "policies.payment_methods"]


def test_api_key_is_masked_and_a_masked_value_does_not_overwrite_it() -> None:
    updated, _ = apply_patch(BotSettings(), {"llm": {"api_key": "sk-proj-0123456789abcd"}})
    shown = updated.public()["llm"]
    assert (shown["api_key"], shown["has_api_key"]) == ("sk-…abcd", True)
    again, changed = apply_patch(updated, {"llm": {**shown, "model": "m"}})  # the form sends back what it got
    assert again.llm.api_key == "sk-proj-0123456789abcd"
    assert changed == ["llm.model"]
    legacy, _ = apply_patch(again, {"llm": {"api_key": SECRET_MASK}})
    assert legacy.llm.api_key == "sk-proj-0123456789abcd"
    assert BotSettings().public()["llm"].items() >= {"api_key": "", "has_api_key": False}.items()


def test_prompt_variants_need_unique_names() -> None:
    with pytest.raises(ConfigInvalid):
        apply_patch(BotSettings(), {"prompt_variants": [{"name": "a"}, {"name": "a"}]})
