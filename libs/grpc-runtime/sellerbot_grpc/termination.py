"""Waiting for the orchestrator's stop signal (SIGTERM from Kubernetes/compose, SIGINT from Ctrl-C)."""

from __future__ import annotations

import asyncio
import signal


async def until_terminated() -> None:
    """Return once SIGINT or SIGTERM arrives; the caller then drains and stops its servers."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    try:
        await stop.wait()
    finally:
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(sig)
