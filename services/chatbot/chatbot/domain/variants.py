"""A/B prompt variants: a contact always gets the same variant (sticky), chosen by weight."""

from __future__ import annotations

import hashlib

from chatbot.domain.config import PromptVariant

DEFAULT_VARIANT = "default"


def assign_variant(variants: list[PromptVariant], sticky_key: str) -> str:
    weighted = [v for v in variants if v.weight > 0]
    if not weighted:
        return DEFAULT_VARIANT
    digest = hashlib.sha256(sticky_key.encode("utf-8")).digest()
    point = int.from_bytes(digest[:8], "big") / 2**64 * sum(v.weight for v in weighted)
    for variant in weighted:
        point -= variant.weight
        if point < 0:
            return variant.name
    return weighted[-1].name


def instructions_for(variants: list[PromptVariant], name: str) -> str:
    return next((v.instructions for v in variants if v.name == name), "")
