"""Debounce of a burst of customer messages: answer once, after the customer paused (or a hard cap)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class BurstWindow:
    """Timing of one contact's pending burst; times are monotonic seconds."""

    first_at: float
    last_at: float
    window_seconds: float
    max_wait_seconds: float

    def add(self, now: float) -> None:
        self.last_at = now

    @property
    def due_at(self) -> float:
        """Reset by each new message, but never later than the cap after the first one."""
        return min(self.last_at + self.window_seconds, self.first_at + max(self.max_wait_seconds,
                                                                          self.window_seconds))
