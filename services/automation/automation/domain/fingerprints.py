"""A stable browser fingerprint per profile, derived from its id (same id → same browser every run)."""

from __future__ import annotations

import random

from automation.domain.model import Fingerprint

USER_AGENTS = [
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0.0.0 Safari/537.36",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/156.0.0.0 Safari/537.36",
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0.0.0 Safari/537.36",
]
VIEWPORTS = [(1366, 768), (1440, 900), (1536, 864), (1920, 1080)]
LOCALES = ("pt-BR", "en")


def fingerprint_for(profile_id: str, locale: str, timezone: str) -> Fingerprint:
    rng = random.Random(profile_id)  # noqa: S311 - a stable choice, not a secret
    width, height = rng.choice(VIEWPORTS)
    return Fingerprint(rng.choice(USER_AGENTS), width, height, locale, timezone)
