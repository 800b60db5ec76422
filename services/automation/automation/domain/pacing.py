"""Human-like pacing: jittered pauses around `delay_seconds` (0 means as fast as the page allows)."""

from __future__ import annotations

import random

JITTER = 0.35  # ±35 %: regular intervals are the easiest bot signature to spot


def human_delay(delay_seconds: float, rng: random.Random) -> float:
    if delay_seconds <= 0:
        return 0.0
    return max(0.05, rng.uniform(delay_seconds * (1 - JITTER), delay_seconds * (1 + JITTER)))

